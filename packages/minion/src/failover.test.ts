/**
 * Failover between masters (`master:` a list), over real ZeroMQ sockets, against small in-process masters built from
 * the protocol's parts (auth, sessions, sealed replies). The real master and minion processes: test/minion-failover.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger } from '@brine/core';
import { loadMinionOpts } from '@brine/engine';
import {
  buildAuthReply,
  createKeyPair,
  decodeExpecting,
  encode,
  MasterTransport,
  PINNED_MASTER_FILE,
  PublicationKeys,
  SessionError,
  SessionTable,
  verifyAuthRequest,
  type ErrorReply,
  type KeyPair,
} from '@brine/protocol';
import { Connection } from './connection';
import { Minion } from './daemon';
import { masterLabel, MasterList } from './masters';

/** Accepts every minion; answers every sealed request `ok` and records its body. */
class FakeMaster {
  readonly bodies: Record<string, unknown>[] = [];
  private readonly sessions = new SessionTable();
  private readonly pubKeys = new PublicationKeys();
  private constructor(readonly transport: MasterTransport, readonly identity: KeyPair) {}

  static async start(identity: KeyPair): Promise<FakeMaster> {
    const t = await MasterTransport.bind({ interface: '127.0.0.1', publishPort: 0, requestPort: 0, linger: 0 });
    const m = new FakeMaster(t, identity);
    t.onRequest(async (_peer, frames) => m.answer(frames));
    return m;
  }

  get label(): string {
    return `127.0.0.1:${this.transport.requestPort}`;
  }

  private answer(frames: Buffer[]): Buffer[] {
    const msg = decodeExpecting(frames, ['auth', 'req']);
    if (msg.kind === 'auth') {
      const v = verifyAuthRequest(msg);
      const cur = this.pubKeys.current;
      return encode(buildAuthReply(this.identity, v, 'accepted', { sessionKey: this.sessions.create(v.id), pubKey: cur.key, pubKeyEpoch: cur.epoch, publishPort: this.transport.publishPort }));
    }
    try {
      const req = this.sessions.open(msg);
      this.bodies.push(req.body as Record<string, unknown>);
      const kind = req.body.kind;
      const data = kind === 'ping' ? { epoch: this.pubKeys.current.epoch, subscribed: true } : kind === 'pillar' ? {} : true;
      return encode(this.sessions.sealReply(req, { ok: true, data }));
    } catch (e) {
      if (e instanceof SessionError) return encode({ kind: 'error', code: 'reauth', message: e.message, seq: msg.seq } satisfies ErrorReply);
      throw e;
    }
  }

