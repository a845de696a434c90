/**
 * The job cache, on disk under `<cachedir>/jobs/<jid>/`: `job.json` (function, target, expected minions) and
 * one `<minion>.json` return each. Written atomically; pruned after `keep_jobs` hours.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomicSync } from '@brine/core';
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
  received: string;
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

  recordJob(job: JobRecord): void {
    const d = this.jobDir(job.jid);
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path.join(d, 'job.json'), JSON.stringify(job));
  }

  recordReturn(r: ReturnRecord): void {
    if (!validMinionId(r.id)) return;
    const d = this.jobDir(r.jid);
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path.join(d, `${r.id}.ret.json`), JSON.stringify(r));
  }

  job(jid: string): JobRecord | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.jobDir(jid), 'job.json'), 'utf8')) as JobRecord;
    } catch {
      return null;
    }
  }

  returns(jid: string): ReturnRecord[] {
    const d = this.jobDir(jid);
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.ret.json'))
      .sort()
      .map((n) => JSON.parse(fs.readFileSync(path.join(d, n), 'utf8')) as ReturnRecord);
  }

  list(): JobRecord[] {
    return fs
      .readdirSync(this.dir)
      .filter((n) => JID.test(n))
      .sort()
      .map((jid) => this.job(jid))
      .filter((j): j is JobRecord => j !== null);
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
