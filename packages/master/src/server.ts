/**
 * The master daemon: authenticates minions against the key store, publishes encrypted and signed jobs, serves
 * files, pillar and the mine to authenticated minions only, and gathers returns into the job cache.
 */
import * as fs from 'fs';
import * as path from 'path';
import { errorMessage, expandNodegroups, fileRootsOptions, isTransientWriteError, LocalStorageError, matchTarget, PathEscapeError, UsageError, type Dict, type Logger, type TargetType } from '@brine/core';
import { toWireData } from '@brine/render';
import {
  AUTH_FRESHNESS_MS,
  buildAcceptNotices,
  buildAuthReply,
  buildRekey,
  decodeExpecting,
  encode,
  fingerprint,
  FILE_CHUNK_BYTES,
  framesSize,
  loadOrCreateKeyPair,
  MasterTransport,
  minionTopic,
  PublicationKeys,
  ReplayCache,
  sealPublication,
  SessionError,
  SessionTable,
  verifyAuthRequest,
  type AuthRequest,
  type ErrorReply,
  type KeyPairFiles,
  type OpenedRequest,
  type ReplyBody,
  type RequestEnvelope,
} from '@brine/protocol';
import type { MasterOpts } from '@brine/config';
import { AuthLimiter } from './auth-limit';
import { AuthPace } from './auth-pace';
import { ThrottledWarning } from './throttled-warning';
import { EventBus } from './events/bus';
import type { ControlServer } from '@brine/protocol';
import { startControl } from './control';
import { KeyEvents } from './events/key-events';
import { Presence } from './events/presence';
import { minionEventData, minionTagRefusal, TAGS } from './events/tags';
import { FileRecv, RequestRefused } from './file-recv';
import { RunningJobs } from './running';
import { FileServer } from './fileserver';
import { masterStateOpts } from './state-opts';
import { JobCache, newJid, type JobRecord, type ReturnRecord } from './jobcache';
import { JobWatch, type WatchSink } from './jobs';
import { KeyStore, type AuthDecision } from './keys';
import { MineStore, type MineAcl } from './mine';
import { PillarCompiler } from './pillar';
import { GrainPins } from './pinned-grains';
import { QuotaExceeded, QuotaRefusals } from './quota';
import { Registry } from './registry';
import { MasterMetrics } from './metrics';
import { Reactor } from './reactor/reactor';
import { callRunner } from './runners/index';
import { ClusterLink, type ClusterHost } from './cluster/link';
import { loadClusterKey } from './cluster/identity';
import { treeHash } from './cluster/tree-hash';
import { samePem } from './store/key-rules';
import { StoreUnavailable } from './store/pg/connect';
import { livenessWindowMs, pingHintS } from './ping-pace';

/** A mine.update's `acl` (function name -> {tgt, tgtType}), validated by the schema. */
function mineAcls(acl: Record<string, { tgt: string | string[]; tgtType: string }> | undefined): Record<string, MineAcl> {
  const out: Record<string, MineAcl> = {};
  for (const [name, a] of Object.entries(acl ?? {})) out[name] = { tgt: a.tgt, tgtType: a.tgtType as TargetType };
  return out;
}

/** A request kind added to the protocol without a case in `dispatch` is a compile error here. */
function unhandledRequest(b: never): never {
  throw new Error(`request kind '${String((b as { kind?: unknown }).kind)}' has no handler`);
}

/** Salt's `arg` in job events: the positional arguments, then the keyword arguments marked `__kwarg__`. */
function saltArgs(arg: unknown[], kwarg: Dict): unknown[] {
  return Object.keys(kwarg).length ? [...arg, { ...kwarg, __kwarg__: true }] : arg;
}

/** reconcileKeys does a full pass at least this often (ms), even when no key changed. */
const RECONCILE_FULL_MS = 30_000;

