/**
 * The minion-key store `brine key` works on, behind one asynchronous interface (a subset of the store contract's
 * KeyStoreApi): the master's on-disk KeyStore, or with `cluster:` in the master config the PostgreSQL store the
 * masters of the cluster share. PostgreSQL's modules (and `pg`) are loaded only for a cluster, so `brine key list`
 * on a single master loads no more than before.
 */
import * as os from 'os';
import * as path from 'path';
import { BrineError, errorMessage, nullLogger } from '@brine/core';
import { loadMasterOpts, type MasterOpts } from '@brine/config';
// The key store alone, not the master's index (its server, pillar and renderer cost `brine key list` ~30 ms to load).
import { KeyStore } from '@brine/master/dist/keys';
import type { KeyStoreApi } from '@brine/master/dist/store/types';

/** What `brine key` asks of a key store; `by` names the operator in a store that keeps a history. */
export interface KeyOps extends Pick<KeyStoreApi, 'list' | 'accept' | 'reject' | 'delete' | 'fingers'> {
  /** The history of key changes; null for a store that keeps none (the on-disk one). */
  readonly history: KeyStoreApi['history'] | null;
}

export interface OpenedKeyStore {
  readonly kind: 'disk' | 'postgresql';
  readonly keys: KeyOps;
  /** The master's own public key `finger` shows first: what minions pin (master.pub, or a cluster's cluster.pub). */
  readonly localKey: { name: string; file: string };
  /** The local master's control socket directory (told of every change). */
  readonly sockDir: string;
  /** Release the store (the PostgreSQL pool); safe to call twice. */
  close(): Promise<void>;
}

/** The operator as recorded in the key history (`brine key (alice)`; under sudo, who ran sudo). */
export function operatorName(): string {
  let user = process.env['SUDO_USER'];
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = `uid ${process.getuid?.() ?? '?'}`; // no passwd entry (a container's arbitrary uid)
    }
  }
  return `brine key (${user})`;
}

/** The on-disk KeyStore's synchronous methods as KeyOps (it records no `by` and keeps no history). */
export function diskKeyOps(ks: KeyStore): KeyOps {
  return {
    list: async () => ks.list(),
    accept: async (glob, includeRejected) => ks.accept(glob, includeRejected),
    reject: async (glob, includeAccepted) => ks.reject(glob, includeAccepted),
    delete: async (glob) => ks.delete(glob),
    fingers: async (glob, damaged) => ks.fingers(glob, damaged),
    history: null,
  };
}

/** PostgreSQL could not be reached: one line naming the store (password hidden); nothing was changed. */
export class KeyStoreUnavailable extends BrineError {
  constructor(clusterId: string, dsn: string, cause: unknown) {
    super('store-unavailable', `key: cluster '${clusterId}' key store ${dsn} is unreachable (${errorMessage(cause)}): nothing was changed`, { cause });
  }
}

async function openCluster(m: MasterOpts, cluster: NonNullable<MasterOpts['cluster']>): Promise<OpenedKeyStore> {
  const [{ PgStore }, { redactDsn, StoreUnavailable }, { QuotaRefusals }] = await Promise.all([
    import('@brine/master/dist/store/pg/store'),
    import('@brine/master/dist/store/pg/connect'),
    import('@brine/master/dist/quota'),
  ]);
  const unavailable = (e: unknown): unknown => (e instanceof StoreUnavailable ? new KeyStoreUnavailable(cluster.id, redactDsn(cluster.store), (e as Error).cause ?? e) : e);
  let store: import('@brine/master/dist/store/pg/store').PgStore;
  try {
    store = await PgStore.open({
      dsn: cluster.store,
      master: cluster.name,
      keepJobsHours: m.keep_jobs,
      policy: { autoAccept: m.auto_accept, autosignFile: m.autosign_file || undefined, maxPending: m.max_pending_keys },
      quota: { jobCacheBytes: m.minion_quota_job_cache_bytes, mineBytes: m.minion_quota_mine_bytes, grainsBytes: m.minion_quota_grains_bytes, refusals: new QuotaRefusals(nullLogger) },
      poolSize: 2,
      // An idle connection the server drops is replaced on the next query; a one-shot command has nothing to log.
      onIdleError: () => undefined,
    });
  } catch (e) {
    throw unavailable(e);
  }
  const pg = store.keys;
  // Each call through its store, so an outage mid-command reads as the same one line.
  const guard = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    try {
      return await fn(...a);
    } catch (e) {
      throw unavailable(e);
    }
  };
  let closed = false;
  return {
    kind: 'postgresql',
    keys: {
      list: guard(() => pg.list()),
      accept: guard((glob: string, includeRejected?: boolean, by?: string) => pg.accept(glob, includeRejected, by)),
      reject: guard((glob: string, includeAccepted?: boolean, by?: string) => pg.reject(glob, includeAccepted, by)),
      delete: guard((glob: string, by?: string) => pg.delete(glob, by)),
      fingers: guard((glob?: string, damaged?: string[]) => pg.fingers(glob, damaged)),
      history: guard((id?: string) => pg.history(id)),
    },
    localKey: { name: 'cluster.pub', file: path.join(cluster.pki_dir, 'cluster.pub') },
    sockDir: m.sock_dir,
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
}

/** The key store of the master configured in `configDir`. */
export async function openKeyStore(configDir: string): Promise<OpenedKeyStore> {
  const m = loadMasterOpts(configDir);
  if (m.cluster) return openCluster(m, m.cluster);
  const ks = new KeyStore(path.join(m.pki_dir, 'minions'), { autoAccept: m.auto_accept, autosignFile: m.autosign_file });
  return { kind: 'disk', keys: diskKeyOps(ks), localKey: { name: 'master.pub', file: path.join(m.pki_dir, 'master.pub') }, sockDir: m.sock_dir, close: async () => undefined };
}
