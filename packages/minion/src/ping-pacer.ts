/**
 * When a minion sends its next liveness ping: every `ping_interval`, or less often when its master asks (`pingS` in
 * the answer to a ping: the interval that keeps the master's whole fleet within its `max_ping_rate`; see the master's
 * ping-pace.ts). The master's interval is spread over +-25% of itself, so a fleet that starts pinging less often
 * does not keep pinging in the bursts it happened to be in.
 *
 * A failover minion (`master_type: failover` with `master_alive_interval`) keeps its own interval: its liveness
 * check needs a recent answer.
 *
 * A ping the master did not answer ends the master's interval: the next comes after the minion's own. The stretched
 * interval was the word of a master that answered; one that restarted meanwhile (or lost the request) would
 * otherwise hear from this minion, and ask it to re-authenticate, only up to 2.5 minutes later.
 */
import { PING_HINT_MAX_S } from '@brine/protocol';

export class PingPacer {
  private askedMs = 0;

  /** `ownMs`: the configured interval; `stretchable`: whether the master may make it longer. */
  constructor(private readonly ownMs: number, private readonly stretchable: boolean) {}

  /** The master's answer to a ping (any value: it is checked here). */
  heard(answer: unknown): void {
    const s = (answer as { pingS?: unknown } | undefined)?.pingS;
    this.askedMs = typeof s === 'number' && Number.isFinite(s) && s > 0 ? Math.min(s, PING_HINT_MAX_S) * 1000 : 0;
  }

  /** The ping got no answer (timed out, or the master was unreachable). */
  missed(): void {
    this.askedMs = 0;
  }

  /** Milliseconds until the next ping. */
  next(random: () => number = Math.random): number {
    if (!this.stretchable || this.askedMs <= this.ownMs) return this.ownMs;
    return Math.max(this.ownMs, this.askedMs * (0.75 + 0.5 * random()));
  }
}
