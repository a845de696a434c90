/**
 * The job cache, on disk under `<cachedir>/jobs/<jid>/`: `job.json` (function, target, expected minions, written
 * atomically) and `returns.jsonl`, the job's returns appended one line each (return-file.ts). Pruned after
 * `keep_jobs` hours.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError, errorMessage, LocalStorageError, type Outcome, writeFileAtomicSync } from '@brine/core';
import { validMinionId } from './keys';
import { diskBytes, type QuotaRefusals } from './quota';
import { lineOwner, ReturnFiles, RETURNS_FILE, returnLine } from './return-file';

export interface JobRecord {
  jid: string;
  fun: string;
  arg: unknown[];
  kwarg: Record<string, unknown>;
  tgt: string | string[];
  tgt_type: string;
  expected: string[];
  user: string;
  started: string;
}

export interface ReturnRecord {
  id: string;
  jid: string;
  fun: string;
  ret: unknown;
  retcode: number;
  success: boolean;
  /** How the job ended on that minion (absent in returns from before outcomes were recorded). */
  outcome?: Exclude<Outcome, 'missing'>;
  out?: string;
  received: string;
}

/** A job cache file that exists but cannot be read (truncated, not JSON): named, never taken for "no job". */
export class JobCacheDamaged extends BrineError {
  constructor(readonly file: string, cause: unknown) {
    super('job-cache', `job cache: ${file} is damaged (${errorMessage(cause)})`, { cause });
  }
}

