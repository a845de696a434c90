/**
 * `salt/key` events for changes made to the key store, whoever made them (`brine key` writes the store directly and
 * then tells the master; the key runners run in the master): each check compares the store with the last one seen.
 */
import type { KeyState } from '../keys';
import type { EventBus } from './bus';
import { TAGS, type KeyAct } from './tags';

const ACT: Partial<Record<KeyState, KeyAct>> = { accepted: 'accept', rejected: 'reject' };

export class KeyEvents {
  private last: Map<string, KeyState> | undefined;

  constructor(private readonly bus: EventBus) {}

  /** Fire one event per key that was accepted, rejected or deleted since the last check (the first check only looks). */
  check(list: Record<KeyState, string[]>): void {
    const now = new Map<string, KeyState>();
    for (const [state, ids] of Object.entries(list) as [KeyState, string[]][]) for (const id of ids) now.set(id, state);
    const before = this.last;
    this.last = now;
    if (!before) return;
    for (const [id, state] of now) {
      const act = ACT[state];
      if (act && before.get(id) !== state) this.bus.fire(TAGS.key, { id, act, result: true });
    }
    for (const id of before.keys()) if (!now.has(id)) this.bus.fire(TAGS.key, { id, act: 'delete', result: true });
  }
}
