/**
 * The master's event bus: every job, return, auth, key change and minion start/stop is fired here with Salt's tag
 * (`salt/job/<jid>/new`, `salt/job/<jid>/ret/<id>`, `salt/auth`, `salt/key`, `salt/minion/<id>/start`, ...).
 * Subscribers are the operator's `brine event listen` streams, the reactor and orchestrate's `wait_for_event`.
 * A subscriber that throws is logged and kept; firing never blocks the caller (delivery is synchronous and cheap,
 * subscribers queue their own slow work).
 */
import type { Dict, Logger } from '@brine/core';

export interface BrineEvent {
  tag: string;
  /** The event's data; `_stamp` (ISO time, as Salt's) is always set. */
  data: Dict;
}

export type EventSubscriber = (e: BrineEvent) => void;

export class EventBus {
  private readonly subs = new Set<EventSubscriber>();

  constructor(private readonly log?: Logger) {}

  fire(tag: string, data: Dict = {}): BrineEvent {
    const e: BrineEvent = { tag, data: { ...data, _stamp: new Date().toISOString().replace('Z', '') } };
    for (const s of [...this.subs]) {
      try {
        s(e);
      } catch (err) {
        this.log?.warn('event subscriber failed', { tag, error: String(err) });
      }
    }
    return e;
  }

  /** Returns the unsubscribe function. */
  subscribe(fn: EventSubscriber): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  get subscribers(): number {
    return this.subs.size;
  }
}
