/**
 * The job cache, on disk under `<cachedir>/jobs/<jid>/`: `job.json` (function, target, expected minions) and
 * one `<minion>.json` return each. Written atomically; pruned after `keep_jobs` hours.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError, errorMessage, LocalStorageError, type Outcome, writeFileAtomicSync } from '@brine/core';
import { validMinionId } from './keys';

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

export class JobCache {
  readonly dir: string;
  constructor(cachedir: string, private readonly keepHours: number) {
    this.dir = path.join(cachedir, 'jobs');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
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
      writeFileAtomicSync(file, JSON.stringify(data));
    } catch (e) {
      throw new LocalStorageError(`job cache: could not write ${file}`, e);
    }
  }

  recordJob(job: JobRecord): void {
    this.write(this.jobDir(job.jid), 'job.json', job);
  }

  recordReturn(r: ReturnRecord): void {
    if (!validMinionId(r.id)) return;
    this.write(this.jobDir(r.jid), `${r.id}.ret.json`, r);
  }

  /** The job's record; null when there is none; JobCacheDamaged when its file cannot be read. */
  job(jid: string): JobRecord | null {
    if (!JID.test(jid)) return null;
    const file = path.join(this.jobDir(jid), 'job.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new JobCacheDamaged(file, e);
    }
    try {
      return JSON.parse(text) as JobRecord;
    } catch (e) {
      throw new JobCacheDamaged(file, e);
    }
  }

  /** Every readable return of a job; the files that could not be read are named in `damaged`. */
  readReturns(jid: string): { returns: ReturnRecord[]; damaged: string[] } {
    const d = this.jobDir(jid);
    const out = { returns: [] as ReturnRecord[], damaged: [] as string[] };
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      return out;
    }
    for (const n of names.filter((x) => x.endsWith('.ret.json')).sort()) {
      try {
        const r = JSON.parse(fs.readFileSync(path.join(d, n), 'utf8')) as ReturnRecord;
        if (typeof r?.id !== 'string') throw new Error('no minion id');
        out.returns.push(r);
      } catch {
        out.damaged.push(path.join(d, n));
      }
    }
    return out;
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
        n++;
      }
    }
    return n;
  }
}
