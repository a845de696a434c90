/**
 * Salt's event tags as the master fires them, and the rule for events a minion sends up (`event.send`,
 * `event.fire_master`, beacons): the sender's id always comes from its session, and the `salt/` namespace is the
 * master's except for the sender's own `salt/minion/<id>/...` and `salt/beacon/<id>/...`, so that no minion can
 * speak as another or as the master.
 */
import type { Dict } from '@brine/core';

export const TAGS = {
  jobNew: (jid: string) => `salt/job/${jid}/new`,
  jobRet: (jid: string, id: string) => `salt/job/${jid}/ret/${id}`,
  auth: 'salt/auth',
  key: 'salt/key',
  minionStart: (id: string) => `salt/minion/${id}/start`,
  minionStop: (id: string) => `salt/minion/${id}/stop`,
} as const;

/** Salt's `act` in `salt/auth` events. */
export type AuthAct = 'accept' | 'pend' | 'reject' | 'denied' | 'full';
/** Salt's `act` in `salt/key` events. */
export type KeyAct = 'accept' | 'reject' | 'delete';

/** Why minion `id` may not fire `tag`, or null when it may. */
export function minionTagRefusal(id: string, tag: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(tag)) return 'an event tag may not hold control characters';
  if (!tag.startsWith('salt/')) return null;
  if (tag.startsWith(`salt/minion/${id}/`) || tag.startsWith(`salt/beacon/${id}/`)) return null;
  return `minion ${id} may not fire '${tag.slice(0, 200)}': tags under salt/ are the master's, except salt/minion/${id}/... and salt/beacon/${id}/...`;
}

/**
 * The data the master fires for a minion's event. Beacon events carry their data flat with the sender's `id`, as
 * Salt's beacons do; any other event is Salt's `_minion_event` load: `{id, cmd, tag, data, pretag}` (a reactor reads
 * `data['data']`). `id` is the authenticated sender's in both.
 */
export function minionEventData(id: string, tag: string, data: unknown): Dict {
  if (tag.startsWith('salt/beacon/') && typeof data === 'object' && data !== null && !Array.isArray(data)) return { ...(data as Dict), id };
  return { id, cmd: '_minion_event', tag, data: data ?? {}, pretag: null };
}