export class Master implements ClusterHost {
  readonly keys: KeyStore;
  readonly jobs: JobCache;
  readonly registry: Registry;
  readonly mine: MineStore;
  /** Salt-tagged events: jobs, returns, auth, keys, minion start/stop (see events/bus.ts). */
  readonly events: EventBus;
  /** The `reactor:` map at work on the bus (reactor/reactor.ts). */
  reactor: Reactor | undefined;
  /** Writes refused because a minion was over its quota, counted per minion and kind. */
  readonly quotaRefusals: QuotaRefusals;
  /** Counts and timings for /metrics (metrics/; served when metrics_port is set). Read only when scraped. */
  readonly metrics = new MasterMetrics(this);
  private readonly sessions = new SessionTable();
  /** Sessions begun so far, and what reconcileKeys last did a full pass for. */
  private sessionsBegun = 0;
  private reconciled: { version: number | undefined; sessions: number; at: number } = { version: undefined, sessions: -1, at: 0 };
  private readonly pubKeys = new PublicationKeys();
  private readonly authNonces = new ReplayCache(100_000, AUTH_FRESHNESS_MS);
  readonly files: FileServer;
  /** Jobs minions report running (`job.running` heartbeats), for jobs.active. */
  readonly running = new RunningJobs();
  private readonly keyEvents: KeyEvents;
  private readonly fileRecv: FileRecv;
  private readonly pillar: PillarCompiler;
  private readonly watches = new Map<string, Set<JobWatch>>();
  private readonly identity: KeyPairFiles;
  private transport!: MasterTransport;
  private control!: ControlServer;
  private timers: NodeJS.Timeout[] = [];
  /** Public key per minion with a live session (the rekey recipients). */
  private readonly sessionPubs = new Map<string, string>();
  private readonly authLimit: AuthLimiter;
  private readonly authPace: AuthPace;
  /** Slots for auth requests refused by the overall check budget, and for pending minions refused a signed answer. */
  private readonly checkPace: AuthPace;
  private readonly pendingPace: AuthPace;
  /** Busy answers are logged at most every 10 s, with their count (a crowd gets thousands). */
  private readonly busyLog: ThrottledWarning;
  /** Keys accepted by `brine key` whose minions are told at the next notice flush (bounded by the key store). */
  private readonly toNotify = new Set<string>();
  private noticeTimer: NodeJS.Timeout | undefined;
  /** Set when this master is one of a cluster (`cluster:`): the shared PostgreSQL store and the channel. */
  cluster: ClusterLink | undefined;

  private constructor(readonly opts: MasterOpts, readonly log: Logger) {
    // A cluster signs with one key every master holds (minions pin one fingerprint); a lone master with its own.
    this.identity = opts.cluster ? loadClusterKey(opts.cluster.pki_dir) : loadOrCreateKeyPair(opts.pki_dir, 'master');
    this.keys = new KeyStore(path.join(opts.pki_dir, 'minions'), { autoAccept: opts.auto_accept, autosignFile: opts.autosign_file || undefined, maxPending: opts.max_pending_keys });
    this.authLimit = new AuthLimiter({ perSecond: opts.auth_rate, perPeerPerSecond: opts.auth_rate_per_peer });
    // Slots at 80% of the accepted-auth budget: a crowd coming back is answered, not told `busy`.
    this.authPace = new AuthPace(this.authLimit.acceptedPerSecond * 0.8);
    this.checkPace = new AuthPace(this.authLimit.checksPerSecond * 0.8);
    this.pendingPace = new AuthPace(this.authLimit.signsPerSecond * 0.8);
    this.busyLog = new ThrottledWarning(log, 10_000);
    const refusals = (this.quotaRefusals = new QuotaRefusals(log.child({ part: 'quota' })));
    this.jobs = new JobCache(opts.cachedir, opts.keep_jobs, { bytes: opts.minion_quota_job_cache_bytes, refusals });
    const pins = new GrainPins(opts.minion_grains, path.join(opts.config_dir, 'minion_grains'), opts.minion_grains_only, log.child({ part: 'grains' }));
    this.registry = new Registry(path.join(opts.cachedir, 'minions'), pins, { bytes: opts.minion_quota_grains_bytes, refusals });
    this.mine = new MineStore(path.join(opts.cachedir, 'mine'), { bytes: opts.minion_quota_mine_bytes, refusals });
    this.files = new FileServer(opts.file_roots, fileRootsOptions(opts));
    this.events = new EventBus(log.child({ part: 'events' }));
    this.keyEvents = new KeyEvents(this.events);
    this.fileRecv = new FileRecv(opts, log.child({ part: 'file_recv' }));
    this.pillar = new PillarCompiler(opts.pillar_roots, opts, log.child({ part: 'pillar' }));
  }

