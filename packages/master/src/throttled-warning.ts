/**
 * A warning that can come thousands of times a second (a crowd of minions answered `busy`): logged the first time,
 * then at most once per interval per message, with how many times it happened since (and the last one's details).
 */
import type { Logger } from '@brine/core';

export class ThrottledWarning {
  private readonly seen = new Map<string, { count: number; last: number }>();

  constructor(private readonly log: Logger, private readonly everyMs: number) {}

  note(message: string, meta: Record<string, unknown>, now = Date.now()): void {
    const s = this.seen.get(message) ?? { count: 0, last: -Infinity };
    s.count++;
    if (now - s.last >= this.everyMs) {
      this.log.warn(`${message}: answered busy`, { ...meta, times: s.count });
      s.count = 0;
      s.last = now;
    }
    this.seen.set(message, s);
  }
}
