/**
 * An outsider trying to exhaust a real master: a subscription flood and a 1 GB multipart request (memory must stay
 * bounded and pings answered within 1 s), auth floods against the pending-key store, ids and fields meant to slip
 * through validation, and a restart that must keep the log.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  ClientSession,
  createAuthRequest,
  createKeyPair,
  decode,
  decodeExpecting,
  encode,
  MinionTransport,
  openAuthReply,
  type AuthReply,
  type ErrorReply,
  type ReplyEnvelope,
  type WireMessage,
} from '@brine/protocol';
import { Fleet, json, masterLog, onMasterAsync, tempDir, waitFor } from './helpers/fleet';

const FLOOD = path.join(__dirname, 'helpers/zmtp-flood.js');
const MiB = 1024;

let fleet: Fleet;
let dir: string;
let client: MinionTransport;
let session: ClientSession;
let seq = 0;
const keys = { id: 'probe', ...createKeyPair() };

const rssKiB = () => Fleet.rssKiB(fleet.master!.pid);

async function auth(t: MinionTransport, k: typeof keys): Promise<WireMessage> {
  return decode(await t.request(encode(createAuthRequest(k)), 5000));
}

/** A sealed ping over the probe's session: the master's answer time in ms. */
async function pingMs(): Promise<number> {
  const t0 = Date.now();
  const env = session.seal({ kind: 'ping' });
  const rep = decodeExpecting(await client.request(encode(env), 5000), ['rep']) as ReplyEnvelope;
  expect(session.openReply(rep, env.seq).ok).toBe(true);
  return Date.now() - t0;
}

/** Run the flooder; while it runs, sample the master's RSS and ping it. Stops early once RSS passes the bound. */
async function flood(args: string[], boundKiB: number): Promise<{ peakKiB: number; pings: number[]; sent: number }> {
  const p = spawn(process.execPath, [FLOOD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let sent = 0;
  p.stdout.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n').filter(Boolean)) sent = Math.max(sent, (JSON.parse(line) as { sent: number }).sent);
  });
  const done = new Promise<void>((r) => p.once('exit', () => r()));
  let peakKiB = rssKiB();
  const pings: number[] = [];
  let over = false;
  const base = rssKiB();
  while (p.exitCode === null && !over) {
    pings.push(await pingMs().catch(() => 5000));
    peakKiB = Math.max(peakKiB, rssKiB());
    if (peakKiB - base > boundKiB) over = true;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (over) p.kill('SIGKILL');
  await done;
  return { peakKiB, pings, sent };
}

beforeAll(async () => {
  dir = tempDir('brine-dos-');
  fs.mkdirSync(path.join(dir, 'tree'));
  fs.writeFileSync(path.join(dir, 'tree', 'ok.txt'), 'fine\n');
  fleet = new Fleet({
    dir,
    minions: [],
    fileRoots: [path.join(dir, 'tree')],
    master: { max_pending_keys: 6, pending_key_ttl: 4 / 3600, auth_rate: 20, auth_rate_per_peer: 2 },
  });
  await fleet.configure();
  await fleet.startMaster();
  client = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort });
  expect(((await auth(client, keys)) as AuthReply).status).toBe('pending');
  expect((await onMasterAsync(fleet, ['key', 'accept', 'probe', '-y'])).code).toBe(0);
  await new Promise((r) => setTimeout(r, 1100)); // the per-connection auth budget refills
  const sent = createAuthRequest(keys);
  const ok = openAuthReply(decodeExpecting(await client.request(encode(sent), 5000), ['auth.reply']) as AuthReply, sent, keys);
  if (ok.status !== 'accepted') throw new Error('probe not accepted');
  session = new ClientSession('probe', ok.sessionKey);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('300,000 subscriptions of 1 KB from an outsider: master RSS grows < 64 MB, pings answer within 1 s', async () => {
  const before = rssKiB();
  const r = await flood(['subs', String(fleet.publishPort), '300000', '1000'], 64 * MiB);
  const after = rssKiB();
  console.log(`subscription flood: ${r.sent} sent, master RSS ${before} -> peak ${r.peakKiB} -> ${after} KiB, ping max ${Math.max(...r.pings)} ms`);
  expect(r.peakKiB - before).toBeLessThan(64 * MiB);
  expect(r.sent).toBe(300_000);
  expect(Math.max(...r.pings)).toBeLessThan(1000);
  expect(await pingMs()).toBeLessThan(1000);
  await waitFor(() => /subscription of 1000 bytes/.test(masterLog(fleet)), 5000, 'the refusal logged');
  // Topics short enough to pass: each connection may hold 16, then it is closed.
  const short = await flood(['subs', String(fleet.publishPort), '300000', '200'], 64 * MiB);
  console.log(`short subscriptions: ${short.sent} sent, master RSS peak ${short.peakKiB} -> ${rssKiB()} KiB, ping max ${Math.max(...short.pings)} ms`);
  expect(short.peakKiB - before).toBeLessThan(64 * MiB);
  expect(Math.max(...short.pings)).toBeLessThan(1000);
}, 90_000);

test('a 1 GB request of 70 x 15 MB frames is refused while it arrives: RSS grows < 64 MB, pings answer within 1 s', async () => {
  const before = rssKiB();
  const r = await flood(['big', String(fleet.requestPort), '70', '15'], 64 * MiB);
  await new Promise((res) => setTimeout(res, 500));
  const after = rssKiB();
  console.log(`multipart flood: ${Math.round(r.sent / 2 ** 20)} MiB sent, master RSS ${before} -> peak ${r.peakKiB} -> ${after} KiB, ping max ${Math.max(...r.pings)} ms`);
  expect(Math.max(r.peakKiB, after) - before).toBeLessThan(64 * MiB);
  expect(Math.max(...r.pings)).toBeLessThan(1000);
  expect(await pingMs()).toBeLessThan(1000);
  await waitFor(() => /request dropped: too large/.test(masterLog(fleet)), 5000, 'the refusal logged');
}, 90_000);

test('auth is rate-limited per connection; pending keys are capped and expire', async () => {
  const strangers = Array.from({ length: 8 }, (_, i) => ({ id: `stranger${i}`, ...createKeyPair() }));
  const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort });
  try {
    const answers = [];
    for (const k of strangers.slice(0, 6)) answers.push(await auth(t, k));
    // Per connection: 2 a second, bursts of 4; the rest get an unsigned `busy`.
    expect(answers.filter((a) => a.kind === 'error' && (a as ErrorReply).code === 'busy').length).toBeGreaterThanOrEqual(2);
    expect(answers.filter((a) => a.kind === 'auth.reply').length).toBeLessThanOrEqual(4);
    // The cap: at most max_pending_keys (6) pending, whatever the number of new ids.
    for (const k of strangers) {
      const own = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort });
      await auth(own, k).finally(() => own.close());
    }
    const pendingDir = path.join(fleet.masterDir, 'pki/minions/pending');
    expect(fs.readdirSync(pendingDir).length).toBeLessThanOrEqual(6);
    expect(masterLog(fleet)).toMatch(/max_pending_keys/);
    // Expiry (pending_key_ttl: 4 s here).
    await waitFor(() => fs.readdirSync(pendingDir).length === 0, 15_000, 'pending keys to expire');
    expect((json(await onMasterAsync(fleet, ['key', 'list', '--out', 'json'])) as Record<string, string[]>).minions_pre ?? []).toEqual([]);
  } finally {
    await t.close();
  }
}, 60_000);

