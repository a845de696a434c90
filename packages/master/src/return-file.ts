/**
 * A job's returns in one append-only file: `<jobs>/<jid>/returns.jsonl`, one JSON line per return with the minion's
 * id as its first key. A minion's newest line wins (a return sent again replaces the earlier one).
 *
 * Why one file per job and not one per minion: creating a file costs this machine's ext4 0.1-0.4 ms of CPU (create,
 * write, rename; mostly kernel and thread-pool time), so the 10,000 returns of one test.ping cost the master 1.1-4.4
 * CPU-seconds with the write-ahead log that fed those files (`npm run bench -- jobcache` on that code), about as much
 * as everything else it does for that job; appending them costs 0.06-0.09. A job also takes two inodes instead of one
 * per minion.
 *
 * What survives: a return is appended (in the kernel) before the minion is answered, so a master killed at any moment
 * loses none it acknowledged. Like every job cache file it is not fsync'd. A crash in the middle of an append leaves
 * a torn line that was never acknowledged: the next append starts on a new line, and readers name the torn line
 * (file:line) as damaged and read the rest.
 *
 * Returns that arrive in a crowd (more than 16 within 100 ms) are appended once per job per event-loop turn: one write
 * for hundreds. The promise then settles after that write, and the master answers the minion only then.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomicSync } from '@brine/core';
import type { ReturnRecord } from './jobcache';

export const RETURNS_FILE = 'returns.jsonl';
/** One file per return: how a cache written by an earlier Brine holds them (read, never written). */
const LEGACY_SUFFIX = '.ret.json';
/** The write-ahead log of an earlier Brine: replayed into the jobs' files at start. */
const LEGACY_LOG = 'returns.wal';
/** Returns within one 100 ms window before they are appended per event-loop turn. */
const CROWD = 16;
/** `{"id":"<id>"`: every line starts so (ids are letters, digits, `. _ -`). */
const LINE_ID = /^\{"id":"([A-Za-z0-9._-]+)"/;

/** The line stored for a return: its id first, so the disk usage count reads it without parsing the line. */
export function returnLine(r: ReturnRecord): string {
  const { id, ...rest } = r;
  return `${JSON.stringify({ id, ...rest })}\n`;
}

/** The minion a stored line belongs to (null: not a line this module wrote). */
export function lineOwner(line: string): string | null {
  return LINE_ID.exec(line)?.[1] ?? null;
}

/**
 * Append `text` (whole lines) to `file`, on a line of its own even after a torn line; the file and its directory
 * are made when missing. Throws what the disk says (ENOSPC...), after cutting a partial write off again.
 */
function appendLines(file: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'a+', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fd = fs.openSync(file, 'a+', 0o600);
  }
  try {
    const size = fs.fstatSync(fd).size;
    let head = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) head = '\n';
    }
    try {
      fs.writeFileSync(fd, head + text);
    } catch (e) {
      // A disk that filled up halfway: nothing of it stays (no torn line for the readers).
      try {
        fs.ftruncateSync(fd, size);
      } catch {
        /* the next append starts a new line all the same */
      }
      throw e;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Lines of one job waiting for this event-loop turn's write; `settle` resolves (or rejects) everyone waiting. */
interface Batch {
  lines: string[];
  done: Promise<void>;
  settle: (e?: unknown) => void;
}

export interface ReadReturns {
  returns: ReturnRecord[];
  /** Files, or `file:line` for a line of a returns file, that could not be read. */
  damaged: string[];
}

export class ReturnFiles {
  /** Per jid: lines to append at the end of this event-loop turn. */
  private readonly batches = new Map<string, Batch>();
  private flushQueued = false;
  private windowStart = 0;
  private inWindow = 0;

  constructor(private readonly jobsDir: string) {}

  private file(jid: string): string {
    return path.join(this.jobsDir, jid, RETURNS_FILE);
  }

  /**
   * Append a return's line to its job's file: at once (undefined), or in a crowd with the others of this turn (the
   * promise settles after that write). Throws at once when an immediate write fails.
   */
  append(jid: string, line: string, now = Date.now()): Promise<void> | undefined {
    if (now - this.windowStart > 100) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    this.inWindow++;
    let b = this.batches.get(jid);
    // A job with lines already waiting gets this one after them: a minion's newest return stays last.
    if (!b && this.inWindow <= CROWD) {
      appendLines(this.file(jid), line);
      return undefined;
    }
    if (!b) {
      let settle!: (e?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
      b = { lines: [], done, settle };
      this.batches.set(jid, b);
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => this.flush());
      }
    }
    b.lines.push(line);
    return b.done;
  }

  /** Write every waiting line now (the end of a turn, or the master stopping). */
  flush(): void {
    this.flushQueued = false;
    const batches = [...this.batches];
    this.batches.clear();
    for (const [jid, b] of batches) {
      try {
        appendLines(this.file(jid), b.lines.join(''));
        b.settle();
      } catch (e) {
        // Not acknowledged: the minions send these returns again.
        b.settle(e);
      }
    }
  }

  /** Every readable return of `jid` in `dir` (its job directory), by minion id; what could not be read is named. */
  read(jid: string, dir: string): ReadReturns {
    const byId = new Map<string, ReturnRecord>();
    const damaged: string[] = [];
    const take = (text: string, where: string): void => {
      try {
        const r = JSON.parse(text) as ReturnRecord;
        if (typeof r?.id !== 'string') throw new Error('no minion id');
        byId.set(r.id, r);
      } catch {
        damaged.push(where);
      }
    };
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      /* no such job yet */
    }
    // Files of an earlier Brine first: lines appended since are newer.
    for (const n of names.filter((x) => x.endsWith(LEGACY_SUFFIX)).sort()) {
      const f = path.join(dir, n);
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch {
        damaged.push(f);
        continue;
      }
      take(text, f);
    }
    if (names.includes(RETURNS_FILE)) {
      const f = path.join(dir, RETURNS_FILE);
      let text = '';
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch {
        damaged.push(f);
      }
      text.split('\n').forEach((l, i) => l && take(l, `${f}:${i + 1}`));
    }
    for (const l of this.batches.get(jid)?.lines ?? []) take(l, `${this.file(jid)} (not yet written)`);
    return { returns: [...byId.keys()].sort().map((id) => byId.get(id)!), damaged };
  }

  /** Forget the lines waiting for a job being removed. */
  forget(jid: string): void {
    this.batches.get(jid)?.settle();
    this.batches.delete(jid);
  }

  /**
   * An earlier Brine's write-ahead log (`returns.wal`, returns acknowledged but not yet in their files when it
   * stopped): its returns appended to their jobs' files, its scheduled jobs' records written, then it is removed.
   * A torn last entry (never acknowledged) is skipped.
   */
  replayLegacyLog(): void {
    const log = path.join(this.jobsDir, LEGACY_LOG);
    let text: string;
    try {
      text = fs.readFileSync(log, 'utf8');
    } catch {
      return;
    }
    for (const entry of text.split('\n')) {
      let files: { rel?: unknown; text?: unknown }[];
      try {
        files = (JSON.parse(entry) as { files?: { rel?: unknown; text?: unknown }[] }).files ?? [];
      } catch {
        continue;
      }
      for (const { rel, text: body } of files) {
        const m = typeof rel === 'string' && typeof body === 'string' ? /^(\d{20})\/([^/]+)$/.exec(rel) : null;
        if (!m) continue;
        if (m[2] === 'job.json') {
          fs.mkdirSync(path.join(this.jobsDir, m[1]!), { recursive: true, mode: 0o700 });
          writeFileAtomicSync(path.join(this.jobsDir, m[1]!, 'job.json'), body as string);
        } else if (m[2]!.endsWith(LEGACY_SUFFIX)) {
          let r: ReturnRecord;
          try {
            r = JSON.parse(body as string) as ReturnRecord;
          } catch {
            continue; // not a return: nothing to keep
          }
          appendLines(this.file(m[1]!), returnLine(r));
        }
      }
    }
    fs.rmSync(log, { force: true });
  }
}
