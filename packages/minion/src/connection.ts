/**
 * The minion's authenticated link to its master: auth with backoff and jitter until accepted, master key pinning,
 * sealed requests (re-authenticating once when the master asks), and publication decryption.
 *
 * With several masters (`master:` a list, `master_type: failover`) it talks to one at a time: when the current one
 * has not answered for `master_alive_interval` seconds (or was never reached), or offers a key other than the pinned
 * master key, it closes that link and moves on to the next master in the list (round it), authenticates there and
 * subscribes there. Requests cut by the switch reject with reason `reset`; callers retry (the daemon's return queue).
 */
import { AuthError, errorMessage, type Logger } from '@brine/core';
import {
  ClientSession,
  createAuthRequest,
  decode,
  decodeExpecting,
  encode,
  fingerprint,
  loadOrCreateKeyPair,
  MinionTransport,
  openAuthReply,
  pinMasterKey,
  PublicationError,
  PublicationReceiver,
  readPinnedMaster,
  RemoteError,
  RequestError,
  openAcceptNotice,
  acceptNoticeDelay,
  type AcceptNotice,
  type AuthReply,
  type ErrorReply,
  type JobPublication,
  type MinionKeys,
  type MinionTransportOptions,
  type ReplyEnvelope,
  type RequestBody,
} from '@brine/protocol';
import type { MinionOpts } from '@brine/engine';
import { Backoff, sleep } from './backoff';
import { masterLabel, MasterList } from './masters';
import { MasterError, MasterUnreachable, type Requester } from './requester';

export { MasterError, MasterUnreachable };

/**
 * While pending, retries start at acceptance_wait_time_max and back off up to this many times it (the accept notice
 * brings them forward): a crowd of pending minions costs the master few answers, each an RSA signature.
 */
export const PENDING_RETRY_FACTOR = 3;

/** The master's slot hint is unsigned: at most a minute, plus up to 250 ms of jitter. */
const MAX_SLOT_MS = 60_000;
function slotDelay(retryMs: number): number {
  return Math.min(retryMs, MAX_SLOT_MS) + Math.random() * 250;
}

export type AuthState = 'connecting' | 'pending' | 'rejected' | 'denied' | 'accepted' | 'master-key-mismatch';

export class Connection implements Requester {
  readonly keys: MinionKeys;
  /** The masters, in the order they are tried; `current` is the one this connection talks to. */
  readonly masters: MasterList;
  private link: MinionTransport;
  state: AuthState = 'connecting';
  private session: ClientSession | undefined;
  private receiver: PublicationReceiver | undefined;
  private epoch = -1;
  private authing: Promise<void> | undefined;
  private stopped = false;
  private lastReauth = 0;
  private timeouts = 0;
  private lastReset = 0;
  private readonly onAccepted: (() => void)[] = [];
  /** While the auth loop waits to retry: bring the retry forward to `soonMs` from now (default: a random 0-1 s). */
  private shortenRetry: ((soonMs?: number) => void) | undefined;
  /** The master key that answered `pending` (verified and pinned): accept notices must be signed by it. */
  private pendingMasterPub: string | undefined;
  /** The master's `busy` gave a slot: the next attempt comes then rather than after the backoff. */
  private slot: number | undefined;
  /** An accept notice that came while an auth attempt was in flight: the next retry comes this soon. */
  private noticeDelay: number | undefined;
  private readonly onJob: ((job: JobPublication) => void)[] = [];
  private readonly onReconnected: (() => void)[] = [];
  private readonly onFailover: ((from: string, to: string) => void)[] = [];
  /** Checks the current master's liveness (failover with several masters only). */
  private aliveTimer: NodeJS.Timeout | undefined;

  /** `socketContext`: the libzmq context for this minion's sockets (MinionTransportOptions.context). */
  constructor(
    private readonly opts: MinionOpts,
    private readonly log: Logger,
    private readonly socketContext?: MinionTransportOptions['context'],
  ) {
    const kp = loadOrCreateKeyPair(opts.pki_dir, 'minion');
    this.keys = { id: opts.id, privatePem: kp.privatePem, publicPem: kp.publicPem };
    const failover = opts.master_type === 'failover';
    const masters = opts.masters?.length ? opts.masters : [{ host: opts.master, port: opts.master_port }];
    this.masters = new MasterList(masters, failover && (opts.master_shuffle === true || opts.random_master === true));
    this.link = this.connectTo(this.masters.current);
    if (failover && this.masters.size > 1) {
      const aliveMs = opts.master_alive_interval * 1000;
      // Checked often (a comparison each): the failover comes within a quarter second of the interval's end.
      this.aliveTimer = setInterval(() => this.checkAlive(aliveMs), Math.max(100, Math.min(250, aliveMs / 4)));
      this.aliveTimer.unref();
    }
  }

