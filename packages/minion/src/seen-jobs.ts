/**
 * Job ids this minion accepted in the last few minutes, kept on disk: the publication replay cache lives in
 * memory, so without this a publication captured shortly before a minion restart could be replayed to it after.
 */
import { isDict, readJsonFile, writeFileAtomicSync } from '@brine/core';

export class SeenJobs {
  private readonly seen = new Map<string, number>();

  /** `windowMs`: how long a publication stays acceptable (its max age plus the allowed clock skew). */
  constructor(private readonly file: string, private readonly windowMs: number, now = Date.now()) {
    const d = readJsonFile(file);
    if (isDict(d)) for (const [jid, at] of Object.entries(d)) if (typeof at === 'number' && now - at <= windowMs) this.seen.set(jid, at);
  }

  /** True when `jid` was seen already (a replay); otherwise records it. */
  checkAndAdd(jid: string, now = Date.now()): boolean {
    if (this.seen.has(jid)) return true;
    for (const [j, at] of this.seen) if (now - at > this.windowMs) this.seen.delete(j);
    this.seen.set(jid, now);
    try {
      writeFileAtomicSync(this.file, JSON.stringify(Object.fromEntries(this.seen)));
    } catch {
      // A full disk: the job still runs (and reports the disk error itself); the in-memory record still refuses a
      // replay until this minion restarts.
    }
    return false;
  }
}
