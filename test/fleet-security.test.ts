/**
 * Hostile input against a real master: a minion speaking as another, a replayed publication, `salt://` paths that
 * try to leave the file roots, garbage frames. Each is refused, logged, and the master keeps serving.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zmq from 'zeromq';
import {
  ClientSession,
  createAuthRequest,
  createKeyPair,
  decodeExpecting,
  encode,
  MinionTransport,
  openAuthReply,
  sealRequest,
  type AuthReply,
  type ErrorReply,
  type ReplyEnvelope,
} from '@brine/protocol';
import { freePort } from '../packages/cli/src/fleet/fleet';
import { json, masterLog, minionLog, onMasterAsync, tempDir, waitFor, type Fleet } from './helpers/fleet';

let fleet: Fleet;
let dir: string;
let proxy: { xsub: zmq.XSubscriber; xpub: zmq.XPublisher; captured: Buffer[][]; port: number };
const evilKeys = { id: 'evil', ...createKeyPair() };
let evil: MinionTransport;
let evilSession: ClientSession;

/** A man in the middle on the publish channel: forwards everything, records it, and can inject frames. */
async function startProxy(masterPubPort: number): Promise<typeof proxy> {
  const port = await freePort();
  const xsub = new zmq.XSubscriber({ linger: 0 });
  const xpub = new zmq.XPublisher({ linger: 0 });
  xsub.connect(`tcp://127.0.0.1:${masterPubPort}`);
  await xpub.bind(`tcp://127.0.0.1:${port}`);
  const captured: Buffer[][] = [];
  void (async () => {
    for await (const msg of xpub) await xsub.send(msg).catch(() => undefined);
  })().catch(() => undefined);
  void (async () => {
    for await (const msg of xsub) {
      captured.push(msg as Buffer[]);
      await xpub.send(msg).catch(() => undefined);
    }
  })().catch(() => undefined);
  return { xsub, xpub, captured, port };
}

async function evilRequest(asId: string, body: Record<string, unknown> & { kind: string }, seq: number): Promise<ReplyEnvelope | ErrorReply> {
  const key = (evilSession as unknown as { key: Buffer }).key;
  const env = sealRequest(asId, key, seq, body as never);
  return decodeExpecting(await evil.request(encode(env), 5000), ['rep', 'error']) as ReplyEnvelope | ErrorReply;
}

beforeAll(async () => {
  dir = tempDir('brine-sec-');
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(tree);
  fs.writeFileSync(path.join(tree, 'ok.txt'), 'fine\n');
  fs.symlinkSync('/etc', path.join(tree, 'escape'));
  // 20 MiB: more than one message may carry, so it must travel in pieces.
  fs.writeFileSync(path.join(tree, 'big.bin'), crypto.randomBytes(20 * 1024 * 1024));
  fs.writeFileSync(path.join(tree, 'big.sls'), `big:\n  file.managed:\n    - name: ${dir}/big.copy\n    - source: salt://big.bin\n`);
  fs.writeFileSync(path.join(tree, 'steal.sls'), `steal:\n  file.managed:\n    - name: ${dir}/stolen\n    - source: salt://../../etc/shadow\n`);
  fleet = new (await import('../packages/cli/src/fleet/fleet')).Fleet({ dir, minions: ['m1'], fileRoots: [tree] });
  await fleet.configure();
  await fleet.startMaster();
  proxy = await startProxy(fleet.publishPort);
  // m1 listens to publications through the proxy.
  const cfgFile = path.join(fleet.minionDir('m1'), 'minion');
  fs.writeFileSync(cfgFile, fs.readFileSync(cfgFile, 'utf8').replace(/publish_port: \d+/, `publish_port: ${proxy.port}`));
  fleet.startMinions();
  await fleet.waitForKeys(['m1'], 'pending');
  // evil: a minion of its own, accepted too, that will try to speak as m1.
  evil = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort, id: 'evil' });
  const auth = async () => {
    const sent = createAuthRequest(evilKeys);
    const reply = decodeExpecting(await evil.request(encode(sent), 5000), ['auth.reply']) as AuthReply;
    return openAuthReply(reply, sent, evilKeys);
  };
  expect((await auth()).status).toBe('pending');
  expect((await onMasterAsync(fleet, ['key', 'accept', '--all', '-y'])).code).toBe(0);
  const ok = await auth();
  if (ok.status !== 'accepted') throw new Error('evil not accepted');
  evilSession = new ClientSession('evil', ok.sessionKey);
  await waitFor(async () => (await onMasterAsync(fleet, ['run', 'm1', 'test.ping', '--out', 'json', '-t', '2'])).code === 0, 30_000, 'm1 up');
}, 60_000);

