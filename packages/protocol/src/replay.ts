/** Replay defences: a bounded LRU of seen values, and a sliding window for request sequence numbers. */
import { SEQ_WINDOW } from './limits';

/**
 * Remembers up to `max` values (least recently added are evicted first), each for at most `ttlMs`.
 * `ttlMs` should cover the freshness window of what it guards, so anything evicted by age is already stale.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(
    readonly max: number,
    readonly ttlMs: number = Infinity,
  ) {}

  /** True if `key` was seen (and not expired); otherwise records it and returns false. */
  checkAndAdd(key: string, now = Date.now()): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at <= this.ttlMs) return true;
    if (at !== undefined) this.seen.delete(key);
    this.seen.set(key, now);
    this.prune(now);
    return false;
  }

  has(key: string, now = Date.now()): boolean {
    const at = this.seen.get(key);
    return at !== undefined && now - at <= this.ttlMs;
  }

  add(key: string, now = Date.now()): void {
    this.seen.delete(key);
    this.seen.set(key, now);
    this.prune(now);
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    // Insertion order = age order, so expired entries are at the front.
    for (const [k, at] of this.seen) {
      if (this.seen.size <= this.max && now - at <= this.ttlMs) break;
      this.seen.delete(k);
    }
  }
}

/**
 * Anti-replay window over sequence numbers (as in IPsec/DTLS): accepts each seq once, in any order, as long
 * as it is within `size` of the highest seen. Concurrent requests over one connection may be opened out of
 * order; a strict "greater than last" check would reject them.
 */
export class SeqWindow {
  private max = 0;
  private readonly bits: Uint32Array;
  constructor(readonly size: number = SEQ_WINDOW) {
    if (size % 32 !== 0 || size <= 0) throw new RangeError('seq window: size must be a positive multiple of 32');
    this.bits = new Uint32Array(size / 32);
  }

  private bit(seq: number): [number, number] {
    const i = seq % this.size;
    return [i >>> 5, 1 << (i & 31)];
  }

  /** Accept (and record) `seq`, or return a reason it is a replay. */
  accept(seq: number): { ok: true } | { ok: false; reason: string } {
    if (!Number.isSafeInteger(seq) || seq < 1) return { ok: false, reason: `seq ${seq} is invalid` };
    if (seq > this.max) {
      // Clear the slots between the old max and the new one: they now stand for unseen numbers.
      const gap = Math.min(seq - this.max, this.size);
      for (let k = 1; k <= gap; k++) {
        const [w, m] = this.bit(this.max + k);
        this.bits[w]! &= ~m;
      }
      this.max = seq;
      const [w, m] = this.bit(seq);
      this.bits[w]! |= m;
      return { ok: true };
    }
    if (seq <= this.max - this.size) return { ok: false, reason: `seq ${seq} is older than the replay window (highest ${this.max})` };
    const [w, m] = this.bit(seq);
    if (this.bits[w]! & m) return { ok: false, reason: `seq ${seq} was already used (replay)` };
    this.bits[w]! |= m;
    return { ok: true };
  }

  get highest(): number {
    return this.max;
  }
}
