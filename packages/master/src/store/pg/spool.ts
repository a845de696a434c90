/**
 * Returns kept on the master's disk while the shared store is unreachable, so none is lost: each one a file written
 * and fsync'd (file, then directory) before the minion is answered, replayed in arrival order once the store is back.
 * While anything is spooled, new returns join the queue behind it, so a newer return for a job is never overwritten
 * by an older one replayed later.
 */
import * as fs from 'fs';
import * as path from 'path';
import { errorMessage } from '@brine/core';
import type { JobRecord, ReturnRecord } from '../../jobcache';
import { QuotaExceeded } from '../../quota';
import type { JobCacheApi } from '../types';
import { StoreUnavailable } from './connect';

interface Entry {
  r: ReturnRecord;
  scheduled?: JobRecord;
}

export interface ReplayResult {
  /** Stored in the store and removed from the spool. */
  replayed: number;
  /** Refused by the store for the minion's quota (as they would have been at once): removed. */
  refused: number;
  /** Files that could not be read (renamed `*.damaged`) or that the store refused (`*.failed`), left for the operator. */
  damaged: string[];
  /** Still spooled (the store went away again). */
  left: number;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export class ReturnSpool {
  private seq = 0;
  /** Entries spooled (counted from the directory at start, then kept up to date). */
  private count: number;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.count = this.files().length;
  }

  /** Spooled entries, oldest first. */
  files(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  }

  get size(): number {
    return this.count;
  }

  /** Keep a return durably (written and fsync'd when this returns). */
  append(r: ReturnRecord, scheduled?: JobRecord): void {
    // Names sort in arrival order: time, then a counter within this process, then the pid against a restart's clash.
    const name = `${String(Date.now()).padStart(15, '0')}-${String(this.seq++).padStart(9, '0')}-${process.pid}.json`;
    const file = path.join(this.dir, name);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ r, ...(scheduled ? { scheduled } : {}) } satisfies Entry));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(this.dir);
    this.count++;
  }

  /**
   * Send the spooled returns to `jobs` in order, including those spooled meanwhile; stops (keeping the rest) when
   * the store is unreachable again.
   */
  async replay(jobs: JobCacheApi): Promise<ReplayResult> {
    const out: ReplayResult = { replayed: 0, refused: 0, damaged: [], left: 0 };
    for (;;) {
      const files = this.files();
      if (!files.length || !(await this.replayFiles(jobs, files, out))) break;
    }
    this.count = this.files().length;
    out.left = this.count;
    return out;
  }

  /** false: the store went away again. */
  private async replayFiles(jobs: JobCacheApi, files: string[], out: ReplayResult): Promise<boolean> {
    for (let i = 0; i < files.length; i++) {
      const file = path.join(this.dir, files[i]!);
      let entry: Entry;
      try {
        entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Entry;
        if (typeof entry?.r?.id !== 'string' || typeof entry.r.jid !== 'string') throw new Error('not a spooled return');
      } catch (e) {
        fs.renameSync(file, `${file}.damaged`);
        out.damaged.push(`${file}.damaged (${errorMessage(e)})`);
        continue;
      }
      try {
        await jobs.recordReturn(entry.r, entry.scheduled);
        out.replayed++;
      } catch (e) {
        if (e instanceof StoreUnavailable) return false;
        if (e instanceof QuotaExceeded) out.refused++;
        else {
          // Refused for what it holds (it would have been at once): set aside, never blocking the ones behind it.
          fs.renameSync(file, `${file}.failed`);
          out.damaged.push(`${file}.failed (${errorMessage(e)})`);
          continue;
        }
      }
      fs.rmSync(file, { force: true });
    }
    fsyncDir(this.dir);
    return true;
  }
}

/**
 * A job cache whose returns survive an outage of the store: recordReturn goes to the spool when the store is
 * unreachable (or while returns are still spooled), and `flush()` replays them. Everything else is the store's.
 */
export class SpooledJobs implements JobCacheApi {
  private flushing: Promise<ReplayResult> | null = null;
  constructor(
    private readonly store: JobCacheApi,
    readonly spool: ReturnSpool,
  ) {}

  async recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void> {
    if (this.spool.size === 0) {
      try {
        await this.store.recordReturn(r, scheduled);
        return;
      } catch (e) {
        if (!(e instanceof StoreUnavailable)) throw e;
      }
    }
    this.spool.append(r, scheduled);
  }

  /** Replay what is spooled (one replay at a time; a second call waits for the running one). */
  flush(): Promise<ReplayResult> {
    this.flushing ??= this.spool.replay(this.store).finally(() => (this.flushing = null));
    return this.flushing;
  }

  recordJob(job: JobRecord): Promise<boolean> {
    return this.store.recordJob(job);
  }
  job(jid: string): Promise<JobRecord | null> {
    return this.store.job(jid);
  }
  readReturns(jid: string): Promise<{ returns: ReturnRecord[]; damaged: string[] }> {
    return this.store.readReturns(jid);
  }
  returns(jid: string): Promise<ReturnRecord[]> {
    return this.store.returns(jid);
  }
  missing(jid: string): Promise<string[]> {
    return this.store.missing(jid);
  }
  claim(jid: string, minion: string): Promise<boolean> {
    return this.store.claim(jid, minion);
  }
  list(damaged?: string[]): Promise<JobRecord[]> {
    return this.store.list(damaged);
  }
  prune(now?: number): Promise<number> {
    return this.store.prune(now);
  }
  used(id: string): Promise<number> {
    return this.store.used(id);
  }
}
