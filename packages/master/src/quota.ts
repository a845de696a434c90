/**
 * Per-minion quotas on what an accepted minion can make the master keep on disk: its returns in the job cache, its
 * mine data and its grains. A write over quota is refused (the minion is answered `refused` and drops it), counted,
 * and logged: the first refusal at once, then at most every 10 s per minion and kind, with the count since.
 */
import { BrineError, type Logger } from '@brine/core';

export type QuotaKind = 'job cache' | 'mine' | 'grains';

export class QuotaExceeded extends BrineError {
  constructor(readonly minion: string, readonly kind: QuotaKind, readonly limit: number) {
    super('quota', `minion '${minion}' is over its ${kind} quota (${limit} bytes) on the master: not stored`);
  }
}

/** Disk a file of `bytes` occupies at least: whole 4 KiB blocks (many tiny files fill a disk too). */
export const diskBytes = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096)) * 4096;

const LOG_EVERY_MS = 10_000;

export class QuotaRefusals {
  /** Refusals per `kind\0minion` since the master started. */
  private readonly total = new Map<string, number>();
  private readonly pending = new Map<string, { count: number; last: number }>();
  constructor(private readonly log: Logger) {}

  /** Count and (rate-limited) log a refusal, then throw it. */
  refuse(minion: string, kind: QuotaKind, used: number, size: number, limit: number): never {
    const key = `${kind}\0${minion}`;
    const total = (this.total.get(key) ?? 0) + 1;
    if (this.total.size < 100_000 || this.total.has(key)) this.total.set(key, total);
    const p = this.pending.get(key) ?? { count: 0, last: 0 };
    p.count++;
    const now = Date.now();
    if (now - p.last >= LOG_EVERY_MS) {
      this.log.warn(`quota: ${kind} write refused, minion over its quota`, { minion, used, size, limit, refused: p.count, refused_total: total });
      p.count = 0;
      p.last = now;
    }
    this.pending.set(key, p);
    throw new QuotaExceeded(minion, kind, limit);
  }

  /** Refusals counted for a minion and kind since the master started. */
  count(minion: string, kind: QuotaKind): number {
    return this.total.get(`${kind}\0${minion}`) ?? 0;
  }
}
