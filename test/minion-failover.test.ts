/**
 * Minion failover between masters (`master:` a list, `master_type: failover`), with real master and minion
 * processes. Masters that serve the same minions share one identity (master.pem/master.pub copied from the first)
 * and each has the minions' keys accepted; each has its own publish port, which it gives in its auth replies.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Fleet, freePort } from '../packages/cli/src/fleet/fleet';
import { acceptAll, json, minionLog, onMasterAsync, tempDir, waitFor, writeFiles } from './helpers/fleet';

const fleets: Fleet[] = [];
let dir: string;

beforeEach(() => {
  dir = tempDir('brine-failover-');
  writeFiles(path.join(dir, 'tree'), { 'top.sls': 'base: {}\n' });
  writeFiles(path.join(dir, 'pillar'), { 'top.sls': 'base: {}\n' });
});

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
  if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

type Ports = { publish: number; request: number };

async function ports(): Promise<Ports> {
  return { publish: await freePort(), request: await freePort() };
}

const retEndpoint = (p: Ports | Fleet) => `127.0.0.1:${'request' in p ? p.request : p.requestPort}`;

/** A fleet (a master, and the minions named) on ports chosen up front: every minion config names every master. */
function fleet(name: string, minions: string[], own: Ports, all: Ports[]): Fleet {
  const f = new Fleet({
    dir: path.join(dir, name),
    minions,
    fileRoots: [path.join(dir, 'tree')],
    pillarRoots: [path.join(dir, 'pillar')],
    ports: own,
    // publish_port unset: the minion subscribes where each master says it publishes.
    minion: () => ({ master: all.map(retEndpoint), master_alive_interval: 2, publish_port: null }),
  });
  fleets.push(f);
  return f;
}

/** test.ping from `f`'s master: the ids that answered. */
async function pingFrom(f: Fleet): Promise<string[]> {
  const r = await onMasterAsync(f, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
  if (r.code !== 0 && !r.stdout.trim().startsWith('{')) return [];
  return Object.entries(json(r)).filter(([, v]) => v === true).map(([id]) => id).sort();
}

function copyMasterIdentity(from: Fleet, to: Fleet): void {
  const dst = path.join(to.masterDir, 'pki');
  fs.mkdirSync(dst, { recursive: true });
  for (const f of ['master.pem', 'master.pub']) fs.copyFileSync(path.join(from.masterDir, 'pki', f), path.join(dst, f));
}

/** The minions' accepted keys on `from` accepted on `to` too (what `brine key accept` leaves behind). */
function copyAcceptedKeys(from: Fleet, to: Fleet, ids: string[]): void {
  const dst = path.join(to.masterDir, 'pki', 'minions', 'accepted');
  fs.mkdirSync(dst, { recursive: true });
  for (const id of ids) fs.copyFileSync(path.join(from.masterDir, 'pki', 'minions', 'accepted', id), path.join(dst, id));
}

test('three minions with master: [A, B] answer test.ping via B within 10 s of A being killed', async () => {
  const ids = ['fo1', 'fo2', 'fo3'];
  const [pa, pb] = [await ports(), await ports()];
  const a = fleet('a', ids, pa, [pa, pb]);
  const b = fleet('b', [], pb, [pa, pb]);
  await a.configure();
  await b.configure();
  await a.startMaster();
  copyMasterIdentity(a, b);
  a.startMinions();
  await acceptAll(a, ids);
  copyAcceptedKeys(a, b, ids);
  await b.startMaster();
  expect(await pingFrom(a)).toEqual(ids);

  await a.stopMaster('SIGKILL');
  const killed = Date.now();
  let answered: string[] = [];
  await waitFor(async () => (answered = await pingFrom(b)).length === ids.length, 20_000, 'every minion answering via B');
  const took = Date.now() - killed;
  expect(answered).toEqual(ids);
  expect(took).toBeLessThan(10_000);
  for (const id of ids) {
    expect(minionLog(a, id)).toMatch(new RegExp(`master ${retEndpoint(a)} not answering for \\d+s: failing over to ${retEndpoint(b)}`));
  }
}, 60_000);

test('a master in the list with another key is refused (fingerprint mismatch) and the good one serves the minion', async () => {
  const [pBad, pGood] = [await ports(), await ports()];
  const bad = fleet('bad', [], pBad, [pBad, pGood]);
  const good = fleet('good', ['fo4'], pGood, [pBad, pGood]);
  await bad.configure();
  await good.configure();
  await Promise.all([bad.startMaster(), good.startMaster()]);
  // The minion trusts the good master's key (pinned earlier, as after its first contact with it).
  const pki = path.join(good.minionDir('fo4'), 'pki');
  fs.mkdirSync(pki, { recursive: true });
  fs.copyFileSync(path.join(good.masterDir, 'pki', 'master.pub'), path.join(pki, 'minion_master.pub'));
  good.startMinions();
  await acceptAll(good, ['fo4']);
  expect(await pingFrom(good)).toEqual(['fo4']);
  const log = minionLog(good, 'fo4');
  expect(log).toMatch(/MASTER KEY CHANGED: refusing this master\. auth reply: master key \S+ is not the trusted master/);
  expect(log).toContain(`master ${retEndpoint(bad)} refused: its key is not the pinned master key: failing over to ${retEndpoint(good)}`);
  expect(await pingFrom(bad)).toEqual([]);
}, 60_000);
