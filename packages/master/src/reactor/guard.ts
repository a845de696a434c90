/**
 * The reactor's loop guard: it tracks cause, not rate. Salt has no rate limit on reactions, and neither has Brine:
 * an event nobody's reaction caused (a minion asking to be accepted, a beacon, an operator's job, `event.send`) is
 * always reacted to, however many arrive. What is bounded is a chain of reactions caused by reactions: a reaction to
 * an independent event has depth 1, a reaction to an event a depth-d reaction caused has depth d + 1, and a reaction
 * deeper than `reactor_loop_limit` is not carried out (logged once per chain, as an error). A reaction whose own
 * effects fire the event that triggered it again (a job whose return matches the reactor's glob) is such a chain.
 *
 * What counts as caused by a reaction (at the reaction's depth):
 * - every event fired on the master while a reaction runs, in its async context (the reactor runs each reaction in
 *   an AsyncLocalStorage scope): the `salt/job/<jid>/new` of a job it publishes, the key events of a `wheel.key.*`,
 *   `event.send` from a `runner.event.send`, the events of the jobs a `runner.*` publishes, ...;
 * - later events of a job or runner call it started: any event whose tag is `salt/job/<jid>/...` or
 *   `salt/run/<jid>/...`, or whose data's top-level `jid` is, for a jid marked when that job's `new` event was fired
 *   (so the returns of the job, whenever they come back);
 * What is not attributed (treated as independent): events a minion fires on its own (beacons, `event.send` from a
 * state run, a minion's start or re-auth after its key was accepted), since Brine's minion events do not carry the
 * jid of the job that ran them. A loop through such events is not stopped by the guard.
 *
 * Marks are kept for the last `MAX_MARKS` jobs the reactor caused (bounded memory, no time window: a job that
 * returns an hour later is still attributed).
 */

export interface Cause {
  /** Depth of the reaction that caused the event (1: a reaction to an independent event). */
  depth: number;
  /** The chain's id: that of the independent event at its root. */
  chain: number;
}

const JOB_TAG = /^salt\/(?:job|run)\/(\d{20})(?:\/|$)/;
const MAX_MARKS = 100_000;
const MAX_CHAINS_LOGGED = 10_000;

export class CauseTracker {
  /** jid -> the reaction that started it. Insertion ordered: the oldest is forgotten first. */
  private readonly marks = new Map<string, Cause>();
  private readonly stopped = new Set<number>();
  private nextChain = 1;
  /** Reactions refused, over the tracker's life. */
  refused = 0;

  constructor(readonly limit: number) {}

  /** A new chain, for a reaction to an independent event. */
  root(): Cause {
    return { depth: 0, chain: this.nextChain++ };
  }

  /** Note that the reaction `by` started job (or runner call) `jid`. */
  mark(jid: string, by: Cause): void {
    this.marks.delete(jid);
    this.marks.set(jid, by);
    if (this.marks.size > MAX_MARKS) this.marks.delete(this.marks.keys().next().value as string);
  }

  /**
   * The cause of an event fired now: `firedBy` is the reaction whose async context fired it (if any). A job's or
   * runner's `new` event fired by a reaction marks its jid.
   */
  causeOf(tag: string, data: Record<string, unknown>, firedBy: Cause | undefined): Cause | undefined {
    const m = JOB_TAG.exec(tag);
    if (firedBy) {
      if (m && tag === `${m[0].replace(/\/$/, '')}/new`) this.mark(m[1]!, firedBy);
      return firedBy;
    }
    if (m) {
      const c = this.marks.get(m[1]!);
      if (c) return c;
    }
    const jid = data['jid'];
    return typeof jid === 'string' ? this.marks.get(jid) : undefined;
  }

  /**
   * May a reaction to an event of cause `cause` (undefined: independent) run? Answers the reaction's own cause, or
   * null when it is too deep; `firstInChain` says whether this is the chain's first refusal (the one to log loudly).
   */
  admit(cause: Cause | undefined): { reaction: Cause } | { reaction: null; depth: number; firstInChain: boolean } {
    const from = cause ?? this.root();
    const depth = from.depth + 1;
    if (depth <= this.limit) return { reaction: { depth, chain: from.chain } };
    this.refused++;
    const firstInChain = !this.stopped.has(from.chain);
    if (firstInChain) {
      if (this.stopped.size >= MAX_CHAINS_LOGGED) this.stopped.clear();
      this.stopped.add(from.chain);
    }
    return { reaction: null, depth, firstInChain };
  }
}
