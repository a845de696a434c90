/**
 * The `service` beacon, as Salt's: `{<service>: {running: bool}, service_name}` tagged with the service's name, at
 * every check, or with `onchangeonly` only when the status changed (after `delay` seconds, at startup unless
 * `emitatstartup: False`). `uncleanshutdown: <pidfile>` adds whether a stopped service left its pid file behind.
 */
import * as fs from 'fs';
import type { ServiceWatch } from './config';
import type { Beacon, BeaconEvent } from './types';

export type ServiceStatus = (name: string) => Promise<boolean>;

interface Last {
  running: boolean;
  /** When the status last changed (delayed reports). */
  changedAt: number;
  /** A delayed change not yet reported. */
  pending: boolean;
}

export class ServiceBeacon implements Beacon {
  private readonly last = new Map<string, Last>();

  constructor(private readonly services: Record<string, ServiceWatch>, private readonly status: ServiceStatus, private readonly now: () => number = Date.now) {}

  async poll(): Promise<BeaconEvent[]> {
    const out: BeaconEvent[] = [];
    for (const [name, w] of Object.entries(this.services)) {
      const running = await this.status(name);
      const state: Record<string, unknown> = { running };
      if (w.uncleanshutdown && !running) state['uncleanshutdown'] = fs.existsSync(w.uncleanshutdown);
      const ev: BeaconEvent = { tag: name, data: { [name]: state, service_name: name } };
      if (!w.onchangeonly) {
        out.push(ev);
        continue;
      }
      const t = this.now();
      const prev = this.last.get(name);
      if (!prev) {
        this.last.set(name, { running, changedAt: t, pending: w.delay > 0 && w.emitatstartup });
        if (w.emitatstartup && w.delay === 0) out.push(ev);
        continue;
      }
      if (prev.running !== running) this.last.set(name, { running, changedAt: t, pending: w.delay > 0 });
      const cur = this.last.get(name)!;
      if (prev.running !== running && w.delay === 0) out.push(ev);
      else if (cur.pending && t - cur.changedAt >= w.delay * 1000) {
        cur.pending = false;
        out.push(ev);
      }
    }
    return out;
  }

  close(): void {}
}
