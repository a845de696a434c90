/**
 * The master's event bus: every job, return, auth, key change and minion start/stop is fired here with Salt's tag
 * (`salt/job/<jid>/new`, `salt/job/<jid>/ret/<id>`, `salt/auth`, `salt/key`, `salt/minion/<id>/start`, ...).
 * Subscribers are the operator's `brine event listen` streams, the reactor and orchestrate's `wait_for_event`.
 * A subscriber that throws is logged and kept; firing never blocks the caller (delivery is synchronous and cheap,
 * subscribers queue their own slow work).
 *
 * Order: every subscriber sees the events in the order they were fired. An event fired while the bus is delivering
 * another (a subscriber that fires, or publishes a job whose `salt/job/<jid>/new` is fired, from its callback) is
 * queued and delivered once the current event has reached every subscriber (FIFO), never in the middle of it: so a
 * reaction's job can never be seen before the event that caused it.
 *
 * Taps (`tap()`) see each event synchronously at the moment it is fired, in the firer's (async) context, before any
 * queueing: the reactor uses one to note which events its reactions caused. A tap only records; it must not fire.
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
  private readonly taps = new Set<EventSubscriber>();
  /** Events fired and not yet delivered (only non-empty while a delivery is under way). */
  private readonly pending: BrineEvent[] = [];
  private delivering = false;

  constructor(private readonly log?: Logger) {}

  fire(tag: string, data: Dict = {}): BrineEvent {
    const e: BrineEvent = { tag, data: { ...data, _stamp: new Date().toISOString().replace('Z', '') } };
    for (const t of this.taps) {
      try {
        t(e);
      } catch (err) {
        this.log?.warn('event tap failed', { tag, error: String(err) });
      }
    }
    this.pending.push(e);
    if (this.delivering) return e; // re-entered from a subscriber: the outer fire delivers it, in turn
    this.delivering = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
    return e;
  }

  private deliver(e: BrineEvent): void {
    for (const s of [...this.subs]) {
      try {
        s(e);
      } catch (err) {
        this.log?.warn('event subscriber failed', { tag: e.tag, error: String(err) });
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(fn: EventSubscriber): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  /** A synchronous observer of every event as it is fired (see above). Returns the removal function. */
  tap(fn: EventSubscriber): () => void {
    this.taps.add(fn);
    return () => this.taps.delete(fn);
  }

  get subscribers(): number {
    return this.subs.size;
  }
}
