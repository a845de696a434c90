/**
 * Salt's presence events (`presence_events: True`): `salt/presence/change` `{new, lost}` as soon as the set of
 * connected minions changes (checked every 2 s here), and `salt/presence/present` `{present}` every `loop_interval`
 * seconds (default 60, as Salt's master loop). Connected: the master's view (a session, a live subscription, and a
 * ping within the liveness window), so a minion killed outright is `lost` as soon as its connection drops.
 */
import type { EventBus } from './bus';

export class Presence {
  private last: Set<string> | undefined;
  private lastPresent = -Infinity;

  constructor(private readonly bus: EventBus, private readonly presentEveryMs: number) {}

  check(connected: string[], now = Date.now()): void {
    const cur = new Set(connected);
    const before = this.last ?? new Set<string>();
    const added = [...cur].filter((id) => !before.has(id)).sort();
    const lost = [...before].filter((id) => !cur.has(id)).sort();
    this.last = cur;
    if (added.length || lost.length) this.bus.fire('salt/presence/change', { new: added, lost });
    if (now - this.lastPresent >= this.presentEveryMs) {
      this.lastPresent = now;
      this.bus.fire('salt/presence/present', { present: [...cur].sort() });
    }
  }
}
