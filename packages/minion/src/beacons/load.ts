/**
 * The `load` beacon, as Salt's: fires `{1m, 5m, 15m}` when an average is outside its `[low, high]` range, or with
 * `onchangeonly` only when one crosses a bound (first check: at startup unless `emitatstartup: False`).
 */
import * as os from 'os';
import type { Beacon, BeaconEvent } from './types';

type Key = '1m' | '5m' | '15m';
const KEYS: Key[] = ['1m', '5m', '15m'];

export class LoadBeacon implements Beacon {
  private last: Record<Key, number> | undefined;

  constructor(
    private readonly averages: Partial<Record<Key, [number, number]>>,
    private readonly onchangeonly: boolean,
    private readonly emitatstartup: boolean,
    private readonly loadavg: () => number[] = os.loadavg,
  ) {}

  async poll(): Promise<BeaconEvent[]> {
    const [a = 0, b = 0, c = 0] = this.loadavg();
    const now: Record<Key, number> = { '1m': a, '5m': b, '15m': c };
    if (this.onchangeonly && !this.last) {
      this.last = { ...now };
      if (!this.emitatstartup) return [];
    }
    let send = false;
    for (const k of KEYS) {
      const r = this.averages[k];
      if (!r) continue;
      const [lo, hi] = r;
      if (this.onchangeonly) {
        const before = this.last![k];
        if ((now[k] > hi && before < hi) || (now[k] < lo && before > lo)) send = true;
      } else if (now[k] < lo || now[k] > hi) send = true;
      if (send) break;
    }
    if (this.onchangeonly) this.last = { ...now };
    return send ? [{ data: { ...now } }] : [];
  }

  close(): void {}
}