afterAll(async () => {
  await evil?.close();
  proxy?.xsub.close();
  proxy?.xpub.close();
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an accepted minion cannot return, fetch pillar or update the mine as another id', async () => {
  const pub = (await onMasterAsync(fleet, ['run', 'm1', 'test.sleep', '2', '--async']));
  const jid = /job ID: (\d+)/.exec(pub.stdout)![1]!;
  for (const [i, body] of ([
    { kind: 'return', jid, fun: 'test.sleep', ret: 'forged', retcode: 0, success: true },
    { kind: 'pillar' },
    { kind: 'mine.update', data: { ips: ['6.6.6.6'] } },
  ] as const).entries()) {
    const rep = await evilRequest('m1', body as never, i + 1);
    expect(rep.kind).toBe('error');
    expect((rep as ErrorReply).code).toBe('reauth');
  }
  await waitFor(async () => ((await onMasterAsync(fleet, ['jobs', 'show', jid, '--out', 'json'])).stdout.includes('"m1": true')), 15_000, 'the real return');
  expect(JSON.stringify(json((await onMasterAsync(fleet, ['jobs', 'show', jid, '--out', 'json']))))).not.toContain('forged');
  // Speaking as itself works, and lands under its own id only.
  const own = evilSession.seal({ kind: 'mine.get', tgt: '*', fun: 'ips', tgtType: 'glob' });
  const rep = decodeExpecting(await evil.request(encode(own), 5000), ['rep', 'error']) as ReplyEnvelope;
  expect(evilSession.openReply(rep, own.seq)).toEqual({ ok: true, data: {} });
}, 30_000);

test('a minion the job did not target cannot add a return or keep the job open; scheduled returns need a plausible jid', async () => {
  const pub = await onMasterAsync(fleet, ['run', 'm1', 'test.sleep', '1', '--async']);
  const jid = /job ID: (\d+)/.exec(pub.stdout)![1]!;
  let seq = 100;
  const asSelf = async (body: Record<string, unknown> & { kind: string }) => {
    const env = sealRequest('evil', (evilSession as unknown as { key: Buffer }).key, ++seq, body as never);
    return evilSession.openReply(decodeExpecting(await evil.request(encode(env), 5000), ['rep']) as ReplyEnvelope, env.seq);
  };
  expect(await asSelf({ kind: 'return', jid, fun: 'test.sleep', ret: 'injected', retcode: 0, success: true })).toEqual({ ok: true, data: false });
  expect(await asSelf({ kind: 'job.running', jid })).toEqual({ ok: true, data: false });
  expect(await asSelf({ kind: 'return', jid: '99999999999999999999', fun: 'x.y', ret: 1, retcode: 0, success: true, schedule: 'fake' })).toEqual({ ok: true, data: false });
  await waitFor(async () => (await onMasterAsync(fleet, ['jobs', 'show', jid, '--out', 'json'])).stdout.includes('"m1": true'), 15_000, 'the real return');
  const shown = JSON.stringify(json(await onMasterAsync(fleet, ['jobs', 'show', jid, '--out', 'json'])));
  expect(shown).not.toContain('injected');
  expect(shown).not.toContain('evil');
  expect((await onMasterAsync(fleet, ['jobs', 'show', '99999999999999999999'])).code).not.toBe(0);
  expect(masterLog(fleet)).toMatch(/return from a minion the job did not target dropped/);
}, 30_000);

test("a catastrophic regular expression in a minion's mine.get is refused at once; the master keeps serving", async () => {
  await (async () => {
    const env = sealRequest('evil', (evilSession as unknown as { key: Buffer }).key, 200, { kind: 'grains', grains: { id: 'evil', x: 'a'.repeat(40) + '!' } } as never);
    await evil.request(encode(env), 5000);
  })();
  const t0 = Date.now();
  const env = sealRequest('evil', (evilSession as unknown as { key: Buffer }).key, 201, { kind: 'mine.get', tgt: 'x:(a+)+$', fun: 'ips', tgtType: 'grain_pcre' } as never);
  const body = evilSession.openReply(decodeExpecting(await evil.request(encode(env), 5000), ['rep']) as ReplyEnvelope, env.seq);
  expect(body.ok).toBe(false);
  expect(JSON.stringify(body)).toMatch(/regular expression refused/);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(json(await onMasterAsync(fleet, ['run', 'm1', 'test.ping', '--out', 'json', '-t', '5']))).toEqual({ m1: true });
}, 30_000);

test('a file larger than one message reaches the minion whole, and the minion stays connected', async () => {
  const r = await onMasterAsync(fleet, ['state', 'apply', 'm1', 'big', '--out', 'json', '-t', '30']);
  expect(r.code).toBe(0);
  const digest = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  expect(digest(path.join(dir, 'big.copy'))).toBe(digest(path.join(dir, 'tree', 'big.bin')));
  expect(json(await onMasterAsync(fleet, ['run', 'm1', 'test.ping', '--out', 'json', '-t', '5']))).toEqual({ m1: true });
}, 60_000);

test('a job that outlasts a short --timeout is waited for while its minion reports it running', async () => {
  const r = await onMasterAsync(fleet, ['run', 'm1', 'test.sleep', '3', '-t', '1', '--out', 'json']);
  expect(r.code).toBe(0);
  expect(json(r)).toEqual({ m1: true });
}, 30_000);