  /** The transport to the current master (a new one after each failover). */
  get transport(): MinionTransport {
    return this.link;
  }

  /** The master talked to now, as `host:port`. */
  get currentMaster(): string {
    return masterLabel(this.masters.current);
  }

  private connectTo(m: { host: string; port: number }): MinionTransport {
    const t = MinionTransport.connect({
      host: m.host,
      publishPort: this.opts.publish_port,
      requestPort: m.port,
      ipv6: this.opts.ipv6,
      id: this.opts.id,
      requestTimeoutMs: 30_000,
      ...(this.socketContext ? { context: this.socketContext } : {}),
      logger: this.log.child({ part: 'transport', master: masterLabel(m) }),
    });
    t.onPublish((frames) => {
      if (t === this.link) this.onPublish(frames);
    });
    t.onReconnect(() => {
      if (t !== this.link) return;
      this.shortenRetry?.();
      for (const f of this.onReconnected) f();
    });
    return t;
  }

  /** Failover: the current master has been silent for `aliveMs` (gone, never reached, or hung): try the next one. */
  private checkAlive(aliveMs: number): void {
    if (this.stopped) return;
    const silent = this.link.silentForMs();
    if (silent >= aliveMs) this.failover(`not answering for ${Math.round(silent / 1000)}s`, true);
  }

  /**
   * Close the link to the current master and connect to the next one in the list; authenticate there (at once when
   * `promptly`, else after the auth backoff: a list of masters that all refuse must not be asked in a tight loop).
   * Requests in flight on the old link reject with reason `reset`.
   */
  private failover(why: string, promptly: boolean): void {
    if (this.stopped || this.masters.size < 2) return;
    const from = masterLabel(this.masters.current);
    const to = masterLabel(this.masters.advance());
    this.log.warn(`master ${from} ${why}: failing over to ${to}`, { from, to });
    const old = this.link;
    this.session = undefined;
    this.receiver = undefined;
    this.epoch = -1;
    this.state = 'connecting';
    this.pendingMasterPub = undefined;
    this.timeouts = 0;
    this.link = this.connectTo(this.masters.current);
    if (promptly) {
      this.noticeDelay = 0;
      this.shortenRetry?.(0);
    }
    void old.close(`the master ${from} stopped answering: failing over to ${to}`);
    for (const f of this.onFailover) {
      try {
        f(from, to);
      } catch (e) {
        this.log.warn('failover handler failed', { error: errorMessage(e) });
      }
    }
    void this.authenticate();
  }

  /** `f(from, to)` runs after each failover to another master (`host:port` each), before authenticating there. */
  whenFailedOver(f: (from: string, to: string) => void): void {
    this.onFailover.push(f);
  }

  get accepted(): boolean {
    return this.state === 'accepted' && this.session !== undefined;
  }

  whenAccepted(f: () => void): void {
    this.onAccepted.push(f);
  }

  /** `f` runs when the request socket reaches the master again after losing it (the master is back). */
  whenReconnected(f: () => void): void {
    this.onReconnected.push(f);
  }

  whenJob(f: (job: JobPublication) => void): void {
    this.onJob.push(f);
  }

  /** Authenticate until accepted (single flight; concurrent callers share the attempt). */
  authenticate(initialDelayMs = 0): Promise<void> {
    return (this.authing ??= this.authLoop(initialDelayMs).finally(() => (this.authing = undefined)));
  }

  private async authLoop(initialDelayMs: number): Promise<void> {
    const backoff = new Backoff(this.opts.acceptance_wait_time * 1000, this.opts.acceptance_wait_time_max * 1000);
    // While pending the master tells us when our key is accepted (accept notice): ask less often meanwhile.
    const pendingBackoff = new Backoff(this.opts.acceptance_wait_time_max * 1000, PENDING_RETRY_FACTOR * this.opts.acceptance_wait_time_max * 1000);
    if (initialDelayMs > 0) await sleep(initialDelayMs);
    while (!this.stopped) {
      try {
        if (await this.authOnce()) return;
      } catch (e) {
        if (e instanceof AuthError && /master key|trusted master/.test(e.message)) {
          this.state = 'master-key-mismatch';
          this.log.error(`MASTER KEY CHANGED: refusing this master. ${e.message}`, { master: this.currentMaster });
          // With several masters, another one may hold the pinned key: move on (after the backoff, not at once).
          if (this.opts.master_type === 'failover') this.failover('refused: its key is not the pinned master key', false);
        } else {
          this.log.warn('auth attempt failed', { error: errorMessage(e) });
        }
      }
      // A slot the master gave, or an accept notice that came during the attempt, sets the next try; otherwise the
      // backoff (longer while pending: the accept notice brings it forward).
      const hint = this.slot ?? this.noticeDelay;
      this.slot = this.noticeDelay = undefined;
      await this.retryDelay(hint ?? (this.state === 'pending' ? pendingBackoff.next() : backoff.next()));
    }
  }