/** The auth request of `keys`, its header edited by `f` (the signature no longer matters: validation comes first). */
function editedAuth(f: (h: Record<string, unknown>) => void): Buffer[] {
  const frames = encode(createAuthRequest({ id: 'x1', ...createKeyPair() }));
  const h = JSON.parse(frames[0]!.toString()) as Record<string, unknown>;
  f(h);
  return [Buffer.from(JSON.stringify(h).replace('"__PROTO__"', '"__proto__"')), ...frames.slice(1)];
}

test('ids with .tmp-, 255-character ids, __proto__ fields and 4 KB paths get an error reply, never silence', async () => {
  const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort });
  try {
    await new Promise((r) => setTimeout(r, 1100));
    for (const [frames, why] of [
      [editedAuth((h) => (h.id = 'evil.tmp-1')), /id/],
      [editedAuth((h) => (h.id = 'a'.repeat(255))), /id/],
      [editedAuth((h) => (h.__PROTO__ = { admin: true })), /__proto__/],
    ] as const) {
      const rep = decode(await t.request(frames, 5000));
      expect(rep.kind).toBe('error');
      expect((rep as ErrorReply).message).toMatch(why);
      await new Promise((r) => setTimeout(r, 600));
    }
    expect(fs.readdirSync(path.join(fleet.masterDir, 'pki/minions/pending')).filter((n) => n.includes('tmp'))).toEqual([]);
    const env = session.seal({ kind: 'file.get', path: `${'d/'.repeat(2040)}x`, saltenv: 'base' });
    const rep = decodeExpecting(await client.request(encode(env), 5000), ['rep']) as ReplyEnvelope;
    expect(session.openReply(rep, env.seq).ok).toBe(false);
    expect(await pingMs()).toBeLessThan(1000);
  } finally {
    await t.close();
  }
}, 30_000);

test('a master restart keeps the previous log lines', async () => {
  const log = path.join(fleet.masterDir, 'master.log');
  const before = fs.readFileSync(log, 'utf8');
  expect(before).toMatch(/master started/);
  await client.close();
  // SIGTERM still ends the master cleanly after the floods (no SIGKILL needed: exit code 0).
  const proc = fleet.master!;
  await fleet.stopMaster();
  expect(proc.exitCode).toBe(0);
  await fleet.startMaster();
  await waitFor(() => (fs.readFileSync(log, 'utf8').match(/master started/g) ?? []).length >= 2, 10_000, 'the second start logged');
  expect(fs.readFileSync(log, 'utf8').startsWith(before)).toBe(true);
}, 30_000);
