/**
 * The PostgreSQL store that the masters of one cluster share (`cluster: {id, store: postgresql://...}`): opening
 * it checks the DSN, connects, and brings the schema up to date (or refuses a newer one), so every mistake shows at
 * the master's start.
 */
import type { QuotaRefusals } from '../../quota';
import type { KeyPolicy } from '../key-rules';
import type { Store } from '../types';
import { openDb, type Db } from './connect';
import { PgJobs } from './jobs';
import { PgKeys } from './keys';
import { PgMembers } from './members';
import { migrate } from './migrations';
import { PgGrains } from './grains';
import { PgMine } from './mine';
import { CHANNEL, ClusterListener, payloads, type ClusterEvent, type ListenerOptions } from './notify';

export interface PgStoreOptions {
  dsn: string;
  /** This master's name in the cluster (key history, who published and delivered what). */
  master: string;
  keepJobsHours: number;
  policy?: KeyPolicy;
  quota: { jobCacheBytes: number; mineBytes: number; grainsBytes: number; refusals: QuotaRefusals };
  /** Connections in the pool (default 8). */
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Longest a statement may run, lock waits included (default 30 s). */
  statementTimeoutMs?: number;
  /** Told of errors on idle pooled connections (the server went away); the next query reconnects. */
  onIdleError?: (e: Error) => void;
}

export class PgStore implements Store {
  readonly kind = 'postgresql' as const;
  readonly master: string;
  readonly keys: PgKeys;
  readonly jobs: PgJobs;
  readonly mine: PgMine;
  readonly grains: PgGrains;
  /** The cluster's identity and members (join at start, heartbeat, trees served). */
  readonly members: PgMembers;

  private constructor(readonly db: Db, private readonly opts: PgStoreOptions) {
    const q = opts.quota;
    this.master = opts.master;
    this.keys = new PgKeys(db, opts.master, opts.policy);
    this.jobs = new PgJobs(db, opts.master, opts.keepJobsHours, { bytes: q.jobCacheBytes, refusals: q.refusals });
    this.mine = new PgMine(db, { bytes: q.mineBytes, refusals: q.refusals });
    this.grains = new PgGrains(db, { bytes: q.grainsBytes, refusals: q.refusals });
    this.members = new PgMembers(db, opts.master);
  }

  /** Connect and migrate; a wrong DSN, an unreachable server or a newer schema is a clear error here. */
  static async open(opts: PgStoreOptions): Promise<PgStore> {
    const db = openDb(opts.dsn, { max: opts.poolSize, connectTimeoutMs: opts.connectTimeoutMs, statementTimeoutMs: opts.statementTimeoutMs, onIdleError: opts.onIdleError });
    try {
      await migrate(db, opts.master);
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    return new PgStore(db, opts);
  }

  /** A listener on the master-to-master channel (started by the caller). */
  listener(o: ListenerOptions = {}): ClusterListener {
    return new ClusterListener(this.opts.dsn, { connectTimeoutMs: this.opts.connectTimeoutMs, ...o });
  }

  /** Tell the other masters of a change made outside a store transaction (e.g. a minion's grains). */
  async announce(e: ClusterEvent): Promise<void> {
    for (const p of payloads(e)) await this.db.query('SELECT pg_notify($1, $2)', [CHANNEL, p]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
