/**
 * A master's link to its cluster (`cluster: {id, store, pki_dir, name}`): the PostgreSQL store the masters share,
 * and the master-to-master channel (LISTEN/NOTIFY).
 *
 * PostgreSQL holds the shared state (keys with their history, jobs, returns, mine, grains). Each master keeps a
 * mirror of what it needs to answer minions without a round trip: its key directories (cluster/key-mirror.ts), the
 * job cache (every job and return of the cluster, so `brine jobs` and the event bus see them all) and the grains it
 * targets on. The mirror follows the store by notifications, and is read again in full whenever the channel
 * (re)connects, since what was sent while it was down is lost.
 *
 * When PostgreSQL is unreachable, the master serves its connected minions from the mirror, refuses key changes and
 * new jobs with a clear error, and spools returns on disk until the store is back (pg/spool.ts): none is lost.
 */
import * as path from 'path';
import { errorMessage, type Dict, type Logger, type TargetType } from '@brine/core';
import type { ClusterOpts, MasterOpts } from '@brine/config';
import type { JobCache, JobRecord, ReturnRecord } from '../jobcache';
import type { AuthDecision, KeyStore } from '../keys';
import type { MineAcl } from '../mine';
import type { QuotaRefusals } from '../quota';
import type { Registry } from '../registry';
import type { Subjects } from '../store/types';
import { StoreUnavailable } from '../store/pg/connect';
import type { ClusterEvent, ClusterListener, ListenerOptions } from '../store/pg/notify';
import { ReturnSpool, SpooledJobs } from '../store/pg/spool';
import { PgStore } from '../store/pg/store';
import type { Member } from '../store/pg/members';
import { mirrorKeys } from './key-mirror';

/** What the link needs of its master. */
export interface ClusterHost {
  readonly keys: KeyStore;
  readonly jobs: JobCache;
  readonly registry: Registry;
  /** Keys changed in the store: end the sessions of minions no longer accepted. */
  reconcileKeys(reread?: boolean): string[];
  /** These minions' keys became accepted: tell them to authenticate now. */
  acceptedInCluster(ids: string[]): void;
  /** A job another master published (already in the local job cache): deliver it to the minions connected here. */
  deliverRemoteJob(job: JobRecord): Promise<void>;
  /** A return another master received (already in the local job cache): watches and events. */
  remoteReturn(job: JobRecord | null, rec: ReturnRecord): void;
  /** The minions connected to this master now. */
  connectedHere(): string[];
}

/** Time between heartbeats (members' seen_at, the tree hash), and the age after which a member counts as gone. */
const HEARTBEAT_MS = 2000;
export const MEMBER_ALIVE_MS = 20_000;
/** How far before the channel was lost a catch-up reads (clock differences between masters and the store). */
const CATCH_UP_MARGIN_MS = 60_000;
/** Ids mirrored per read of the store. */
const KEY_BATCH = 1000;
/** Returns read back from the store in one query at most. */
const RETURN_READ_BATCH = 1000;

export class ClusterLink {
  /** Returns go through the spool when the store is unreachable (or still holds older ones). */
  readonly jobs: SpooledJobs;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** The last time a call to the store failed for want of it (0: it answered last). */
  private downSince = 0;
  private members: Member[] = [];
  /**
   * When the channel went down, or an announced event could not be applied (null otherwise): at the next resync, what
   * happened since (less CATCH_UP_MARGIN_MS) is read back.
   */
  lostAt: number | null = null;
  /** How many times the channel dropped: a catch-up made while it was down, or as it dropped again, is not the last. */
  private drops = 0;
  /** Minions connected to the other live masters, as of their last heartbeats. */
  private elsewhere = new Set<string>();

  private constructor(
    readonly store: PgStore,
    private readonly listener: ClusterListener,
    private readonly host: ClusterHost,
    readonly opts: ClusterOpts,
    private readonly treeHash: () => string,
    private readonly log: Logger,
    spoolDir: string,
    private readonly publishTtlMs: number,
  ) {
    this.jobs = new SpooledJobs(store.jobs, new ReturnSpool(spoolDir));
  }

