/**
 * The minion's beacons: every second (Salt's loop_interval) each beacon whose `interval` has passed is checked,
 * unless `disable_during_state_run` is set and a state run is in progress, and each event it returns is fired to
 * the master as `salt/beacon/<minion id>/<beacon name>/<tag>` with the minion's `id` in its data, as Salt's
 * minion does. A beacon that throws fires Salt's error event (`error` in the data) and keeps its place.
 */
import { errorMessage, type Dict, type Logger } from '@brine/core';
import { parseBeacons, type BeaconSpec } from './config';
import { InotifyBeacon } from './inotify';
import { LoadBeacon } from './load';
import { ServiceBeacon, type ServiceStatus } from './service';
import type { Beacon } from './types';
import { DiskUsageBeacon, MemUsageBeacon } from './usage';

export interface BeaconHost {
  id: string;
  /** A service's running status from the minion's service provider (systemd or the supervisor). */
  serviceStatus: ServiceStatus;
  /** Is a state run (state.*) in progress on this minion? */
  stateRunning: () => boolean;
  /** Send one event to the master's bus. */
  fire: (tag: string, data: Dict) => Promise<void>;
}

interface Running {
  spec: BeaconSpec;
  beacon: Beacon;
  nextAt: number;
  busy: boolean;
}

const LOOP_MS = 1000;

export function makeBeacon(spec: BeaconSpec, host: BeaconHost, log: Logger): Beacon {
  switch (spec.module) {
    case 'service':
      return new ServiceBeacon(spec.services, host.serviceStatus);
    case 'inotify':
      return new InotifyBeacon(spec.files, (msg) => log.warn(`beacon ${spec.name}: ${msg}`));
    case 'load':
      return new LoadBeacon(spec.averages, spec.onchangeonly, spec.emitatstartup);
    case 'diskusage':
      return new DiskUsageBeacon(spec.mounts);
    case 'memusage':
      return new MemUsageBeacon(spec.percent);
    default: {
      const never: never = spec;
      throw new Error(`unknown beacon ${JSON.stringify(never)}`);
    }
  }
}

export class Beacons {
  private readonly running: Running[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Events fired, and fires that failed (master away: beacon events are not queued, as in Salt). */
  fired = 0;
  lost = 0;

  constructor(config: unknown, private readonly host: BeaconHost, private readonly log: Logger) {
    const { specs, errors } = parseBeacons(config);
    for (const e of errors) log.error(`${e} (this beacon does not run)`);
    for (const spec of specs) {
      try {
        this.running.push({ spec, beacon: makeBeacon(spec, host, log), nextAt: 0, busy: false });
      } catch (e) {
        log.error(`beacons: ${spec.name}: ${errorMessage(e)} (this beacon does not run)`);
      }
    }
  }

  get names(): string[] {
    return this.running.map((r) => r.spec.name);
  }

  start(): void {
    if (!this.running.length || this.timer) return;
    this.log.info('beacons started', { beacons: this.names });
    void this.tick();
    this.timer = setInterval(() => void this.tick(), LOOP_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const r of this.running) r.beacon.close();
  }

  /** One pass of the loop (public for tests). */
  async tick(now = Date.now()): Promise<void> {
    await Promise.all(this.running.map((r) => this.check(r, now)));
  }

  private async check(r: Running, now: number): Promise<void> {
    if (r.busy || now < r.nextAt) return;
    r.nextAt = now + r.spec.intervalMs;
    if (r.spec.disableDuringStateRun && this.host.stateRunning()) {
      this.log.debug(`beacon ${r.spec.name}: skipped, a state run is in progress`);
      return;
    }
    r.busy = true;
    const base = `salt/beacon/${this.host.id}/${r.spec.name}/`;
    try {
      const events = await r.beacon.poll();
      for (const e of events) await this.send(base + (e.tag ?? ''), { ...e.data, id: e.data['id'] ?? this.host.id });
    } catch (e) {
      this.log.error(`beacon ${r.spec.name}: ${errorMessage(e)}`);
      await this.send(base, { error: errorMessage(e), id: this.host.id });
    } finally {
      r.busy = false;
    }
  }

  private async send(tag: string, data: Dict): Promise<void> {
    try {
      await this.host.fire(tag, data);
      this.fired++;
      this.log.debug('beacon event fired', { tag });
    } catch (e) {
      this.lost++;
      this.log.debug('beacon event not delivered', { tag, error: errorMessage(e) });
    }
  }
}
