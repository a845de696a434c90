/** What every beacon module implements: a check that returns the events to fire (Salt's `beacon(config)`). */
import type { Dict } from '@brine/core';

export interface BeaconEvent {
  /** Appended to `salt/beacon/<id>/<beacon>/` (Salt's `tag` key of the beacon's data). */
  tag?: string;
  data: Dict;
}

export interface Beacon {
  poll(): Promise<BeaconEvent[]>;
  /** Release watches (inotify) when the beacon stops. */
  close(): void;
}