  /**
   * Connect, migrate, join (refused for another cluster id or another signing key), mirror the store, listen.
   * Every configuration mistake is an error here, at the master's start.
   */
  static async open(host: ClusterHost, m: MasterOpts, fingerprint: string, treeHash: () => string, refusals: QuotaRefusals, log: Logger, listen: ListenerOptions = {}): Promise<ClusterLink> {
    const c = m.cluster!;
    const store = await PgStore.open({
      dsn: c.store,
      master: c.name,
      keepJobsHours: m.keep_jobs,
      policy: { autoAccept: m.auto_accept, autosignFile: m.autosign_file || undefined, maxPending: m.max_pending_keys },
      quota: { jobCacheBytes: m.minion_quota_job_cache_bytes, mineBytes: m.minion_quota_mine_bytes, grainsBytes: m.minion_quota_grains_bytes, refusals },
      onIdleError: (e) => log.warn('cluster store: idle connection lost (the next query reconnects)', { error: errorMessage(e) }),
    });
    let listener: ClusterListener | undefined;
    try {
      await store.members.join({ clusterId: c.id, fingerprint, address: `${m.interface}:${m.ret_port}`, treeHash: treeHash() });
      listener = store.listener(listen);
      await listener.start();
    } catch (e) {
      await listener?.close();
      await store.close().catch(() => undefined);
      throw e;
    }
    const link = new ClusterLink(store, listener, host, c, treeHash, log, path.join(m.cachedir, 'cluster-spool'), m.publish_ttl * 1000);
    await link.resync();
    listener.on('event', (e: ClusterEvent) => link.enqueue(e));
    listener.on('connected', () => link.resyncSoon(0));
    listener.on('disconnected', (err: Error) => {
      link.lostAt ??= Date.now();
      link.drops++;
      log.warn('cluster channel lost: reconnecting', { error: err.message });
    });
    link.timers.push(setInterval(() => void link.heartbeat(), HEARTBEAT_MS));
    for (const t of link.timers) t.unref();
    log.info('joined cluster', { cluster: c.id, master: c.name, store: store.db.where });
    return link;
  }

  get name(): string {
    return this.opts.name;
  }

  /** Whether the store answered the last call made to it. */
  get online(): boolean {
    return this.downSince === 0;
  }

  /** Returns waiting on disk for the store. */
  get spooled(): number {
    return this.jobs.spool.size;
  }

  /** Run `f` against the store, noting whether it is reachable. */
  private async use<T>(f: () => Promise<T>): Promise<T> {
    try {
      const out = await f();
      if (this.downSince) {
        this.log.info('cluster store reachable again', { downForS: Math.round((Date.now() - this.downSince) / 1000) });
        this.downSince = 0;
        // What was announced while it was away may not have been applied here: read the store again.
        this.resyncSoon();
      }
      return out;
    } catch (e) {
      if (e instanceof StoreUnavailable && !this.downSince) {
        this.downSince = Date.now();
        this.log.error('cluster store unreachable: serving connected minions, refusing key changes and new jobs, spooling returns', { error: e.message });
      }
      throw e;
    }
  }

  // ------------------------------------------------------------------ keys

  /** An auth request the mirror cannot answer alone (a new key, a conflict): decided by the store, then mirrored. */
  async decide(id: string, pem: string): Promise<AuthDecision> {
    const d = await this.use(() => this.store.keys.decide(id, pem));
    await this.mirror([id]);
    return d;
  }

  async expirePending(maxAgeMs: number): Promise<string[]> {
    const gone = await this.use(() => this.store.keys.expirePending(maxAgeMs));
    if (gone.length) await this.mirror(gone);
    return gone;
  }

  /** Mirror the store's keys (of `ids`, or all) onto the key directories, then act on what changed. */
  private async mirror(ids?: string[]): Promise<void> {
    const rows = await this.use(() => this.store.keys.rows(ids));
    const changed = mirrorKeys(this.host.keys, rows, ids);
    if (changed.accepted.length) this.host.acceptedInCluster(changed.accepted);
    if (changed.removedAccepted.length) this.host.reconcileKeys(false);
  }