let lastJid = '';
/** Salt-style jid: YYYYMMDDhhmmssffffff (UTC), strictly increasing within a process. */
export function newJid(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  let jid = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}${p(now.getUTCMilliseconds() * 1000, 6)}`;
  if (jid <= lastJid) jid = (BigInt(lastJid) + 1n).toString();
  lastJid = jid;
  return jid;
}

export const JID = /^\d{20}$/;

/** Per-minion limit on the job cache: its returns, and the records of the scheduled jobs it created. */
export interface JobCacheQuota {
  bytes: number;
  refusals: QuotaRefusals;
}

/** Job records kept parsed in memory (the latest jobs: every return of a job looks its record up). */
const RECENT_JOBS = 32;

export class JobCache {
  readonly dir: string;
  /** The latest job records read or written, with their expected minions as a set (LRU, RECENT_JOBS). */
  private readonly recent = new Map<string, { job: JobRecord; expected: Set<string> }>();
  /** Disk bytes per minion (whole blocks), counted from the disk on first use and again after each prune. */
  private usage: Map<string, number> | null = null;
  /** The jobs' returns files, and the lines of this turn not yet appended. */
  private readonly files: ReturnFiles;

  constructor(cachedir: string, private readonly keepHours: number, private readonly quota?: JobCacheQuota) {
    this.dir = path.join(cachedir, 'jobs');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.files = new ReturnFiles(this.dir);
  }

  /** The master at start: returns an earlier Brine acknowledged but left in its write-ahead log, into their jobs. */
  replayLegacyLog(): void {
    this.files.replayLegacyLog();
  }

  /** Append every return still waiting for this turn's write (the master stops). */
  flush(): void {
    this.files.flush();
  }

  /** What `id` holds in the job cache now (bytes of disk). */
  used(id: string): number {
    return this.usageMap().get(id) ?? 0;
  }

  private usageMap(): Map<string, number> {
    if (this.usage) return this.usage;
    const u = (this.usage = new Map<string, number>());
    const add = (id: string, n: number) => u.set(id, (u.get(id) ?? 0) + n);
    for (const jid of fs.readdirSync(this.dir).filter((n) => JID.test(n))) {
      const d = path.join(this.dir, jid);
      let names: string[];
      try {
        names = fs.readdirSync(d);
      } catch {
        continue;
      }
      for (const n of names) {
        if (n === RETURNS_FILE) {
          // Every line counts, replaced or not: each is on the disk.
          let text = '';
          try {
            text = fs.readFileSync(path.join(d, n), 'utf8');
          } catch {
            continue;
          }
          for (const line of text.split('\n')) {
            const owner = lineOwner(line);
            if (owner) add(owner, diskBytes(Buffer.byteLength(line) + 1));
          }
          continue;
        }
        const size = fs.statSync(path.join(d, n), { throwIfNoEntry: false })?.size;
        if (size === undefined) continue;
        if (n.endsWith('.ret.json')) add(n.slice(0, -'.ret.json'.length), diskBytes(size));
        else if (n === 'job.json') {
          const owner = this.scheduleOwner(path.join(d, n));
          if (owner) add(owner, diskBytes(size) + 4096);
        }
      }
    }
    return u;
  }

  /** The minion whose scheduled run created this job (its record counts against that minion), if any. */
  private scheduleOwner(file: string): string | null {
    try {
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<JobRecord>;
      return typeof j.user === 'string' && j.user.startsWith('schedule:') && Array.isArray(j.expected) && typeof j.expected[0] === 'string' ? j.expected[0] : null;
    } catch {
      return null;
    }
  }

  private jobDir(jid: string): string {
    if (!JID.test(jid)) throw new Error(`jid '${jid}' is not valid (20 digits)`);
    return path.join(this.dir, jid);
  }

  /** Writes fail with a LocalStorageError naming the file (the master answers `retry` to a disk-full return). */
  private write(dir: string, name: string, data: unknown): void {
    const file = path.join(dir, name);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomicSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    } catch (e) {
      throw new LocalStorageError(`job cache: could not write ${file}`, e);
    }
  }

  recordJob(job: JobRecord): void {
    this.write(this.jobDir(job.jid), 'job.json', job);
    this.remember(job);
  }

  private remember(job: JobRecord): void {
    this.recent.delete(job.jid);
    if (this.recent.size >= RECENT_JOBS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(job.jid, { job, expected: new Set(job.expected) });
  }

  /** Was `id` among the minions `job` expected (O(1) for a recent job)? */
  expects(job: JobRecord, id: string): boolean {
    const r = this.recent.get(job.jid);
    return r && r.job === job ? r.expected.has(id) : job.expected.includes(id);
  }

  /**
   * Store a return (appended to its job's returns file); `scheduled`: the record of the minion's own scheduled job,
   * created with it. Both count against the minion's quota, every line it sent (a return sent again is a new line):
   * over it nothing is written and QuotaExceeded is thrown. In a crowd the return is appended with the others of
   * this turn: the promise returned then settles once it is written (answer the minion after it).
   */
  recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void> | undefined {
    if (!validMinionId(r.id)) return;
    const dir = this.jobDir(r.jid);
    const line = returnLine(r);
    const jobText = scheduled ? JSON.stringify(scheduled) : '';
    // A block per return at least, as every store counts it (store/contract.test.ts).
    const charge = diskBytes(Buffer.byteLength(line)) + (scheduled ? diskBytes(Buffer.byteLength(jobText)) + 4096 : 0);
    if (this.quota) {
      const used = this.used(r.id);
      if (used + charge > this.quota.bytes) this.quota.refusals.refuse(r.id, 'job cache', used, charge, this.quota.bytes);
    }
    if (scheduled) {
      this.recent.delete(r.jid);
      this.write(dir, 'job.json', jobText);
    }
    const failed = (e: unknown) => new LocalStorageError(`job cache: could not write the return of ${r.id} to ${path.join(dir, RETURNS_FILE)}`, e);
    let written: Promise<void> | undefined;
    try {
      written = this.files.append(r.jid, line)?.catch((e: unknown) => Promise.reject(failed(e)));
    } catch (e) {
      throw failed(e);
    }
    if (this.usage) this.usage.set(r.id, (this.usage.get(r.id) ?? 0) + charge);
    return written;
  }

  /** The job's record; null when there is none; JobCacheDamaged when its file cannot be read. */
  job(jid: string): JobRecord | null {
    if (!JID.test(jid)) return null;
    const hit = this.recent.get(jid);
    if (hit) return hit.job;
    const file = path.join(this.jobDir(jid), 'job.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new JobCacheDamaged(file, e);
    }
    let job: JobRecord;
    try {
      job = JSON.parse(text) as JobRecord;
    } catch (e) {
      throw new JobCacheDamaged(file, e);
    }
    if (Array.isArray(job?.expected)) this.remember(job);
    return job;
  }

  /** Every readable return of a job; the files (or `file:line`) that could not be read are named in `damaged`. */
  readReturns(jid: string): { returns: ReturnRecord[]; damaged: string[] } {
    return this.files.read(jid, this.jobDir(jid));
  }

  returns(jid: string): ReturnRecord[] {
    return this.readReturns(jid).returns;
  }

  /** Every job; a job whose job.json cannot be read is listed in `damaged` (by file) when given. */
  list(damaged?: string[]): JobRecord[] {
    const out: JobRecord[] = [];
    for (const jid of fs.readdirSync(this.dir).filter((n) => JID.test(n)).sort()) {
      try {
        const j = this.job(jid);
        if (j) out.push(j);
      } catch (e) {
        if (!(e instanceof JobCacheDamaged)) throw e;
        damaged?.push(e.file);
      }
    }
    return out;
  }

  /** Remove jobs older than keep_jobs hours; returns how many went. */
  prune(now = Date.now()): number {
    let n = 0;
    for (const jid of fs.readdirSync(this.dir).filter((x) => JID.test(x))) {
      const ts = Date.UTC(+jid.slice(0, 4), +jid.slice(4, 6) - 1, +jid.slice(6, 8), +jid.slice(8, 10), +jid.slice(10, 12), +jid.slice(12, 14));
      if (now - ts > this.keepHours * 3600_000) {
        fs.rmSync(path.join(this.dir, jid), { recursive: true, force: true });
        this.recent.delete(jid);
        this.files.forget(jid);
        n++;
      }
    }
    if (n > 0) this.usage = null; // counted again from the disk when next needed
    return n;
  }
}
