/**
 * The reactor's loop guard. A reaction whose own effects fire the event that triggered it again (a job whose
 * return matches the reactor's glob, a state run that makes a beacon fire, a service that dies as soon as it is
 * started) would run for ever. So each reactor SLS may react to one tag at most `limit` times within `windowMs`;
 * beyond that its reactions to that tag are dropped and logged. Only renders that produce reactions count (a reactor
 * SLS whose template skips an event is not looping). Dropping breaks a self-sustaining loop: with no
 * reaction there is no new event, and the key is free again once its window has passed.
 *
 * Job ids are folded out of tags (`salt/job/20261202164512345678/ret/web1` counts as `salt/job/<jid>/ret/web1`), so
 * a loop through new jobs is caught, while different minions (different tags) never share a budget.
 */

/** Salt's jids: 20 digits (a timestamp with microseconds). */
const JID = /(^|\/)\d{20}(?=\/|$)/g;

export function foldTag(tag: string): string {
  return tag.replace(JID, '$1<jid>');
}

export interface GuardVerdict {
  allowed: boolean;
  /** Reactions of this key counted in the window, this one included. */
  count: number;
  /** The first refusal since the key was last allowed: the moment to log loudly. */
  firstRefusal: boolean;
}

export class LoopGuard {
  private readonly hits = new Map<string, number[]>();
  private readonly tripped = new Set<string>();
  /** Reactions refused, over the guard's life. */
  refused = 0;

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  check(sls: string, tag: string): GuardVerdict {
    const key = `${sls}\0${foldTag(tag)}`;
    const t = this.now();
    const recent = (this.hits.get(key) ?? []).filter((x) => t - x < this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      this.refused++;
      const firstRefusal = !this.tripped.has(key);
      this.tripped.add(key);
      return { allowed: false, count: recent.length + 1, firstRefusal };
    }
    recent.push(t);
    this.hits.set(key, recent);
    this.tripped.delete(key);
    this.prune(t);
    return { allowed: true, count: recent.length, firstRefusal: false };
  }

  /** Forget keys with no reaction in the window (bounded memory with many minions). */
  private prune(t: number): void {
    if (this.hits.size < 10_000) return;
    for (const [k, v] of this.hits) if (!v.some((x) => t - x < this.windowMs)) this.hits.delete(k);
  }
}