  /**
   * The backoff between auth attempts (up to acceptance_wait_time_max). When the request socket reaches the master
   * again meanwhile, the rest of it shrinks to a random 0-1 s (still spread, but not a whole backoff late).
   */
  private retryDelay(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const end = (): void => {
        this.shortenRetry = undefined;
        resolve();
      };
      let timer = setTimeout(end, ms);
      timer.unref?.();
      const until = Date.now() + ms;
      this.shortenRetry = (soon = Math.random() * 1000) => {
        if (until - Date.now() <= soon) return;
        clearTimeout(timer);
        timer = setTimeout(end, soon);
        timer.unref?.();
      };
    });
  }

  private async authOnce(): Promise<boolean> {
    const trusted = this.opts.master_finger || readPinnedMaster(this.opts.pki_dir);
    const sent = createAuthRequest(this.keys, { expectMaster: trusted });
    const link = this.link;
    const frames = await this.send(encode(sent), 10_000);
    // An answer from the master this connection has just failed over from: no longer ours to act on.
    if (link !== this.link) return false;
    const answer = decodeExpecting(frames, ['auth.reply', 'error']) as AuthReply | ErrorReply;
    if (answer.kind === 'error') {
      // `busy`: the master rate-limits authentication (unsigned, so only a hint): try again after the backoff.
      this.log.debug('auth answered with an error: trying again later', { code: answer.code, message: answer.message });
      if (answer.retryMs !== undefined) this.slot = slotDelay(answer.retryMs);
      return false;
    }
    const reply = answer;
    const out = openAuthReply(reply, sent, this.keys, { trustedFingerprint: trusted || undefined });
    pinMasterKey(this.opts.pki_dir, out.masterPub, this.opts.master_finger || undefined);
    // Verified and pinned: subscribe where this master publishes (several masters on one host each have a port),
    // unless the config names the publish port (a proxy or port forward between minion and master).
    if (out.publishPort !== undefined && !this.opts.publish_port_set) link.usePublishPort(out.publishPort);
    if (out.status !== 'accepted') {
      if (out.status !== this.state) {
        const msg = out.status === 'pending' ? 'key pending acceptance on the master (brine key accept)' : `key ${out.status} by the master`;
        this.log[out.status === 'pending' ? 'info' : 'error'](msg, { fingerprint: this.fingerprint });
      }
      this.state = out.status;
      this.session = undefined;
      this.pendingMasterPub = out.status === 'pending' ? out.masterPub : undefined;
      return false;
    }
    this.session = new ClientSession(this.keys.id, out.sessionKey);
    if (!this.receiver) this.receiver = new PublicationReceiver(out.masterPub, this.keys);
    this.receiver.setKey(out.pubKeyEpoch, out.pubKey);
    this.epoch = out.pubKeyEpoch;
    this.state = 'accepted';
    this.log.info('authenticated with the master', { master: out.masterFingerprint, ...(this.masters.size > 1 ? { address: this.currentMaster } : {}) });
    for (const f of this.onAccepted) f();
    return true;
  }

  get fingerprint(): string {
    return fingerprint(this.keys.publicPem);
  }

  /** A re-authentication the master asked for, spread over `random_reauth_delay` so a restart is no auth storm. */
  reauth(): void {
    if (this.authing || this.stopped) return;
    const now = Date.now();
    if (now - this.lastReauth < 1000) return;
    this.lastReauth = now;
    this.session = undefined;
    this.state = 'connecting';
    void this.authenticate(Math.random() * this.opts.random_reauth_delay * 1000);
  }

  async request(body: Record<string, unknown> & { kind: string }, timeoutMs = 30_000): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      if (!this.session) await this.authenticatedWithin(timeoutMs);
      const s = this.session!;
      const env = s.seal(body as RequestBody);
      const rep = decodeExpecting(await this.send(encode(env), timeoutMs), ['rep', 'error']) as ReplyEnvelope | ErrorReply;
      let out;
      try {
        out = s.openReply(rep, env.seq);
      } catch (e) {
        if (e instanceof RemoteError && e.reason === 'reauth' && attempt === 0) {
          this.log.info('the master asked us to re-authenticate');
          if (this.session === s) this.session = undefined;
          // The master's slot when it gave one (a restarted master paces the fleet), else within half a second.
          await this.authenticate(e.retryMs !== undefined ? slotDelay(e.retryMs) : Math.random() * 500);
          continue;
        }
        throw e;
      }
      if (!out.ok) throw new MasterError(out.error, out.code);
      return out.data;
    }
  }

  /**
   * One request on the transport. Three timeouts in a row replace the request socket: libzmq never reconnects a
   * connection it closed on a protocol error, and a new socket costs nothing when the master is simply away.
   */
  private async send(frames: Buffer[], timeoutMs: number): Promise<Buffer[]> {
    const link = this.link;
    try {
      const rep = await link.request(frames, timeoutMs);
      this.timeouts = 0;
      return rep;
    } catch (e) {
      // At most one reset a minute: when the master is simply away, the old socket would reconnect by itself.
      if (e instanceof RequestError && e.reason === 'timeout' && link === this.link && ++this.timeouts >= 3 && Date.now() - this.lastReset > 60_000) {
        this.timeouts = 0;
        this.lastReset = Date.now();
        link.resetRequestSocket();
      }
      throw e;
    }
  }

  /** Wait for authentication, but not longer than `ms` (a request must fail fast when the master is away). */
  private async authenticatedWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.authenticate(),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new MasterUnreachable(`not authenticated with the master within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!this.session) throw new MasterUnreachable('not authenticated with the master');
  }

  /**
   * The epoch the master publishes with. If ours differs we may have missed a rekey, but the rekey may also still be
   * in flight on the publish channel (a ping reply can overtake it): look again after a moment, then re-authenticate.
   */
  checkEpoch(masterEpoch: number): void {
    const known = () => masterEpoch === this.epoch || this.receiver?.keyring.get(masterEpoch) !== undefined;
    if (known()) return;
    setTimeout(() => {
      if (!known() && !this.stopped) this.reauth();
    }, 1500).unref();
  }

  private onPublish(frames: Buffer[]): void {
    if (!this.receiver && this.state === 'accepted') return;
    let msg;
    try {
      msg = decode(frames);
    } catch (e) {
      this.log.warn('malformed publication dropped', { error: errorMessage(e) });
      return;
    }
    if (msg.kind === 'auth.notice') {
      this.onAcceptNotice(msg);
      return;
    }
    if (!this.receiver) return;
    try {
      if (msg.kind === 'rekey') {
        const epoch = this.receiver.openRekey(msg);
        if (epoch !== undefined) {
          this.epoch = epoch;
          this.log.info('publication key rotated', { epoch });
        }
        return;
      }
      if (msg.kind !== 'pub') return;
      const job = this.receiver.open(msg);
      for (const f of this.onJob) f(job);
    } catch (e) {
      if (e instanceof PublicationError && e.reason === 'unknown-epoch') {
        this.log.info('publication under an unknown key: re-authenticating');
        this.reauth();
      } else {
        this.log.warn('publication refused', { reason: e instanceof PublicationError ? e.reason : errorMessage(e) });
      }
    }
  }

  /**
   * An accept notice is only a prompt to authenticate now (after its random delay): the signed auth reply decides.
   * A pending minion acts on one signed by the master that answered it pending. A minion the master has not yet
   * answered with a signature (a crowd of new minions is mostly answered `busy`, see the master's auth limits) has
   * no key to check it with and acts on any fresh notice naming it: a forged one can only make it ask once more,
   * which it does anyway.
   */
  private onAcceptNotice(msg: AcceptNotice): void {
    if (this.session || (this.state !== 'pending' && this.state !== 'connecting')) return;
    const delay = this.pendingMasterPub ? openAcceptNotice(msg, this.pendingMasterPub, this.keys.id) : acceptNoticeDelay(msg, this.keys.id);
    if (delay === undefined) return;
    this.log.info('the master accepted our key: authenticating', { inMs: delay });
    if (this.shortenRetry) this.shortenRetry(delay);
    else this.noticeDelay = delay;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.aliveTimer);
    await this.link.close();
  }
}