test('a replayed publication is refused by the minion and the job does not run twice', async () => {
  const log = path.join(dir, 'replay.log');
  const before = proxy.captured.length;
  const r = (await onMasterAsync(fleet, ['run', 'm1', 'cmd.run', `echo ran >> ${log}`, '--out', 'json', '-t', '5']));
  expect(r.code).toBe(0);
  expect(fs.readFileSync(log, 'utf8')).toBe('ran\n');
  const pubs = proxy.captured.slice(before).filter((frames) => frames.some((f) => f.toString('utf8', 0, 64).includes('"kind":"pub"')));
  expect(pubs.length).toBeGreaterThan(0);
  for (const frames of pubs) await proxy.xpub.send(frames);
  await waitFor(() => /publication refused.*replay|replay.*publication refused/.test(minionLog(fleet, 'm1')), 10_000, 'the minion logging the replay');
  await new Promise((res) => setTimeout(res, 500));
  expect(fs.readFileSync(log, 'utf8')).toBe('ran\n');

  // A restart empties the in-memory replay cache; the jids seen are on disk, so the replay still fails.
  await fleet.stopMinion('m1');
  fleet.startMinion('m1');
  await waitFor(async () => (await onMasterAsync(fleet, ['run', 'm1', 'test.ping', '--out', 'json', '-t', '2'])).code === 0, 30_000, 'm1 back');
  for (const frames of pubs) await proxy.xpub.send(frames);
  await waitFor(() => /seen before this minion restarted/.test(minionLog(fleet, 'm1')), 10_000, 'the restarted minion refusing the replay');
  await new Promise((res) => setTimeout(res, 500));
  expect(fs.readFileSync(log, 'utf8')).toBe('ran\n');
}, 60_000);

test('salt:// paths never leave the file roots: .., absolute, symlink escapes; a state using one fails', async () => {
  for (const p of ['../../etc/shadow', '/etc/shadow', 'escape/shadow', 'ok.txt/../../x']) {
    const env = evilSession.seal({ kind: 'file.get', path: p, saltenv: 'base' });
    const rep = decodeExpecting(await evil.request(encode(env), 5000), ['rep', 'error']) as ReplyEnvelope;
    const body = evilSession.openReply(rep, env.seq);
    expect(body.ok).toBe(false);
  }
  const list = evilSession.seal({ kind: 'file.list', saltenv: 'base' });
  const listing = evilSession.openReply(decodeExpecting(await evil.request(encode(list), 5000), ['rep']) as ReplyEnvelope, list.seq);
  expect(Object.keys((listing as { data: Record<string, string> }).data).sort()).toEqual(['big.bin', 'big.sls', 'ok.txt', 'steal.sls']);
  expect(masterLog(fleet)).toMatch(/escapes the file roots/);
  const steal = (await onMasterAsync(fleet, ['state', 'apply', 'm1', 'steal', '--out', 'json', '-t', '10']));
  expect(steal.code).toBe(2);
  expect(JSON.stringify(json(steal))).toMatch(/escapes the file roots|not found/);
  expect(fs.existsSync(path.join(dir, 'stolen'))).toBe(false);
}, 30_000);

test('garbage, oversized and unauthenticated frames are dropped and logged; the master keeps serving', async () => {
  const raw = new zmq.Dealer({ linger: 0, sendTimeout: 2000 });
  raw.connect(`tcp://127.0.0.1:${fleet.requestPort}`);
  const junk: Buffer[][] = [
    [Buffer.from('corr'), Buffer.from('not json at all')],
    [Buffer.from('corr'), Buffer.from('{"v":1,"kind":"nope"}')],
    [Buffer.from('corr'), Buffer.from('{"v":1,"kind":"req","id":"m1","seq":1,"ts":1,"body":{"$f":1}}'), Buffer.from('garbage-sealed-body')],
    [Buffer.from('corr'), Buffer.alloc(17 * 1024 * 1024, 1)],
    [Buffer.from([0xff, 0xfe, 0x00])],
    [],
  ];
  for (const frames of junk) if (frames.length) await raw.send(frames).catch(() => undefined);
  raw.close();
  // An unaccepted identity asking for pillar gets nothing but a request to authenticate.
  const stranger = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort, id: 'stranger' });
  const sealed = sealRequest('stranger', Buffer.alloc(32, 7), 1, { kind: 'pillar' });
  const rep = decodeExpecting(await stranger.request(encode(sealed), 5000), ['rep', 'error']);
  expect(rep.kind).toBe('error');
  await stranger.close();
  await waitFor(() => /dropped|invalid|refused/i.test(masterLog(fleet)), 5000, 'master logging the junk');
  expect(fleet.master!.exitCode).toBeNull();
  const ping = (await onMasterAsync(fleet, ['run', 'm1', 'test.ping', '--out', 'json', '-t', '5']));
  expect(json(ping)).toEqual({ m1: true });
}, 30_000);