  static async start(opts: MasterOpts, log: Logger): Promise<Master> {
    const m = new Master(opts, log);
    // What takes a while at 10,000 minions (reading every key into the index, the job cache, the pending keys) is done
    // before the ports open: a restarted master meets its whole fleet reconnecting within a second or two, and an
    // event loop busy meanwhile lets the listen queue overflow (each dropped SYN is retried only after 1, 3, 7... s).
    m.keys.list();
    m.jobs.replayLegacyLog(); // an earlier Brine's write-ahead log, if one was left: its returns into their jobs
    m.jobs.prune();
    if (!opts.cluster) m.expirePending(); // a cluster's pending keys are PostgreSQL's: expired once the link is up
    m.transport = await MasterTransport.bind({
      interface: opts.interface,
      ipv6: opts.ipv6,
      publishPort: opts.publish_port,
      requestPort: opts.ret_port,
      maxMessageBytes: opts.max_message_size,
      maxConnections: opts.max_connections,
      backlog: opts.zmq_backlog,
      linger: 0,
      logger: log.child({ part: 'transport' }),
    });
    if (opts.cluster) {
      try {
        m.cluster = await ClusterLink.open(m, opts, m.fingerprint, () => treeHash(m.files, Object.keys(opts.file_roots)), m.quotaRefusals, log.child({ part: 'cluster' }));
      } catch (e) {
        await m.transport.close();
        throw e;
      }
    }
    m.transport.onRequest((peer, frames) => m.onRequest(peer, frames));
    m.keys.watch((ids) => m.acceptedElsewhere(ids));
    m.control = await startControl(m, opts.sock_dir, log.child({ part: 'control' }));
    m.reactor = new Reactor(m, opts.reactor, callRunner, log.child({ part: 'reactor' })).start();
    await m.metrics.serve(opts);
    if (opts.cluster) m.expirePending();
    // The key store as it is at start: the baseline salt/key events compare with (a key accepted before the first
    // periodic check must still fire its event).
    m.keyEvents.check(m.keys.list());
    m.timers.push(setInterval(() => m.reconcileKeys(false), 2000), setInterval(() => m.jobs.prune(), 3600_000), setInterval(() => m.expirePending(), Math.max(1000, Math.min(60_000, (opts.pending_key_ttl * 3600_000) / 4))));
    if (opts['presence_events'] === true) {
      const presence = new Presence(m.events, Math.max(1, Number(opts['loop_interval'] ?? 60)) * 1000);
      m.timers.push(setInterval(() => presence.check(m.keys.list().accepted.filter((id) => m.connected(id))), 2000));
    }
    for (const t of m.timers) t.unref();
    log.info('master started', { publish: m.transport.publishEndpoint, request: m.transport.requestEndpoint, fingerprint: m.fingerprint });
    return m;
  }

  get fingerprint(): string {
    return fingerprint(this.identity.publicPem);
  }