  // ------------------------------------------------------------------ jobs and returns

  /** Record a job this master publishes (a transaction; the other masters are told when it commits). */
  async recordJob(job: JobRecord): Promise<void> {
    await this.use(() => this.store.jobs.recordJob(job));
  }

  /** Record a return this master received: in the store, or in the spool while the store is away. */
  async recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void> {
    await this.jobs.recordReturn(r, scheduled);
    if (this.spooled > 0) void this.flushSpool();
  }

  private flushing = false;
  private async flushSpool(): Promise<void> {
    if (this.flushing || this.spooled === 0) return;
    this.flushing = true;
    try {
      const r = await this.jobs.flush();
      if (r.replayed || r.damaged.length) this.log.info('spooled returns sent to the cluster store', { replayed: r.replayed, refused: r.refused, left: r.left, damaged: r.damaged });
      if (r.left === 0 && this.downSince) await this.use(async () => undefined);
    } catch (e) {
      this.log.warn('spooled returns not sent yet', { error: errorMessage(e) });
    } finally {
      this.flushing = false;
    }
  }

  // ------------------------------------------------------------------ grains and mine

  /** Share a minion's grains (best effort: the local copy serves meanwhile; the next report tries again). */
  shareGrains(id: string, grains: Dict): void {
    void this.use(async () => {
      await this.store.grains.setGrains(id, grains);
      await this.store.announce({ kind: 'grains', id, master: this.name });
    }).catch((e) => this.log.warn('grains not shared with the cluster', { minion: id, error: errorMessage(e) }));
  }

  async mineUpdate(id: string, fns: Dict, acl: Record<string, MineAcl>): Promise<void> {
    await this.use(() => this.store.mine.update(id, fns, acl));
  }

  async mineGet(tgt: string | string[], fun: string, tgtType: TargetType, subjects: Subjects, accepted: Set<string>, nodegroups: Record<string, string | string[]>, requester: string | null): Promise<Dict> {
    return this.use(() => this.store.mine.get(tgt, fun, tgtType, subjects, accepted, nodegroups, requester));
  }

  async forgetMinion(id: string): Promise<void> {
    await this.use(async () => {
      await this.store.mine.delete(id);
      await this.store.grains.forget(id);
    });
  }

  // ------------------------------------------------------------------ members

  /** Is `id` connected to another live master of the cluster (as of that master's last heartbeat)? */
  connectedElsewhere(id: string): boolean {
    return this.elsewhere.has(id);
  }

  private alive(): Member[] {
    return this.members.filter((m) => Date.now() - Date.parse(m.seenAt) < MEMBER_ALIVE_MS);
  }

  private setMembers(members: Member[]): void {
    this.members = members;
    this.elsewhere = new Set(this.alive().flatMap((m) => (m.name === this.name ? [] : m.connected)));
  }

  /** Live members and, when they serve different state trees, a warning naming them. */
  status(): { cluster: string; master: string; store: string; online: boolean; spooled: number; members: (Omit<Member, 'connected'> & { minions: number })[]; trees: Record<string, string[]>; warning?: string } {
    const alive = this.alive();
    const trees: Record<string, string[]> = {};
    for (const m of alive) (trees[m.treeHash ?? '(unknown)'] ??= []).push(m.name);
    const groups = Object.entries(trees);
    const warning = groups.length > 1 ? `masters serve different state trees: ${groups.map(([h, ms]) => `${h} on ${ms.join(', ')}`).join('; ')}` : undefined;
    const members = alive.map(({ connected, ...m }) => ({ ...m, minions: connected.length }));
    return { cluster: this.opts.id, master: this.name, store: this.store.db.where, online: this.online, spooled: this.spooled, members, trees, ...(warning ? { warning } : {}) };
  }

  /** How many different trees the live members serve (1 when they agree). */
  treeCount(): number {
    return Object.keys(this.status().trees).length;
  }

