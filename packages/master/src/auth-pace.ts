/**
 * Pacing a crowd's authentications. After a master restart every minion learns at once (its next request is
 * answered `reauth`) and would authenticate within the same second: an auth storm, answered mostly `busy`, each
 * minion trying several times. Instead the master hands out slots: each `reauth` (or `busy` to an accepted
 * minion) carries `retryMs`, the next free slot at `perSecond`, so the auths arrive at the rate the master can
 * answer, each minion once.
 *
 * A mass accept reserves a block of slots (`reserve`): the accept notice schedules the accepted minions one per slot
 * after the slots already handed out, so their auths and a crowd already paced share one timeline, not one budget
 * twice.
 *
 * The horizon is bounded by the work really waiting: never more than (accepted keys without a session) /
 * perSecond ahead, so requests from strangers naming accepted ids cannot push real minions' slots far away
 * while the fleet is up. O(1) memory.
 */
/** The furthest slot handed out (the minion caps a slot at a minute too). */
export const MAX_SLOT_S = 60;

export class AuthPace {
  private next = 0;

  constructor(readonly perSecond: number) {}

  /**
   * The delay to hand out now; `waiting`: accepted keys without a session (the crowd's size). Without it (a crowd of
   * unknown size) slots are bounded by MAX_SLOT_S only.
   */
  slot(waiting = Infinity, now = Date.now()): number {
    const step = this.stepMs;
    const horizon = now + Math.min(Math.max(1, waiting) * step, MAX_SLOT_S * 1000);
    this.next = Math.min(Math.max(this.next, now) + step, horizon);
    return Math.round(this.next - now);
  }

  /** The step between slots (ms). */
  get stepMs(): number {
    return 1000 / this.perSecond;
  }

  /**
   * Reserve `n` consecutive slots after those already handed out: the first one's delay from now (ms). Slots handed
   * out later come after the block.
   */
  reserve(n: number, now = Date.now()): number {
    const from = Math.max(this.next, now);
    this.next = from + n * this.stepMs;
    return Math.round(from - now);
  }
}
