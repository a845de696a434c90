/**
 * The `diskusage` and `memusage` beacons, as Salt's: fire when a mount point's (or memory's) used percentage is at
 * or above the threshold, at every check. Percentages are psutil's: disk `used / (used + available)`, memory
 * `(total - available) / total`.
 */
import * as fs from 'fs';
import type { Beacon, BeaconEvent } from './types';

/** Mount points from /proc/mounts (every one, as psutil's `disk_partitions(all=True)`), octal escapes decoded. */
export function mountPoints(text = readMounts()): string[] {
  return text
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

function readMounts(): string {
  try {
    return fs.readFileSync('/proc/mounts', 'utf8');
  } catch {
    return '';
  }
}

export function diskPercent(mount: string): number | null {
  try {
    const s = fs.statfsSync(mount);
    const used = (s.blocks - s.bfree) * s.bsize;
    const total = used + s.bavail * s.bsize;
    return total > 0 ? Math.round((used / total) * 1000) / 10 : 0;
  } catch {
    return null;
  }
}

export class DiskUsageBeacon implements Beacon {
  constructor(private readonly mounts: { pattern: string; percent: number }[], private readonly listMounts: () => string[] = mountPoints, private readonly usage: (m: string) => number | null = diskPercent) {}

  async poll(): Promise<BeaconEvent[]> {
    const out: BeaconEvent[] = [];
    const parts = this.listMounts();
    for (const { pattern, percent } of this.mounts) {
      // Salt's rule: the pattern is a regular expression anchored at both ends (a `$` is added when missing).
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${pattern.endsWith('$') ? pattern : `${pattern}$`})`);
      } catch {
        continue;
      }
      for (const m of parts) {
        if (!re.test(m)) continue;
        const used = this.usage(m);
        if (used !== null && used >= percent) out.push({ data: { diskusage: used, mount: m } });
      }
    }
    return out;
  }

  close(): void {}
}

export function memPercent(text?: string): number {
  const t = text ?? fs.readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? 0);
  const total = kb('MemTotal');
  const avail = kb('MemAvailable');
  return total > 0 ? Math.round(((total - avail) / total) * 1000) / 10 : 0;
}

export class MemUsageBeacon implements Beacon {
  constructor(private readonly percent: number, private readonly usage: () => number = () => memPercent()) {}

  async poll(): Promise<BeaconEvent[]> {
    const used = this.usage();
    return used >= this.percent ? [{ data: { memusage: used } }] : [];
  }

  close(): void {}
}
