/**
 * The embedded on-disk store behind the store contract: thin asynchronous wrappers over today's KeyStore, JobCache,
 * MineStore and Registry (unchanged). Key history, which the files do not keep, goes to an append-only JSON-lines
 * file beside the key directories.
 */
import * as fs from 'fs';
import * as path from 'path';
import { nullLogger, type Dict, type TargetType } from '@brine/core';
import { JobCache, JobCacheDamaged, type JobRecord, type ReturnRecord } from '../jobcache';
import { KEY_STATES, KeyStore, type AuthDecision, type KeyState } from '../keys';
import { MineStore, type MineAcl } from '../mine';
import { GrainPins } from '../pinned-grains';
import type { QuotaRefusals } from '../quota';
import { Registry } from '../registry';
import { fingerOf, type KeyPolicy } from './key-rules';
import type { GrainsApi, JobCacheApi, KeyChange, KeyStoreApi, MineApi, Store, Subjects } from './types';

export class DiskKeys implements KeyStoreApi {
  constructor(
    readonly keys: KeyStore,
    private readonly master: string,
    /** Where key changes are appended, one JSON object a line. */
    readonly historyFile: string,
  ) {}

  private note(id: string, from: KeyState | null, to: KeyState | null, pem: string | null, by: string): void {
    const c: KeyChange = { id, from, to, fingerprint: pem === null ? null : fingerOf(pem), by, master: this.master, at: new Date().toISOString() };
    fs.appendFileSync(this.historyFile, `${JSON.stringify(c)}\n`, { mode: 0o600 });
  }

  async read(state: KeyState, id: string): Promise<string | null> {
    return this.keys.read(state, id);
  }

  async stateOf(id: string): Promise<KeyState | null> {
    return this.keys.stateOf(id);
  }

  async list(): Promise<Record<KeyState, string[]>> {
    return this.keys.list();
  }

  async count(state: KeyState): Promise<number> {
    return this.keys.count(state);
  }

  async decide(id: string, pem: string): Promise<AuthDecision> {
    const pendingBefore = this.keys.read('pending', id) !== null;
    const acceptedBefore = this.keys.read('accepted', id) !== null;
    const d = this.keys.decide(id, pem);
    if (d.conflict) this.note(id, null, 'denied', pem, 'minion');
    else if (d.created) this.note(id, null, 'pending', pem, 'minion');
    else if (d.state === 'accepted' && !acceptedBefore) this.note(id, pendingBefore ? 'pending' : null, 'accepted', pem, 'autosign');
    return d;
  }

  private moved(ids: string[], before: Record<KeyState, string[]>, from: KeyState[], to: KeyState, by: string): string[] {
    for (const id of ids) {
      const was = from.find((s) => before[s].includes(id)) ?? null;
      this.note(id, was, to, this.keys.read(to, id), by);
    }
    return ids;
  }

  async accept(glob: string, includeRejected = false, by = 'operator'): Promise<string[]> {
    const before = this.keys.list();
    return this.moved(this.keys.accept(glob, includeRejected), before, includeRejected ? ['pending', 'rejected'] : ['pending'], 'accepted', by);
  }

  async reject(glob: string, includeAccepted = false, by = 'operator'): Promise<string[]> {
    const before = this.keys.list();
    return this.moved(this.keys.reject(glob, includeAccepted), before, includeAccepted ? ['pending', 'accepted'] : ['pending'], 'rejected', by);
  }

  async delete(glob: string, by = 'operator'): Promise<string[]> {
    const before = this.keys.list();
    const pems = new Map<string, string | null>();
    for (const s of KEY_STATES) for (const id of before[s]) pems.set(`${s}/${id}`, this.keys.read(s, id));
    const gone = this.keys.delete(glob);
    for (const id of gone) for (const s of KEY_STATES) if (before[s].includes(id)) this.note(id, s, null, pems.get(`${s}/${id}`) ?? null, by);
    return gone;
  }

  async expirePending(maxAgeMs: number, now = Date.now()): Promise<string[]> {
    const gone = this.keys.expirePending(maxAgeMs, now);
    for (const id of gone) this.note(id, 'pending', null, null, 'expiry');
    return gone;
  }

  async fingers(glob = '*', damaged?: string[]): Promise<Record<KeyState, Record<string, string>>> {
    return this.keys.fingers(glob, damaged);
  }

  async history(id?: string): Promise<KeyChange[]> {
    let text: string;
    try {
      text = fs.readFileSync(this.historyFile, 'utf8');
    } catch {
      return [];
    }
    const out: KeyChange[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const c = JSON.parse(line) as KeyChange;
        if (id === undefined || c.id === id) out.push(c);
      } catch {
        /* a line cut short by a crash */
      }
    }
    return out;
  }
}

export class DiskJobs implements JobCacheApi {
  /** Deliveries made by this master, by jid (one master: memory is the whole truth). */
  private readonly claims = new Map<string, Set<string>>();
  constructor(readonly cache: JobCache) {}

  async recordJob(job: JobRecord): Promise<boolean> {
    try {
      if (this.cache.job(job.jid)) return false;
    } catch (e) {
      if (!(e instanceof JobCacheDamaged)) throw e; // a damaged record is written again
    }
    this.cache.recordJob(job);
    return true;
  }

