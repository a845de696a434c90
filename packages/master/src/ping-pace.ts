/**
 * How often the master asks its minions for a liveness ping, and how long it counts a minion as connected without
 * one.
 *
 * Each ping costs the master a decryption, a lookup and a sealed answer (about 0.35 ms, measured with 2,400
 * minions), and the minion about three times that. At the minions' own 10 s a fleet of 10,000 sends 1,000 pings a
 * second: most of a core, on the master and on the minions. So the answer to a ping carries `pingS`, the interval at
 * which this master's sessions stay within `max_ping_rate` pings a second. A minion whose own `ping_interval` is
 * shorter pings at `pingS` instead (spread over +-25%; minion/src/ping-pacer.ts). The exception is a failover
 * minion, whose `master_alive_interval` needs the answers.
 *
 * A minion counts as connected while it has pinged within LIVENESS_MS, or within two and a half of the intervals the
 * master asks for, whichever is longer. One lost ping is never enough to drop it.
 */
import { PING_HINT_MAX_S } from '@brine/protocol';

/** The shortest window: several of a minion's own 10 s pings. */
export const LIVENESS_MS = 45_000;

/** `pingS` for a ping's answer: sessions over `max_ping_rate`, whole seconds (undefined: no pacing to ask for). */
export function pingHintS(sessions: number, maxPingRate: number): number | undefined {
  if (!(maxPingRate > 0) || sessions <= 0) return undefined;
  return Math.min(PING_HINT_MAX_S, Math.ceil(sessions / maxPingRate));
}

/** How long after its last request a minion still counts as connected, given the `pingS` the master asks for. */
export function livenessWindowMs(hintS: number | undefined): number {
  return Math.max(LIVENESS_MS, hintS === undefined ? 0 : (2.5 * Math.min(hintS, PING_HINT_MAX_S) + 10) * 1000);
}
