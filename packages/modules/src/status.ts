/** status.uptime|loadavg|meminfo|diskusage with Salt 3006's shapes (salt/modules/status.py, Linux). */
import * as fs from 'fs';
import * as os from 'os';
import { UsageError, globMatch, type Dict } from '@brine/core';
import type { ExecModule } from './types';

/** Python's datetime.isoformat() of a local time, with microseconds. */
function isoLocal(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(Math.round((ms % 1000) * 1000), 6)}`;
}

function loggedInUsers(): number {
  try {
    // utmp records are 384 bytes; ut_type 7 is USER_PROCESS (what `who` counts).
    const buf = fs.readFileSync('/var/run/utmp');
    let n = 0;
    for (let off = 0; off + 384 <= buf.length; off += 384) if (buf.readInt16LE(off) === 7) n++;
    return n;
  } catch {
    return 0;
  }
}

export function uptime(): Dict {
  const seconds = Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]));
  const sinceMs = Date.now() - seconds * 1000;
  const days = Math.floor(seconds / 86400);
  const rem = seconds % 86400;
  const time = `${Math.floor(rem / 3600)}:${String(Math.floor((rem % 3600) / 60)).padStart(2, '0')}`;
  return { seconds, since_iso: isoLocal(sinceMs), since_t: Math.floor(sinceMs / 1000), days, time, users: loggedInUsers() };
}

export function meminfo(text = fs.readFileSync('/proc/meminfo', 'utf8')): Dict {
  const out: Dict = {};
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+(\S+))?/.exec(line);
    if (m) out[m[1]!] = m[3] ? { value: m[2], unit: m[3] } : { value: m[2] };
  }
  return out;
}

/** Mount points from /proc/mounts, or the paths given (a path, or fstype glob as Salt's `*` forms). */
function diskusage(args: unknown[]): Dict {
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length > 2)
    .map((f) => ({ mnt: f[1]!.replace(/\\040/g, ' '), fstype: f[2]! }));
  let paths: string[];
  if (args.length === 0) paths = mounts.map((m) => m.mnt);
  else
    paths = args.flatMap((a) => {
      const s = String(a);
      if (s.startsWith('/')) return [s];
      return mounts.filter((m) => globMatch(s, m.fstype)).map((m) => m.mnt);
    });
  const out: Dict = {};
  for (const p of paths) {
    try {
      const st = fs.statfsSync(p);
      out[p] = { available: st.bavail * st.bsize, total: st.blocks * st.bsize };
    } catch (e) {
      if (args.length) throw new UsageError(`status.diskusage: ${p}: ${(e as Error).message}`);
    }
  }
  return out;
}

export const statusModule: ExecModule = {
  name: 'status',
  docs: {
    uptime: "seconds, since_iso, since_t, days, time (H:MM) and users.",
    loadavg: "The 1-, 5- and 15-minute load averages.",
    meminfo: "/proc/meminfo as {name: {value, unit}}.",
    diskusage: "total and available bytes per mount point (all, the paths given, or the fstypes matching a glob).",
  },
  functions: {
    uptime: () => uptime(),
    loadavg: () => {
      const [a, b, c] = os.loadavg();
      return { '1-min': a, '5-min': b, '15-min': c };
    },
    meminfo: () => meminfo(),
    diskusage: (args) => diskusage(args),
  },
};