  async recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void> {
    await this.cache.recordReturn(r, scheduled);
  }

  async job(jid: string): Promise<JobRecord | null> {
    return this.cache.job(jid);
  }

  async readReturns(jid: string): Promise<{ returns: ReturnRecord[]; damaged: string[] }> {
    const r = this.cache.readReturns(jid);
    r.returns.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return r;
  }

  async returns(jid: string): Promise<ReturnRecord[]> {
    return (await this.readReturns(jid)).returns;
  }

  async missing(jid: string): Promise<string[]> {
    const job = this.cache.job(jid);
    if (!job) return [];
    const back = new Set(this.cache.returns(jid).map((r) => r.id));
    return [...new Set(job.expected)].filter((id) => !back.has(id)).sort();
  }

  async claim(jid: string, minion: string): Promise<boolean> {
    const job = this.cache.job(jid);
    if (!job || !this.cache.expects(job, minion)) return false;
    let s = this.claims.get(jid);
    if (!s) this.claims.set(jid, (s = new Set()));
    if (s.has(minion)) return false;
    s.add(minion);
    return true;
  }

  async list(damaged?: string[]): Promise<JobRecord[]> {
    return this.cache.list(damaged);
  }

  async prune(now = Date.now()): Promise<number> {
    const n = this.cache.prune(now);
    if (n > 0) for (const jid of this.claims.keys()) if (!fs.existsSync(path.join(this.cache.dir, jid))) this.claims.delete(jid);
    return n;
  }

  async used(id: string): Promise<number> {
    return this.cache.used(id);
  }
}

export class DiskMine implements MineApi {
  constructor(readonly mine: MineStore) {}

  async update(id: string, fns: Dict, acl?: Record<string, MineAcl>, clear?: boolean): Promise<void> {
    this.mine.update(id, fns, acl, clear);
  }

  async of(id: string): Promise<Dict | undefined> {
    return this.mine.of(id);
  }

  async ids(): Promise<string[]> {
    return this.mine.ids().sort();
  }

  async delete(id: string): Promise<void> {
    this.mine.delete(id);
  }

  async get(tgt: string | string[], fun: string, tgtType: TargetType, subjects: Subjects, accepted: Set<string>, nodegroups: Record<string, string | string[]>, requester: string | null): Promise<Dict> {
    // MineStore.get only asks the registry for subjects.
    return this.mine.get(tgt, fun, tgtType, subjects as Registry, accepted, nodegroups, requester);
  }
}

export class DiskGrains implements GrainsApi {
  constructor(
    readonly registry: Registry,
    /** The registry's directory (`<cachedir>/minions`): one `<id>/grains.json` each. */
    private readonly dir: string,
  ) {}

  async setGrains(id: string, grains: Dict): Promise<void> {
    this.registry.setGrains(id, grains);
  }

  async grains(id: string): Promise<Dict | undefined> {
    return this.registry.info(id).grains;
  }

  async all(): Promise<Record<string, Dict>> {
    const out: Record<string, Dict> = {};
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).sort();
    } catch {
      return out;
    }
    for (const id of names) {
      const g = this.registry.info(id).grains;
      if (g) out[id] = g;
    }
    return out;
  }

  async forget(id: string): Promise<void> {
    this.registry.forget(id);
  }
}

export interface DiskStoreOptions {
  /** `<pki_dir>/minions`. */
  keysDir: string;
  cachedir: string;
  keepJobsHours: number;
  policy?: KeyPolicy;
  quota: { jobCacheBytes: number; mineBytes: number; grainsBytes: number; refusals: QuotaRefusals };
  /** Pins applied by the registry (none by default). */
  pins?: GrainPins;
  master?: string;
}

/** The on-disk store over existing instances (the running master's). */
export class DiskStore implements Store {
  readonly kind = 'disk' as const;
  constructor(
    readonly master: string,
    readonly keys: DiskKeys,
    readonly jobs: DiskJobs,
    readonly mine: DiskMine,
    readonly grains: DiskGrains,
  ) {}

  /** Open the files under the given directories, as the master lays them out. */
  static open(o: DiskStoreOptions): DiskStore {
    const master = o.master ?? 'local';
    const q = o.quota;
    const keys = new KeyStore(o.keysDir, o.policy ?? {});
    const jobs = new JobCache(o.cachedir, o.keepJobsHours, { bytes: q.jobCacheBytes, refusals: q.refusals });
    const minionsDir = path.join(o.cachedir, 'minions');
    const pins = o.pins ?? new GrainPins({}, path.join(o.cachedir, 'no-pinned-grains'), [], nullLogger);
    const registry = new Registry(minionsDir, pins, { bytes: q.grainsBytes, refusals: q.refusals });
    const mine = new MineStore(path.join(o.cachedir, 'mine'), { bytes: q.mineBytes, refusals: q.refusals });
    const historyFile = path.join(path.dirname(path.resolve(o.keysDir)), `${path.basename(o.keysDir)}-history.jsonl`);
    return new DiskStore(master, new DiskKeys(keys, master, historyFile), new DiskJobs(jobs), new DiskMine(mine), new DiskGrains(registry, minionsDir));
  }

  async close(): Promise<void> {
    this.jobs.cache.flush();
  }
}
