/**
 * Retry delays with exponential growth and jitter, so a thousand minions waiting for acceptance (or coming back
 * after a master restart) spread their attempts instead of arriving together.
 */
export class Backoff {
  private attempt = 0;
  constructor(private readonly baseMs: number, private readonly maxMs: number, private readonly rand: () => number = Math.random) {}

  /** The next delay: base * 2^n capped at max, scaled by a random factor in [0.5, 1). */
  next(): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(exp * (0.5 + this.rand() * 0.5));
  }

  reset(): void {
    this.attempt = 0;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref?.());
