/**
 * The job cache's write-ahead log for returns that arrive in a crowd. Creating a file costs this machine's ext4
 * about 0.7 ms of the master's only thread (create, write, rename), so 10,000 returns to one test.ping cost 7 s.
 * When returns come faster than a few per 100 ms, each is appended to `<jobs>/returns.wal` instead (those of one
 * event-loop turn in one write) before the minion is answered, and its `<jid>/<id>.ret.json` is written later by
 * libuv's worker threads, off the event loop. Until then the master reads it from memory.
 *
 * What survives: a return the master acknowledged is in the kernel (the file, or the log) before the answer
 * leaves, so a master killed at any moment (SIGKILL, OOM) loses none it acknowledged: at start the log is replayed
 * into the job cache, then emptied. Like the files themselves it is not fsync'd (fsync costs ~20 ms here), so a
 * power cut can lose what the kernel had not yet written, as before. A torn last line (a crash during the append,
 * before the answer) is skipped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomicSync } from '@brine/core';

export interface LoggedReturn {
  /** Path relative to the jobs dir: `<jid>/<id>.ret.json`, and `<jid>/job.json` for a scheduled job's record. */
  files: { rel: string; text: string }[];
}

/** Returns in the log not yet written to their files, at most (beyond it the next return waits for the disk). */
export const MAX_UNWRITTEN = 50_000;
/** Returns within one 100 ms window before new ones go through the log. */
const CROWD = 16;

/** Log lines of one event-loop turn, written together; `settle` resolves (or rejects) everyone waiting on them. */
interface Batch {
  lines: string[];
  done: Promise<void>;
  settle: (e?: unknown) => void;
}

export class ReturnLog {
  private fd: number | undefined;
  private batch: Batch | undefined;
  /** Written to the log, not yet to its file: rel path -> text (the newest wins). */
  private readonly unwritten = new Map<string, string>();
  private writing = false;
  private windowStart = 0;
  private inWindow = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly dir: string) {
    this.replay();
  }

  private get file(): string {
    return path.join(this.dir, 'returns.wal');
  }

  /** Write every complete entry of a log left by a previous run to its files, then empty the log. */
  private replay(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let e: LoggedReturn;
      try {
        e = JSON.parse(line) as LoggedReturn;
      } catch {
        continue; // torn last line: never acknowledged
      }
      for (const f of e.files ?? []) if (safeRel(f.rel)) writeFileAtomicSync(path.join(this.dir, f.rel), f.text);
    }
    fs.truncateSync(this.file, 0);
  }

  /** Is a crowd arriving (or still being written)? Then returns go through the log. */
  crowded(now = Date.now()): boolean {
    if (now - this.windowStart > 100) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    this.inWindow++;
    return this.unwritten.size > 0 || this.inWindow > CROWD;
  }

  /**
   * Append to the log. The returns of one event-loop turn share one write (one syscall for a crowd, not one each):
   * the promise settles once that write is done, and the caller answers the minion only then. Throws at once when
   * the log is full or cannot be opened.
   */
  append(e: LoggedReturn): Promise<void> {
    if (this.unwritten.size >= MAX_UNWRITTEN) throw new Error(`${MAX_UNWRITTEN} returns wait to be written to the job cache`);
    this.fd ??= fs.openSync(this.file, 'a', 0o600);
    let b = this.batch;
    if (!b) {
      let settle!: (e?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
      b = this.batch = { lines: [], done, settle };
      const mine = b;
      setImmediate(() => this.writeBatch(mine));
    }
    b.lines.push(`${JSON.stringify(e)}\n`);
    for (const f of e.files) this.unwritten.set(f.rel, f.text);
    return b.done;
  }

  private writeBatch(b: Batch): void {
    if (this.batch !== b) return; // already written by flushSync
    this.batch = undefined;
    try {
      fs.writeSync(this.fd!, b.lines.join(''));
      b.settle();
    } catch (e) {
      // Not acknowledged: the minions send these returns again (their files are still written below, at most twice).
      b.settle(e);
    }
    this.drain();
  }

  /** The text of a file still only in the log. */
  pending(rel: string): string | undefined {
    return this.unwritten.get(rel);
  }

  /** Files of `jid` still only in the log (names relative to the job's dir). */
  pendingIn(jid: string): Map<string, string> {
    const out = new Map<string, string>();
    const prefix = `${jid}/`;
    for (const [rel, text] of this.unwritten) if (rel.startsWith(prefix)) out.set(rel.slice(prefix.length), text);
    return out;
  }

  /** Forget what is pending for a job being removed. */
  forget(jid: string): void {
    for (const rel of [...this.unwritten.keys()]) if (rel.startsWith(`${jid}/`)) this.unwritten.delete(rel);
  }

  /** Write the pending files in the background, a batch at a time; empty the log when all are written. */
  private drain(): void {
    if (this.writing) return;
    // The first 64 (not a copy of the whole map per batch: 10,000 pending returns made that quadratic).
    const batch = new Map<string, string>();
    for (const [rel, text] of this.unwritten) {
      batch.set(rel, text);
      if (batch.size === 64) break;
    }
    if (batch.size === 0) {
      // Everything is in its file: the log can be emptied, unless lines of this turn still wait to be appended.
      if (this.fd !== undefined && !this.batch) fs.ftruncateSync(this.fd, 0);
      return;
    }
    this.writing = true;
    void Promise.all([...batch].map(([rel, text]) => writeAtomic(path.join(this.dir, rel), text).then(() => rel))).then(
      (done) => {
        this.writing = false;
        // A newer text for the same file may have arrived meanwhile: only what was written leaves the map.
        for (const rel of done) if (this.unwritten.get(rel) === batch.get(rel)) this.unwritten.delete(rel);
        this.drain();
      },
      () => {
        // The disk refused (full?): the log keeps them; try again in a second.
        this.writing = false;
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.drain(), 1000);
        this.retryTimer.unref();
      },
    );
  }

  /** Finish writing (master stop): every pending file written, the log emptied. */
  flushSync(): void {
    clearTimeout(this.retryTimer);
    for (const [rel, text] of this.unwritten) writeFileAtomicSync(path.join(this.dir, rel), text);
    this.unwritten.clear();
    // Lines not yet appended: their returns are in their files now, which is what the waiting answers need.
    this.batch?.settle();
    this.batch = undefined;
    if (this.fd !== undefined) {
      fs.ftruncateSync(this.fd, 0);
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

function safeRel(rel: unknown): rel is string {
  return typeof rel === 'string' && /^\d{20}\/[^/]+\.json$/.test(rel) && !rel.includes('..');
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    // The job's dir almost always exists (its job.json is written first): make it only when the write says not.
    await fs.promises.writeFile(tmp, text, { mode: 0o600 }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await fs.promises.writeFile(tmp, text, { mode: 0o600 });
    });
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}
