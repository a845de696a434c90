/**
 * A crowd of new minions larger than the master's auth budget (auth_rate: 1 here, so a few signed answers a
 * second): every key is recorded pending even though most minions are only answered `busy` (unsigned, with a slot
 * to come back in, up to half a minute away), and after `brine key accept` the accept notice brings every one of
 * them in, each about once, in a slot of its own instead of at its busy slot. Real master, real ZeroMQ, the minions' own Connection code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { loadMinionOpts } from '@brine/engine';
import { Connection } from '@brine/minion';
import { createKeyPair } from '@brine/protocol';
import { Fleet, onMasterAsync, tempDir, waitFor } from './helpers/fleet';

const N = 24;
let fleet: Fleet;
let dir: string;
const conns: Connection[] = [];

beforeAll(async () => {
  dir = tempDir('brine-crowd-');
  fs.mkdirSync(path.join(dir, 'tree'));
  fleet = new Fleet({ dir, minions: [], fileRoots: [path.join(dir, 'tree')], master: { auth_rate: 1, auth_rate_per_peer: 5 } });
  await fleet.configure();
  await fleet.startMaster();
}, 60_000);

afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()));
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a crowd over the auth budget: all recorded pending, then all in through the accept notice, about once each', async () => {
  const attempts = new Map<Connection, number>();
  const proto = Connection.prototype as unknown as { authOnce: (...a: unknown[]) => Promise<boolean> };
  const authOnce = proto.authOnce;
  proto.authOnce = function counted(this: Connection, ...a: unknown[]) {
    attempts.set(this, (attempts.get(this) ?? 0) + 1);
    return authOnce.apply(this, a);
  };
  try {
    for (let i = 0; i < N; i++) {
      const id = `crowd${String(i).padStart(2, '0')}`;
      const pki = path.join(dir, 'minions', id);
      fs.mkdirSync(pki, { recursive: true });
      const k = createKeyPair();
      fs.writeFileSync(path.join(pki, 'minion.pem'), k.privatePem, { mode: 0o600 });
      fs.writeFileSync(path.join(pki, 'minion.pub'), k.publicPem);
      const opts = loadMinionOpts('/nonexistent-brine-config', { id, master: '127.0.0.1', publish_port: fleet.publishPort, master_port: fleet.requestPort, pki_dir: pki, cachedir: path.join(pki, 'cache') });
      conns.push(new Connection(opts, nullLogger));
    }
    for (const c of conns) void c.authenticate();
    const pendingDir = path.join(fleet.masterDir, 'pki/minions/pending');
    await waitFor(() => fs.readdirSync(pendingDir).length === N, 40_000, `all ${N} keys pending`);
    // The signing budget (1 a second, bursts of 2) answered few of them `pending`; the rest hold a `busy` slot.
    const unsigned = conns.filter((c) => c.state === 'connecting').length;
    expect(unsigned).toBeGreaterThanOrEqual(N / 2);

    for (const c of conns) attempts.set(c, 0);
    const accept = await onMasterAsync(fleet, ['key', 'accept', '--all', '-y']);
    expect(accept.code).toBe(0);
    // The slots handed out reach about 30 s (24 pending keys at 0.8 signed answers a second): all in well before.
    await waitFor(() => conns.every((c) => c.accepted), 15_000, `all ${N} authenticated after the accept`);
    const total = [...attempts.values()].reduce((a, b) => a + b, 0);
    // One slot each, 1 / (0.8 x 4 x auth_rate) = 0.31 s apart after those the crowd still holds: one attempt each,
    // but for a minion or two whose retry was already on its way when the keys were accepted.
    expect(total).toBeLessThanOrEqual(Math.ceil(N * 1.125));
  } finally {
    proto.authOnce = authOnce;
  }
}, 90_000);
