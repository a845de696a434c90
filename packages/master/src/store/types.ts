/**
 * What the master keeps about minions and jobs, as one asynchronous contract that two stores fulfil: the embedded
 * on-disk store (disk.ts, over KeyStore, JobCache, MineStore and Registry) and PostgreSQL (pg/), which masters of
 * one cluster share. The same contract test runs against both (contract.test.ts).
 */
import type { Dict, TargetSubject, TargetType } from '@brine/core';
import type { JobRecord, ReturnRecord } from '../jobcache';
import type { AuthDecision, KeyState } from '../keys';
import type { MineAcl } from '../mine';

export type { AuthDecision, JobRecord, KeyState, MineAcl, ReturnRecord };

/** One change of a minion's key: `from` null is a new key, `to` null a deleted one. */
export interface KeyChange {
  id: string;
  from: KeyState | null;
  to: KeyState | null;
  /** Fingerprint of the key that changed state (null when it cannot be read as a public key). */
  fingerprint: string | null;
  /** Who asked: `minion` for an auth request, else the operator's name or tool. */
  by: string;
  /** The master that made the change. */
  master: string;
  /** ISO 8601 time. */
  at: string;
}

/** The minion-key store (salt-key's pending, accepted, rejected and denied), with the history of its changes. */
export interface KeyStoreApi {
  read(state: KeyState, id: string): Promise<string | null>;
  stateOf(id: string): Promise<KeyState | null>;
  /** Ids by state, each sorted. */
  list(): Promise<Record<KeyState, string[]>>;
  count(state: KeyState): Promise<number>;
  /** What an `auth` request from `id` offering `pem` gets; records a new key as pending (accepted if autosigned). */
  decide(id: string, pem: string): Promise<AuthDecision>;
  /** Pending (and with `includeRejected`, rejected) keys matching `glob` become accepted; the ids moved. */
  accept(glob: string, includeRejected?: boolean, by?: string): Promise<string[]>;
  /** Pending (and with `includeAccepted`, accepted) keys matching `glob` become rejected; the ids moved. */
  reject(glob: string, includeAccepted?: boolean, by?: string): Promise<string[]>;
  /** Every key of the ids matching `glob`, in any state; the ids removed. */
  delete(glob: string, by?: string): Promise<string[]>;
  /** Remove pending keys recorded more than `maxAgeMs` before `now`; the ids removed. */
  expirePending(maxAgeMs: number, now?: number): Promise<string[]>;
  /** Fingerprints by state; a stored key that cannot be read as a public key is named in `damaged` (when given). */
  fingers(glob?: string, damaged?: string[]): Promise<Record<KeyState, Record<string, string>>>;
  /** Changes made through this contract, oldest first; of one minion when `id` is given. */
  history(id?: string): Promise<KeyChange[]>;
}

/** The job cache: jobs with their expected minions, and one return per (job, minion). */
export interface JobCacheApi {
  /**
   * Record a published job. Once per jid: true when this call recorded it, false when it was already recorded
   * (by this master or another), which is then left as it was.
   */
  recordJob(job: JobRecord): Promise<boolean>;
  /**
   * Store a minion's return (replacing an earlier one for the same job); `scheduled`: the record of the minion's
   * own scheduled job, stored with it. Over the minion's quota nothing is stored and QuotaExceeded is thrown.
   */
  recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void>;
  /** The job's record; null when there is none (or the jid is not one). */
  job(jid: string): Promise<JobRecord | null>;
  /** Every readable return of a job, by minion id; what could not be read is named in `damaged`. */
  readReturns(jid: string): Promise<{ returns: ReturnRecord[]; damaged: string[] }>;
  returns(jid: string): Promise<ReturnRecord[]>;
  /** Expected minions of the job that have not returned (sorted); [] for an unknown job. */
  missing(jid: string): Promise<string[]>;
  /**
   * This master delivers `jid` to `minion`: true the first time for that pair (cluster-wide in a shared store),
   * false after, or when the job does not expect the minion. The "a job runs once per minion" guard.
   */
  claim(jid: string, minion: string): Promise<boolean>;
  /** Every job, by jid; jobs whose record cannot be read are named in `damaged` (when given). */
  list(damaged?: string[]): Promise<JobRecord[]>;
  /** Remove jobs (and their returns) older than keep_jobs hours; how many jids went. */
  prune(now?: number): Promise<number>;
  /** Bytes the minion's returns and scheduled-job records count against its job-cache quota. */
  used(id: string): Promise<number>;
}

/** What the mine's readers need of the registry: the grains and pillar a minion is matched on. */
export interface Subjects {
  subject(id: string): TargetSubject;
}

/** The mine: each minion's latest published data by function, with who may read it. */
export interface MineApi {
  /** Replace or merge `id`'s functions; over `minion_quota_mine_bytes` nothing changes and QuotaExceeded is thrown. */
  update(id: string, fns: Dict, acl?: Record<string, MineAcl>, clear?: boolean): Promise<void>;
  /** Everything `id` has in the mine (the operator's view). */
  of(id: string): Promise<Dict | undefined>;
  /** Minions with mine data, sorted. */
  ids(): Promise<string[]>;
  delete(id: string): Promise<void>;
  /** `{minion: value}` of `fun` for accepted minions matching the target whose ACL lets `requester` (null: operator) read. */
  get(tgt: string | string[], fun: string, tgtType: TargetType, subjects: Subjects, accepted: Set<string>, nodegroups: Record<string, string | string[]>, requester: string | null): Promise<Dict>;
}

/** The grains each minion last reported (as reported: the operator's pins apply on top, in Registry). */
export interface GrainsApi {
  /** Over `minion_quota_grains_bytes` they are refused (QuotaExceeded). */
  setGrains(id: string, grains: Dict): Promise<void>;
  grains(id: string): Promise<Dict | undefined>;
  /** Every minion's cached grains (a starting master loads them for targeting). */
  all(): Promise<Record<string, Dict>>;
  /** Drop a minion whose key was deleted. */
  forget(id: string): Promise<void>;
}

export interface Store {
  readonly kind: 'disk' | 'postgresql';
  /** This master's name in the store's records (key history, who published a job). */
  readonly master: string;
  readonly keys: KeyStoreApi;
  readonly jobs: JobCacheApi;
  readonly mine: MineApi;
  readonly grains: GrainsApi;
  close(): Promise<void>;
}