  kinds(): string[] {
    return this.bodies.map((b) => String(b['kind']));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const identity = createKeyPair();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function master(key = identity): Promise<FakeMaster> {
  const m = await FakeMaster.start(key);
  cleanups.push(() => m.close());
  return m;
}

function minionDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-failover-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Minion options for `masters` (`host:port` each); publish_port unset, so it follows each master's auth reply. */
function options(dir: string, masters: string[]) {
  return loadMinionOpts(dir, {
    id: 'web1',
    master: masters,
    publish_port: null,
    master_alive_interval: 1,
    pki_dir: 'pki',
    cachedir: 'cache',
    log_file: 'minion.log',
    acceptance_wait_time: 0.1,
    acceptance_wait_time_max: 0.5,
    random_reauth_delay: 0.2,
    ping_interval: 1,
    services_dir: path.join(dir, 'services.d'),
    providers: { service: 'supervisor', run_dir: path.join(dir, 'run') },
  });
}

describe('MasterList', () => {
  const ms = [{ host: 'a', port: 1 }, { host: 'b', port: 2 }, { host: 'fd00::1', port: 3 }];
  it('keeps the configured order and wraps round', () => {
    const l = new MasterList(ms, false);
    expect(l.all.map(masterLabel)).toEqual(['a:1', 'b:2', '[fd00::1]:3']);
    expect([l.advance(), l.advance(), l.advance()].map(masterLabel)).toEqual(['b:2', '[fd00::1]:3', 'a:1']);
  });
  it('shuffles once at start when asked', () => {
    const draws = [0, 0];
    const l = new MasterList(ms, true, () => draws.shift() ?? 0);
    expect(l.all.map((m) => m.host)).toEqual(['b', 'fd00::1', 'a']);
    expect(new Set(l.all.map((m) => m.host))).toEqual(new Set(['a', 'b', 'fd00::1']));
  });
});

describe('Connection with several masters', () => {
  it('fails over when its master dies, subscribes on the port the new one gave, and re-authenticates there', async () => {
    const a = await master();
    const b = await master();
    const log = new MemoryLogger();
    const conn = new Connection(options(minionDir(), [a.label, b.label]), log);
    cleanups.push(() => conn.close());
    await conn.request({ kind: 'ping', epoch: undefined }, 5000);
    expect(conn.currentMaster).toBe(a.label);
    await a.close();
    const t0 = Date.now();
    await waitFor(() => conn.currentMaster === b.label, 5000, 'failover to b');
    expect(Date.now() - t0).toBeLessThan(3000); // master_alive_interval 1 s
    await conn.request({ kind: 'ping', epoch: undefined }, 5000);
    expect(b.kinds()).toContain('ping');
    expect(conn.transport.publishEndpoint).toBe(`tcp://127.0.0.1:${b.transport.publishPort}`);
    const warn = log.lines.find((l) => l.level === 'warn' && l.msg.includes('failing over'));
    expect(warn?.msg).toMatch(new RegExp(`^master ${a.label} not answering for \\d+s: failing over to ${b.label}$`));
  });

  it('moves on from a master it cannot reach at start', async () => {
    const dead = await master();
    const deadLabel = dead.label;
    await dead.close();
    const b = await master();
    const conn = new Connection(options(minionDir(), [deadLabel, b.label]), new MemoryLogger());
    cleanups.push(() => conn.close());
    await conn.request({ kind: 'ping', epoch: undefined }, 8000);
    expect(conn.currentMaster).toBe(b.label);
  });

  it('refuses a master whose key is not the pinned one, logs the mismatch and is served by the next', async () => {
    const bad = await master(createKeyPair());
    const good = await master();
    const dir = minionDir();
    fs.mkdirSync(path.join(dir, 'pki'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pki', PINNED_MASTER_FILE), identity.publicPem);
    const log = new MemoryLogger();
    const conn = new Connection(options(dir, [bad.label, good.label]), log);
    cleanups.push(() => conn.close());
    await conn.request({ kind: 'ping', epoch: undefined }, 8000);
    expect(conn.currentMaster).toBe(good.label);
    expect(log.lines.some((l) => l.level === 'error' && /MASTER KEY CHANGED: refusing this master\. .*not the trusted master/.test(l.msg) && l.meta?.['master'] === bad.label)).toBe(true);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg === `master ${bad.label} refused: its key is not the pinned master key: failing over to ${good.label}`)).toBe(true);
    // The pin did not move.
    expect(fs.readFileSync(path.join(dir, 'pki', PINNED_MASTER_FILE), 'utf8').trim()).toBe(identity.publicPem.trim());
  });
});

describe('Minion daemon with several masters', () => {
  it('a return cut off by the dead master is kept and delivered through the new master', async () => {
    const a = await master();
    const b = await master();
    const log = new MemoryLogger();
    const m = Minion.start(options(minionDir(), [a.label, b.label]), log);
    cleanups.push(() => m.stop());
    await waitFor(() => a.kinds().includes('grains'), 10_000, 'the minion reporting to a');
    await a.close();
    const jid = '20250101120000123456';
    // Sent while a is gone: it waits, the failover cuts it, it is kept, then flushed after authenticating with b.
    await m.sendReturn({ kind: 'return', jid, fun: 'test.ping', ret: true, retcode: 0, success: true, outcome: 'ok' });
    await waitFor(() => b.bodies.some((x) => x['kind'] === 'return' && x['jid'] === jid), 10_000, 'the return at b');
    expect(log.lines.some((l) => l.msg === 'delayed return delivered' && l.meta?.['jid'] === jid)).toBe(true);
    expect(fs.readFileSync(path.join(m.opts.cachedir, 'returns.json'), 'utf8')).toBe('[]');
  });
});