  get ports(): { publish: number; request: number } {
    return { publish: this.transport.publishPort, request: this.transport.requestPort };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.noticeTimer);
    this.reactor?.stop();
    this.keys.unwatch();
    await this.cluster?.close();
    this.jobs.flush();
    for (const set of this.watches.values()) for (const w of set) w.finish();
    await this.control.close();
    await this.metrics.close();
    await this.transport.close();
    this.log.info('master stopped');
  }

  // ------------------------------------------------------------------ minion requests

  private async onRequest(peer: Buffer, frames: Buffer[]): Promise<Buffer[] | null> {
    try {
      const msg = decodeExpecting(frames, ['auth', 'req'], { maxBytes: this.opts.max_message_size });
      return msg.kind === 'auth' ? await this.metrics.auth(() => this.onAuth(msg, peer)) : await this.onSealed(msg);
    } catch (e) {
      // Every request gets an answer, even a malformed one (the sender learns why instead of timing out).
      this.log.warn('request refused', { peer: peer.toString('hex'), error: errorMessage(e).slice(0, 300) });
      return encode({ kind: 'error', code: 'protocol', message: errorMessage(e).slice(0, 900) } satisfies ErrorReply);
    }
  }

  /** When an accepted minion should authenticate (ms from now): the next free slot, see auth-pace.ts. */
  private authSlot(): number {
    return this.authPace.slot(this.keys.count('accepted') - this.sessions.size);
  }

  private busy(message: string): Buffer[] {
    return encode({ kind: 'error', code: 'busy', message } satisfies ErrorReply);
  }

  /** `busy` with the slot to come back in (ms from now; unsigned, so only a hint the minion caps). */
  private busyUntil(retryMs: number): Buffer[] {
    return encode({ kind: 'error', code: 'busy', message: 'too many authentication attempts: try again later', retryMs } satisfies ErrorReply);
  }

  /**
   * What an auth request gets. Alone, the key store answers from memory. In a cluster the mirror answers what it can
   * (an accepted key offered again, a pending one retrying, a rejected one) and PostgreSQL decides the rest.
   */
  private async decide(id: string, pem: string): Promise<AuthDecision> {
    if (!this.cluster) return this.keys.decide(id, pem);
    const acc = this.keys.read('accepted', id);
    const pend = this.keys.read('pending', id);
    const local = acc !== null ? samePem(acc, pem) : this.keys.read('rejected', id) !== null || (pend !== null && samePem(pend, pem));
    if (local) return this.keys.decide(id, pem);
    return this.cluster.decide(id, pem);
  }

  private async onAuth(msg: AuthRequest, peer: Buffer): Promise<Buffer[]> {
    const over = this.authLimit.admit(peer.toString('hex'));
    if (over) {
      this.busyLog.note(over === 'peer' ? 'one connection over its auth rate' : 'auth requests over auth_rate', { peer: peer.toString('hex'), minion: msg.id });
      this.metrics.refused('rate_limit');
      // A crowd (many minions starting at once) is told when to come back, at the rate requests are checked; a
      // connection over its own rate just backs off.
      if (over === 'overall') return this.busyUntil(this.checkPace.slot());
      return this.busy('too many authentication attempts: try again later');
    }
    // The key is parsed once here (and cached by its text); the key store answers from memory (keys.ts).
    const v = verifyAuthRequest(msg, { replay: this.authNonces });
    let decision: AuthDecision;
    try {
      decision = await this.decide(v.id, v.pub);
    } catch (e) {
      if (!(e instanceof StoreUnavailable)) throw e;
      this.metrics.refused('store_unavailable');
      return this.busy('the cluster store is unreachable: new keys cannot be recorded now, try again later');
    }
    if (decision.full) {
      this.log.warn('auth: pending keys at max_pending_keys; new key not recorded', { minion: v.id, max: this.opts.max_pending_keys });
      this.metrics.refused('pending_full');
      return this.busy('the master holds too many pending keys: try again later');
    }
    // Accepted minions share their own budget; answers to the rest are limited, and their RSA signatures more so.
    if (decision.state === 'accepted' ? !this.authLimit.acceptedAuth() : !this.authLimit.otherAuth() || !this.authLimit.sign()) {
      this.metrics.refused('rate_limit');
      // An accepted minion gets a slot to come back in (auth-pace.ts), at the rate accepted auths are answered.
      if (decision.state === 'accepted') return this.busyUntil(this.authSlot());
      // A pending key is recorded: its minion comes back at the rate pending answers are signed (the accept notice
      // brings it forward when the key is accepted, see accept-notice.ts).
      if (decision.state === 'pending') return this.busyUntil(this.pendingPace.slot(this.keys.count('pending')));
      return this.busy('too many authentication attempts: try again later');
    }
    if (decision.damaged) this.log.error(`auth: the accepted key file ${decision.damaged} is damaged (not a public key): the minion waits as pending (brine key delete ${v.id}, then accept it again)`, { minion: v.id });
    if (decision.state !== 'accepted') {
      const level = decision.state === 'pending' ? 'info' : 'warn';
      const meta = { minion: v.id, fingerprint: v.fingerprint, conflict: decision.conflict, peer: peer.toString('hex') };
      if (level === 'warn') this.log.warn(`auth: key ${decision.state}`, meta);
      else if (decision.created) this.log.info(`auth: key ${decision.state}`, meta);
      else this.log.debug(`auth: key ${decision.state}`, meta);
      this.events.fire(TAGS.auth, { result: decision.state === 'pending', act: decision.state === 'pending' ? 'pend' : decision.state === 'rejected' ? 'reject' : 'denied', id: v.id, fingerprint: v.fingerprint });
      this.metrics.refused(decision.state);
      return encode(buildAuthReply(this.identity, v, decision.state, { publishPort: this.transport.publishPort }));
    }
    const sessionKey = this.sessions.create(v.id);
    this.sessionsBegun++;
    this.sessionPubs.set(v.id, v.pub);
    this.registry.seen(v.id);
    this.log.info('auth: accepted', { minion: v.id });
    this.metrics.accepted();
    this.cluster?.touch();
    this.events.fire(TAGS.auth, { result: true, act: 'accept', id: v.id, fingerprint: v.fingerprint });
    const cur = this.pubKeys.current;
    return encode(buildAuthReply(this.identity, v, 'accepted', { sessionKey, pubKey: cur.key, pubKeyEpoch: cur.epoch, publishPort: this.transport.publishPort }));
  }

  private async onSealed(env: RequestEnvelope): Promise<Buffer[]> {
    let req: OpenedRequest;
    try {
      req = this.sessions.open(env);
    } catch (e) {
      if (e instanceof SessionError && (e.reason === 'no-session' || e.reason === 'bad-seal')) {
        this.log.debug('request without a valid session: asked to re-authenticate', { minion: env.id, reason: e.reason });
        // With a slot (auth-pace.ts): after a restart the whole fleet asks at once, and is answered one by one.
        return encode({ kind: 'error', code: 'reauth', message: 'authenticate again', seq: env.seq, retryMs: this.authSlot() } satisfies ErrorReply);
      }
      this.log.warn('request refused', { minion: env.id, reason: errorMessage(e) });
      return encode({ kind: 'error', code: 'protocol', message: errorMessage(e), seq: env.seq } satisfies ErrorReply);
    }
    this.registry.seen(req.id);
    let reply: ReplyBody;
    try {
      reply = { ok: true, data: await this.metrics.request(req.body.kind, () => this.dispatch(req)) };
    } catch (e) {
      // Over quota: counted and logged (rate-limited) where refused; the minion drops the write.
      if (e instanceof QuotaExceeded) return encode(this.sessions.sealReply(req, { ok: false, error: e.message, code: 'refused' }));
      const refused = e instanceof PathEscapeError || e instanceof RequestRefused;
      // A write the master could not make now (its disk is full): the minion keeps the request and sends it again.
      const retry = e instanceof LocalStorageError && isTransientWriteError(e.cause);
      this.log[refused ? 'warn' : retry ? 'error' : 'info'](retry ? 'request not stored (the minion will send it again)' : 'request failed', { minion: req.id, kind: req.body.kind, error: errorMessage(e) });
      // Bounded: the reply schema caps the text (a 4 KB path in an error must not make the reply unsendable).
      reply = { ok: false, error: errorMessage(e).slice(0, 2000), code: refused ? 'refused' : retry ? 'retry' : 'error' };
    }
    const frames = encode(this.sessions.sealReply(req, reply));
    // A reply the minion would refuse makes libzmq drop its connection: answer with an error instead.
    if (framesSize(frames) > this.opts.max_message_size) {
      this.log.warn('reply too large for the message limit; sent an error instead', { minion: req.id, kind: req.body.kind, limit: this.opts.max_message_size });
      return encode(this.sessions.sealReply(req, { ok: false, error: `reply larger than max_message_size (${this.opts.max_message_size} bytes)`, code: 'error' }));
    }
    return frames;
  }

  private async dispatch(req: OpenedRequest): Promise<unknown> {
    const id = req.id;
    const b = req.body;
    switch (b.kind) {
      case 'ping': {
        // `subscribed`: whether this minion's SUB is connected here (it resets that socket when it is not).
        // `pingS`: how often to ping, so that all of this master's minions stay within max_ping_rate (ping-pace.ts).
        const pingS = pingHintS(this.sessions.size, this.opts.max_ping_rate);
        return { epoch: this.pubKeys.current.epoch, subscribed: this.transport.isSubscribed(id), ...(pingS !== undefined ? { pingS } : {}) };
      }
      case 'grains':
        this.registry.setGrains(id, b.grains);
        this.cluster?.shareGrains(id, b.grains);
        return true;
      case 'return': {
        let job = this.jobs.job(b.jid);
        let scheduled: JobRecord | undefined;
        if (!job && b.schedule) {
          if (!this.plausibleMinionJid(b.jid)) {
            this.log.warn('scheduled return with an implausible jid dropped', { minion: id, jid: b.jid });
            return false;
          }
          // A minion's own scheduled run: recorded under the minion's jid, with the return (both within its quota).
          job = scheduled = { jid: b.jid, fun: b.fun, arg: [], kwarg: {}, tgt: id, tgt_type: 'list', expected: [id], user: `schedule:${b.schedule}`, started: new Date().toISOString() };
        }
        if (!job) {
          this.log.warn('return for an unknown job dropped', { minion: id, jid: b.jid });
          return false;
        }
        if (b.schedule && job.user !== `schedule:${b.schedule}`) {
          // Same jid as another job (the minion's clock and the master's met): never file it under that job.
          this.log.warn('scheduled return whose jid belongs to another job dropped', { minion: id, jid: b.jid });
          return false;
        }
        if (!this.targetedBy(job, id)) {
          this.log.warn('return from a minion the job did not target dropped', { minion: id, jid: b.jid });
          return false;
        }
        const rec = { id, jid: b.jid, fun: b.fun, ret: b.ret, outcome: b.outcome ?? (b.success ? 'ok' : 'error'), retcode: b.retcode, success: b.success, out: b.out, received: new Date().toISOString() };
        // Stored before the minion is answered: in a crowd, with the other returns of this turn (return-file.ts).
        await this.jobs.recordReturn(rec, scheduled);
        // Shared with the cluster before the minion is answered (spooled on disk while PostgreSQL is away).
        await this.cluster?.recordReturn(rec, scheduled);
        this.metrics.jobReturn(rec.outcome);
        this.running.returned(b.jid, id);
        for (const w of this.watches.get(b.jid) ?? []) w.onReturn(rec);
        this.events.fire(TAGS.jobRet(b.jid, id), { cmd: '_return', id, jid: b.jid, fun: b.fun, fun_args: saltArgs(job.arg, job.kwarg), return: b.ret, retcode: b.retcode, success: b.success, ...(b.out ? { out: b.out } : {}) });
        return true;
      }
      case 'job.running': {
        const watches = this.watches.get(b.jid);
        if (!watches) {
          // No one waits on it (an async job): noted for jobs.active if the minion was targeted (checked once).
          if (this.running.has(b.jid, id)) {
            this.running.beat(b.jid, id, b.pid ?? null);
            return true;
          }
          const job = this.jobs.job(b.jid);
          if (!job || !this.targetedBy(job, id)) return false;
          this.running.beat(b.jid, id, b.pid ?? null);
          return true;
        }
        // The watch knows who was expected: the job record is read from disk only for anyone else.
        const expected = [...watches].some((w) => w.expects(id));
        const job = expected ? undefined : this.jobs.job(b.jid);
        if (!expected && (!job || !this.targetedBy(job, id))) {
          this.log.warn('job.running from a minion the job did not target ignored', { minion: id, jid: b.jid });
          return false;
        }
        this.running.beat(b.jid, id, b.pid ?? null);
        for (const w of watches) w.onRunning(id);
        return true;
      }
      case 'file.envs':
        return { envs: this.files.envs(), opts: masterStateOpts(this.opts as unknown as Dict) };
      case 'file.list':
        return this.files.list(b.saltenv);
      case 'file.get': {
        // Pieces stay well under the message limit after base64 (4/3), even with a small max_message_size.
        const got = this.files.get(b.saltenv, b.path, b.offset ?? 0, Math.min(b.length ?? FILE_CHUNK_BYTES, Math.floor(this.opts.max_message_size / 2)));
        if (got === null) throw new Error(`salt://${b.path}: no such file in saltenv ${b.saltenv}`);
        return { data: got.data.toString('base64'), size: got.size, offset: b.offset ?? 0 };
      }
      case 'pillar': {
        // The pillar sees the master's view of the minion's grains: pinned grains override its claims.
        const p = this.pillar.compile(id, this.registry.grains(id), b.pillarenv);
        if (!b.transient) this.registry.info(id).pillar = p;
        // Dicts with non-str keys or an order JSON objects do not keep travel in their wire form (wire-data.ts).
        return toWireData(p);
      }
      case 'mine.update':
        this.mine.update(id, b.data, mineAcls(b.acl));
        await this.cluster?.mineUpdate(id, b.data, mineAcls(b.acl)).catch((e: unknown) => {
          if (!(e instanceof StoreUnavailable)) throw e; // the local copy serves meanwhile; the minion updates again
        });
        return true;
      case 'mine.get': {
        const accepted = new Set(this.keys.list().accepted);
        // In a cluster the mine is PostgreSQL's (minions of every master); this master's copy if it is away.
        if (this.cluster?.online) {
          try {
            return await this.cluster.mineGet(b.tgt, b.fun, b.tgtType, this.registry, accepted, this.opts.nodegroups, id);
          } catch (e) {
            if (!(e instanceof StoreUnavailable)) throw e;
          }
        }
        return this.mine.get(b.tgt, b.fun, b.tgtType, this.registry, accepted, this.opts.nodegroups, id);
      }
      case 'event': {
        const refused = minionTagRefusal(id, b.tag);
        if (refused) throw new RequestRefused(refused);
        this.events.fire(b.tag, minionEventData(id, b.tag, b.data));
        return true;
      }
      case 'file.push':
        return this.fileRecv.receive(id, b.path, b.data, b.offset, b.size);
      default:
        return unhandledRequest(b);
    }
  }

  /**
   * May `id` answer `job`? It was expected, or it matches the target by the grains and pillar the master holds for
   * it (grains can change between publish and return). A minion the job did not target cannot add to it.
   */
  private targetedBy(job: JobRecord, id: string): boolean {
    if (this.jobs.expects(job, id)) return true;
    try {
      return matchTarget({ tgt: job.tgt, type: job.tgt_type as TargetType }, this.registry.subject(id), { nodegroups: this.opts.nodegroups });
    } catch {
      return false;
    }
  }

  /** A scheduled run's jid is the minion's clock at the run: it must lie within the job cache's keep time and now. */
  private plausibleMinionJid(jid: string): boolean {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(jid);
    if (!m) return false;
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    const now = Date.now();
    return t >= now - this.opts.keep_jobs * 3600_000 && t <= now + 300_000;
  }

  // ------------------------------------------------------------------ keys

  /** Forget pending keys older than `pending_key_ttl` hours (a stranger's flood does not stay forever). */
  expirePending(): void {
    const done = (gone: string[]) => {
      if (gone.length) this.log.info('pending keys expired', { count: gone.length, ids: gone.slice(0, 20) });
    };
    const failed = (e: unknown) => this.log.warn('pending key expiry failed', { error: errorMessage(e) });
    if (this.cluster) {
      // The cluster's pending keys are PostgreSQL's: expired there, then mirrored here.
      this.cluster.expirePending(this.opts.pending_key_ttl * 3600_000).then(done, failed);
      return;
    }
    try {
      done(this.keys.expirePending(this.opts.pending_key_ttl * 3600_000));
    } catch (e) {
      failed(e);
    }
  }

  acceptedInCluster(ids: string[]): void {
    this.acceptedElsewhere(ids);
  }

  /** Keys that became accepted outside this process: gather them for a moment, then tell their minions. */
  private acceptedElsewhere(ids: string[]): void {
    for (const id of ids) this.toNotify.add(id);
    this.noticeTimer ??= setTimeout(() => {
      this.noticeTimer = undefined;
      this.sendAcceptNotices();
    }, 200);
  }

  /**
   * Tell pending minions their key was accepted (signed notices on their own topics, see accept-notice.ts), each
   * with its own slot, so their auths come at the rate the master answers them.
   */
  private sendAcceptNotices(): void {
    const ids = [...this.toNotify].filter((id) => this.transport.isSubscribed(id) && this.sessions.get(id) === undefined);
    this.toNotify.clear();
    if (ids.length === 0) return;
    // One slot each, reserved in both timelines their auths pass through (requests checked, accepted answers), after
    // the slots already handed out: a crowd still coming back at its busy slots and the accepted minions share the
    // budget instead of each planning for all of it.
    const schedule = { fromMs: Math.max(this.checkPace.reserve(ids.length), this.authPace.reserve(ids.length)), stepMs: Math.max(this.checkPace.stepMs, this.authPace.stepMs) };
    try {
      for (const n of buildAcceptNotices(this.identity.privatePem, ids, schedule)) {
        const frames = encode(n);
        for (const id of n.ids) this.transport.publish(frames, minionTopic(id)).catch(() => undefined);
      }
      this.log.info('accepted minions told to authenticate', { count: ids.length, fromMs: schedule.fromMs, spreadMs: Math.round(ids.length * schedule.stepMs) });
    } catch (e) {
      this.log.warn('accept notices not sent', { error: errorMessage(e) });
    }
  }

  /**
   * Cut off minions whose key is no longer accepted: end their session, rotate the publication key, rekey the rest.
   * `reread` (`brine key` said keys changed): read the key store again; otherwise compare the directories by name
   * with the in-memory copy (repairs a missed file event).
   */
  reconcileKeys(reread = true): string[] {
    if (reread) this.keys.invalidate();
    else this.keys.verifyListing();
    // Nothing to do while the keys are as they were at the last full pass and no session began since (an auth that
    // was deciding while a key went away), at most RECONCILE_FULL_MS apart: at 10,000 minions the pass sorts and
    // walks every id, every 2 s and before each job.
    const version = this.keys.version;
    const now = Date.now();
    if (!reread && version !== undefined && version === this.reconciled.version && this.sessionsBegun === this.reconciled.sessions && now - this.reconciled.at < RECONCILE_FULL_MS) return [];
    this.reconciled = { version, sessions: this.sessionsBegun, at: now };
    const list = this.keys.list();
    this.keyEvents.check(list);
    const accepted = new Set(list.accepted);
    // Mine data and cached grains of a key removed while no session was up (e.g. while the master was down).
    for (const id of this.mine.ids()) {
      if (accepted.has(id)) continue;
      this.mine.delete(id);
      this.registry.forget(id);
    }
    const removed = this.sessions.ids().filter((id) => !accepted.has(id));
    if (removed.length === 0) return [];
    for (const id of removed) {
      this.sessions.delete(id);
      this.sessionPubs.delete(id);
      this.mine.delete(id);
      this.registry.forget(id);
      this.cluster?.forgetMinion(id).catch(() => undefined); // idempotent: every master whose session ends does it
    }
    this.cluster?.touch();
    const next = this.pubKeys.rotate();
    const recipients = [...this.sessionPubs].map(([id, pub]) => ({ id, pub }));
    for (const msg of buildRekey(this.identity.privatePem, next, recipients)) {
      this.transport.publish(encode(msg)).catch((e) => this.log.error('rekey publish failed', { error: errorMessage(e) }));
    }
    this.log.info('keys removed: sessions ended, publication key rotated', { minions: removed, rekeyed: recipients.length });
    return removed;
  }

  // ------------------------------------------------------------------ jobs

  /** Connected to this master: a session, a subscription, a request within the liveness window (ping-pace.ts). */
  connected(id: string): boolean {
    const window = livenessWindowMs(pingHintS(this.sessions.size, this.opts.max_ping_rate));
    return this.sessions.get(id) !== undefined && this.transport.isSubscribed(id) && Date.now() - this.registry.info(id).lastSeen < window;
  }

  /** Connected to this master or, in a cluster, to another live one. */
  connectedAnywhere(id: string): boolean {
    return this.connected(id) || (this.cluster?.connectedElsewhere(id) ?? false);
  }

  connectedHere(): string[] {
    return this.sessions.ids().filter((id) => this.connected(id));
  }

  /** The accepted minions a target should reach, from cached grains and pillar. */
  expectedMinions(tgt: string | string[], type: TargetType): string[] {
    return this.keys
      .list()
      .accepted.filter((id) => {
        try {
          return matchTarget({ tgt, type }, this.registry.subject(id), { nodegroups: this.opts.nodegroups });
        } catch (e) {
          throw new UsageError(errorMessage(e));
        }
      })
      .sort();
  }

  /** Nodegroups expanded (to the compound expression minions receive); other targets as they are. */
  expandTarget(tgt: string | string[], tgtType: TargetType): { tgt: string | string[]; tgtType: TargetType } {
    if (tgtType === 'nodegroup') return { tgt: expandNodegroups(`N@${String(tgt)}`, this.opts.nodegroups), tgtType: 'compound' };
    if (tgtType === 'compound') return { tgt: expandNodegroups(String(tgt), this.opts.nodegroups), tgtType };
    return { tgt, tgtType };
  }

  async publish(job: { tgt: string | string[]; tgtType: TargetType; fun: string; arg: unknown[]; kwarg: Dict; user?: string }): Promise<{ jid: string; expected: string[] }> {
    this.reconcileKeys(false); // a key deleted a moment ago gets nothing, even without the notification
    // Nodegroups are expanded here; minions receive the compound expression.
    const { tgt, tgtType } = this.expandTarget(job.tgt, job.tgtType);
    const expected = this.expectedMinions(tgt, tgtType);
    const jid = newJid();
    const rec: JobRecord = { jid, fun: job.fun, arg: job.arg, kwarg: job.kwarg, tgt: job.tgt, tgt_type: job.tgtType, expected, user: job.user ?? 'root', started: new Date().toISOString() };
    // In a cluster the job is PostgreSQL's first (one transaction; every master publishes it when it commits). While
    // the store is away no new job starts: its returns could not be shared.
    if (this.cluster) {
      try {
        await this.cluster.recordJob(rec);
      } catch (e) {
        if (e instanceof StoreUnavailable) throw new StoreUnavailable(e.where, 'new jobs are refused until it is back');
        throw e;
      }
    }
    this.jobs.recordJob(rec);
    this.metrics.jobPublished(expected.length);
    await this.deliver(rec, tgt, tgtType);
    this.log.info('job published', { jid, fun: job.fun, tgt: job.tgt, expected: expected.length });
    return { jid, expected };
  }

  /** Fire the job's `new` event and publish it to the minions connected here (`tgt` with nodegroups expanded). */
  private async deliver(rec: JobRecord, tgt: string | string[], tgtType: TargetType): Promise<void> {
    // Before the publication, as Salt's: no return can overtake its job's `new` event.
    this.events.fire(TAGS.jobNew(rec.jid), { jid: rec.jid, tgt: rec.tgt, tgt_type: rec.tgt_type, fun: rec.fun, arg: saltArgs(rec.arg, rec.kwarg), minions: rec.expected, missing: [], user: rec.user });
    if (rec.expected.length === 0) return;
    const sealed = sealPublication(this.identity.privatePem, this.pubKeys.current, { jid: rec.jid, tgt, tgtType, fun: rec.fun, arg: rec.arg, kwarg: rec.kwarg, user: rec.user });
    await this.metrics.fanout(() => this.transport.publish(encode(sealed)));
  }

  /**
   * A job another master of the cluster published: this master publishes it to its own minions too (a minion that
   * moved here meanwhile still gets it; one that already ran it refuses the jid again, see the minion's SeenJobs).
   */
  async deliverRemoteJob(job: JobRecord): Promise<void> {
    const { tgt, tgtType } = this.expandTarget(job.tgt, job.tgt_type as TargetType);
    await this.deliver(job, tgt, tgtType);
    this.log.info('cluster job published here', { jid: job.jid, fun: job.fun, expected: job.expected.length });
  }

  /** A return another master received: the watches here and the event bus hear of it as of their own. */
  remoteReturn(job: JobRecord | null, rec: ReturnRecord): void {
    this.running.returned(rec.jid, rec.id);
    for (const w of this.watches.get(rec.jid) ?? []) w.onReturn(rec);
    this.events.fire(TAGS.jobRet(rec.jid, rec.id), { cmd: '_return', id: rec.id, jid: rec.jid, fun: rec.fun, fun_args: job ? saltArgs(job.arg, job.kwarg) : [], return: rec.ret, retcode: rec.retcode, success: rec.success, ...(rec.out ? { out: rec.out } : {}) });
  }

  /** Stream a job's returns to `sink` until every expected minion returned or the watch times out. */
  watch(jid: string, expected: string[], sink: WatchSink, timeoutMs: number, maxWaitMs: number): void {
    sink = this.metrics.watchSink(sink);
    let set = this.watches.get(jid);
    if (!set) this.watches.set(jid, (set = new Set()));
    const w = new JobWatch(jid, expected, sink, timeoutMs, maxWaitMs, (id) => this.connectedAnywhere(id), () => {
      set!.delete(w);
      if (set!.size === 0) this.watches.delete(jid);
    });
    if (!w.finished) set.add(w);
    // Returns that raced ahead of the watch are already in the cache.
    for (const r of this.jobs.returns(jid)) w.onReturn(r);
    if (set.size === 0) this.watches.delete(jid);
  }

}