  private soon: NodeJS.Timeout | undefined;
  /** Minions came or went here: tell the cluster shortly (a job watch elsewhere waits for them) rather than at the next beat. */
  touch(): void {
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      void this.heartbeat(true);
    }, 250);
    this.soon.unref?.();
  }

  /** `announce`: the minions here changed; the other masters read the members again now, not at their next beat. */
  private async heartbeat(announce = false): Promise<void> {
    if (this.closed) return;
    try {
      await this.use(() => this.store.members.heartbeat(this.treeHash(), this.host.connectedHere()));
      if (announce) await this.use(() => this.store.announce({ kind: 'members', master: this.name }));
      this.setMembers(await this.use(() => this.store.members.members()));
      const w = this.status().warning;
      if (w) this.log.warn(w);
      if (this.resyncDue) this.resyncSoon(0);
      await this.flushSpool();
    } catch (e) {
      this.log.debug('cluster heartbeat failed', { error: errorMessage(e) });
    }
  }

  // ------------------------------------------------------------------ the channel

  /** Read the store again in full: at start and whenever the channel reconnects (notifications may be lost). */
  async resync(): Promise<void> {
    await this.mirror();
    if (this.lostAt !== null) {
      // Done while the channel is down (the store answers again before the listener is back), the catch-up cannot
      // be the last: what is announced between it and the LISTEN would be missed. The resync at 'connected' does
      // it again from the same point.
      const drops = this.drops;
      const listening = this.listener.connected;
      // A margin for the clocks of this host and the store's.
      await this.catchUp(new Date(this.lostAt - CATCH_UP_MARGIN_MS));
      if (listening && this.drops === drops) this.lostAt = null;
    }
    const all = await this.use(() => this.store.grains.all());
    for (const [id, g] of Object.entries(all)) this.setLocalGrains(id, g);
    this.setMembers(await this.use(() => this.store.members.members()));
    await this.flushSpool();
  }

  /** Jobs and returns the channel did not announce while it was down: as if they had been. */
  private async catchUp(t: Date): Promise<void> {
    const { jobs, returns } = await this.use(() => this.store.jobs.since(t));
    let n = 0;
    for (const job of jobs) {
      if (this.host.jobs.job(job.jid)) continue;
      this.host.jobs.recordJob(job);
      // Still fresh enough for minions to take (they refuse publications older than publish_ttl): deliver it.
      if (Date.now() - Date.parse(job.started) < this.publishTtlMs) await this.host.deliverRemoteJob(job);
      n++;
    }
    let r = 0;
    // This master's copy of each job's returns, read once per job (not once per return).
    const held = new Map<string, Map<string, string>>();
    for (const rec of returns) {
      let mine = held.get(rec.jid);
      if (!mine) held.set(rec.jid, (mine = new Map(this.host.jobs.returns(rec.jid).map((x) => [x.id, x.received]))));
      if (mine.get(rec.id) === rec.received) continue;
      this.applyReturn(this.host.jobs.job(rec.jid), rec);
      r++;
    }
    if (n || r) this.log.info('cluster channel back: caught up', { jobs: n, returns: r });
  }

  private applyReturn(job: JobRecord | null, rec: ReturnRecord): void {
    // The cluster store holds it; this copy is for `brine jobs`, watches and events here.
    const notCached = (err: unknown) => this.log.warn('cluster return not cached here', { minion: rec.id, jid: rec.jid, error: errorMessage(err) });
    try {
      this.host.jobs.recordReturn(rec)?.catch(notCached);
    } catch (err) {
      notCached(err);
    }
    this.host.remoteReturn(job, rec);
  }

  private setLocalGrains(id: string, grains: Dict): void {
    try {
      this.host.registry.setGrains(id, grains);
    } catch (e) {
      this.log.warn('cluster grains not cached here', { minion: id, error: errorMessage(e) });
    }
  }

  /** Events are applied one at a time, in order; key events arriving together are mirrored as one batch. */
  private queue: Promise<void> = Promise.resolve();
  private keyIds = new Set<string>();
  private keyFlushQueued = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** A resync failed or was asked for while the store was away: the next heartbeat tries it again. */
  private resyncDue = false;

  enqueue(e: ClusterEvent): void {
    if (this.closed) return;
    if (e.kind === 'key') {
      // 10,000 keys accepted at once arrive as hundreds of notices: one read of the store for all of them.
      for (const id of e.ids) this.keyIds.add(id);
      if (this.keyFlushQueued) return;
      this.keyFlushQueued = true;
      this.chain(async () => {
        this.keyFlushQueued = false;
        const ids = [...this.keyIds];
        this.keyIds.clear();
        for (let i = 0; i < ids.length; i += KEY_BATCH) await this.mirror(ids.slice(i, i + KEY_BATCH));
      }, 'key');
      return;
    }
    if (e.kind === 'return') {
      if (e.master === this.name) return;
      // Returns announced one after another are read back together (one query for thousands), as long as nothing
      // else came between: a job announced after them is applied after them, and its returns after it.
      if (this.returnsWaiting) {
        this.returnsWaiting.push(...e.rets);
        return;
      }
      const rets = (this.returnsWaiting = [...e.rets]);
      this.chain(async () => {
        if (this.returnsWaiting === rets) this.returnsWaiting = undefined;
        await this.applyReturns(rets);
      }, 'return');
      return;
    }
    this.returnsWaiting = undefined;
    this.chain(() => this.onEvent(e), e.kind);
  }

  /** Returns announced but not read yet, still open to more (undefined once another kind of event came). */
  private returnsWaiting: [string, string][] | undefined;

  /** Returns other masters stored: read in batches, each applied to its job (read from the store if not here yet). */
  private async applyReturns(rets: [string, string][]): Promise<void> {
    for (let i = 0; i < rets.length; i += RETURN_READ_BATCH) {
      const recs = await this.use(() => this.store.jobs.returnsOf(rets.slice(i, i + RETURN_READ_BATCH)));
      for (const rec of recs) {
        let job = this.host.jobs.job(rec.jid);
        if (!job) {
          // A minion's scheduled run, recorded with its return by another master.
          job = await this.use(() => this.store.jobs.job(rec.jid));
          if (job) this.host.jobs.recordJob(job);
        }
        this.applyReturn(job, rec);
      }
    }
  }

  private chain(f: () => Promise<void>, kind: string): void {
    this.queue = this.queue.then(f).catch((err) => {
      this.log.warn('cluster event not applied: reading the store again', { kind, error: errorMessage(err) });
      // The event itself is gone (a return another master stored, a job it published): only a catch-up brings it
      // back. A resync alone rereads keys, grains and members.
      this.lostAt ??= Date.now();
      this.resyncSoon();
    });
  }

  /** Read the store again in full shortly (debounced); retried at each heartbeat until it succeeds. */
  resyncSoon(delayMs = 1000): void {
    this.resyncDue = true;
    if (this.resyncTimer || this.closed) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      this.chain(async () => {
        this.resyncDue = false;
        try {
          await this.resync();
        } catch (err) {
          this.resyncDue = true;
          throw err;
        }
      }, 'resync');
    }, delayMs);
    this.resyncTimer.unref?.();
  }

  /** Every event but `key` and `return` (both applied in batches by `enqueue`). */
  private async onEvent(e: Exclude<ClusterEvent, { kind: 'key' | 'return' }>): Promise<void> {
    if (this.closed) return;
    switch (e.kind) {
      case 'job': {
        if (e.master === this.name) return;
        const job = await this.use(() => this.store.jobs.job(e.jid));
        if (!job || this.host.jobs.job(job.jid)) return;
        this.host.jobs.recordJob(job);
        await this.host.deliverRemoteJob(job);
        return;
      }
      case 'grains': {
        if (e.master === this.name) return;
        const g = await this.use(() => this.store.grains.grains(e.id));
        if (g) this.setLocalGrains(e.id, g);
        return;
      }
      case 'members':
        if (e.master !== this.name) this.setMembers(await this.use(() => this.store.members.members()));
        return;
      default: {
        const never: never = e;
        throw new Error(`cluster event '${String((never as { kind?: unknown }).kind)}' has no handler`);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.soon);
    clearTimeout(this.resyncTimer);
    await this.listener.close();
    await this.store.members.leave().catch(() => undefined);
    await this.store.close().catch(() => undefined);
  }
}
