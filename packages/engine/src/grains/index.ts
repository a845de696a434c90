/**
 * Core grains: Salt 3006.1's core grain set (salt/grains/core.py, extra.py, minion_process.py, disks.py, mdadm.py,
 * lvm.py, zfs.py) with Salt's names, types and value formats on Linux. The collectors live in collect.ts (os.ts,
 * hardware.ts, network.ts, virtual.ts do the parsing); this module decides what must be recomputed.
 *
 * Cost model (a `brine call --local` must stay fast):
 *  - computed once per process (memoised; each coreGrains() call gets a copy);
 *  - the grains Salt gets by running programs (systemctl, python3, lspci, systemd-detect-virt, dmidecode, dpkg, …)
 *    come from ONE /bin/sh pass (probe.ts), cached in `<cachedir>/grains.probe.<tag>.json` for up to an hour;
 *  - the computed grains are kept in the same file, like Salt's `grains_cache` (300 s, Salt's default expiry):
 *    the system part is reused while boot, $PATH, euid, locale environment and os-release are unchanged; the network
 *    part only while a fingerprint of the interfaces, routes, host name, /etc/hosts and resolv.conf is unchanged;
 *    cwd, pid, path, shell are always read from the process. `fresh: true` (the minion daemon) recomputes both parts.
 *  A warm call therefore reads one small JSON file and a few /proc files and never loads collect.ts.
 *
 * systeminformation is not used: its API is async, it spawns several processes (~140 ms for system/cpu/osInfo on a
 * small VM, ~20 ms just to load) and its values are not Salt's.
 *
 * pythonversion: Brine runs no Python, so pythonversion / pythonexecutable / pythonpath describe the host's
 * `python3` (the first on $PATH) when there is one — what a state that shells out to Python will meet. Without
 * python3, pythonversion is the interpreter Salt 3006.1's onedir build ships, [3, 10, 11, 'final', 0], and the other
 * two are absent.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { hostname, networkInterfaces } from 'os';
import { join, resolve } from 'path';
import { deepMerge, isDict, type Dict } from '@brine/core';
import { parse as parseYaml } from 'yaml';
import { probeKey, readProbeCache, SNAPSHOT_TTL_MS, writeProbeCache, type CacheFile, type GrainsSnapshot } from './probe';
import { readText, seedWhich, statOf, which, whichTable } from './util';

/** The Salt release whose grains (and behaviour) Brine emulates. */
export const SALT_VERSION = '3006.1';
export const SALT_VERSION_INFO = [3006, 1];

export interface GrainOptions {
  id: string;
  /** Custom grains from the minion config (`grains:`), merged over the core ones. */
  custom?: Dict;
  /**
   * The minion options: `master` (the master grain), `cachedir` (where the probe/grains cache lives; none = compute
   * once per process), `config_dir` (Salt's `<config dir>/grains` file), and Salt's switches `enable_lspci`,
   * `enable_gpu_grains`, `enable_fqdns_grains`, `append_domain`, `grains_opts`.
   */
  opts?: Dict;
  /** Recompute the grains instead of reusing the cached snapshot (program probes are still reused). */
  fresh?: boolean;
}

type Collect = typeof import('./collect');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const collect = (): Collect => require('./collect') as Collect;

let brineVersion: string | undefined;
function readBrineVersion(): string {
  if (brineVersion === undefined) {
    try {
      brineVersion = String((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Dict)['version'] ?? '');
    } catch {
      brineVersion = '';
    }
  }
  return brineVersion;
}

/** Salt's get_server_id: abs(int(sha256(id).hexdigest(), 16) % 2**31). */
export function serverId(id: string): number {
  const h = BigInt(`0x${createHash('sha256').update(id).digest('hex')}`);
  return Number(h % 2n ** 31n);
}

/** The libzmq version of an already loaded zeromq module (the minion daemon), without loading it. */
function loadedZmqVersion(): string | undefined {
  for (const [k, m] of Object.entries(require.cache)) {
    if (m?.loaded && k.endsWith('index.js') && /[\\/]zeromq[\\/]lib[\\/]index\.js$/.test(k)) {
      const v = (m.exports as { version?: unknown }).version;
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}

/** 32-bit FNV-1a, hex. */
function fnv1a(s: string, seed = 0x811c9dc5): string {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
const hash64 = (s: string): string => fnv1a(s) + fnv1a(s, 0x01000193);

const stamp = (p: string): string => {
  const st = statOf(p);
  return st ? `${st.ino}:${st.size}:${Math.floor(st.mtimeMs)}` : '-';
};

/** What the system snapshot depends on besides the probe key: locale environment and the files read for it. */
function envKey(): string {
  const e = process.env;
  return JSON.stringify([e['LANG'], e['LC_ALL'], e['LC_CTYPE'], e['LANGUAGE'], e['TZ'], e['PYTHONCOERCECLOCALE'], stamp('/etc/localtime'), stamp('/etc/os-release'), stamp('/etc/lsb-release')]);
}

/** What the network grains depend on: host name, addresses (node's view), routes, IPv6 list, hosts and resolver files. */
function networkFingerprint(): string {
  const ifs = networkInterfaces();
  let s = hostname();
  for (const name of Object.keys(ifs)) for (const a of ifs[name] ?? []) s += `|${name} ${a.address} ${a.netmask} ${a.mac}`;
  // Route tables without their use/refcount columns (they change with traffic).
  for (const line of (readText('/proc/net/route') ?? '').split('\n')) {
    const f = line.split('\t');
    s += `|${f[0]} ${f[1]} ${f[2]} ${f[3]} ${f[6]} ${f[7]}`;
  }
  for (const line of (readText('/proc/net/ipv6_route') ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    s += `|${f[0]} ${f[1]} ${f[4]} ${f[5]} ${f[8]} ${f[9]}`;
  }
  s += `|${readText('/proc/net/if_inet6') ?? ''}`;
  for (const f of ['/etc/hosts', '/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']) s += `|${stamp(f)}`;
  return hash64(`${s}|${which('ip') ?? ''}`);
}

let hostMemo: { key: string; grains: Dict } | undefined;

/** The host part of the grains (everything but id/master/server_id and configured grains), memoised per process. */
export function hostGrains(opts: Dict = {}, fresh = false): Dict {
  const memoKey = JSON.stringify([opts['cachedir'] ?? null, opts['enable_lspci'], opts['enable_gpu_grains'], opts['enable_fqdns_grains']]);
  if (hostMemo?.key === memoKey && !fresh) return hostMemo.grains;

  const key = probeKey([memoKey, stamp('/etc/os-release'), readBrineVersion(), __dirname]);
  // One file per $PATH/euid/options: the daemon and an admin's shell (different $PATH) must not evict each other.
  const dir = typeof opts['cachedir'] === 'string' && opts['cachedir'] ? opts['cachedir'] : undefined;
  const cacheFile = dir ? join(dir, `grains.probe.${fnv1a(`${process.env['PATH'] ?? ''}\0${process.geteuid?.() ?? ''}\0${memoKey}`)}.json`) : undefined;
  const cached = cacheFile ? readProbeCache(cacheFile, key) : undefined;
  if (cached) seedWhich(cached.which);

  const now = Date.now();
  const env = envKey();
  const netFp = networkFingerprint();
  const snap = cached?.snapshot;
  const snapOk = !fresh && snap !== undefined && snap.envKey === env && now - snap.at >= 0 && now - snap.at < SNAPSHOT_TTL_MS;
  let system = snapOk ? snap.system : undefined;
  let network = snapOk && snap.netFp === netFp ? snap.network : undefined;
  if (!system || !network) {
    const c = collect();
    const probe = c.probeAnswers(opts, cached);
    system ??= c.systemGrains(opts, probe);
    network ??= c.networkGrains(opts);
    if (cacheFile) {
      const snapshot: GrainsSnapshot = { at: snapOk ? snap.at : now, envKey: env, system, netFp, network };
      const file: CacheFile = { key, at: cached ? cached.at : now, which: whichTable(), results: probe.results, extras: probe.extras, snapshot };
      writeProbeCache(cacheFile, file);
    }
  }

  const envPath = (process.env['PATH'] ?? '').trim();
  const g: Dict = {
    ...system,
    ...network,
    cwd: process.cwd(),
    pid: process.pid,
    path: envPath,
    systempath: envPath.split(':'),
    shell: process.env['SHELL'] ?? '/bin/sh',
    saltpath: resolve(__dirname, '..', '..'),
    saltversion: SALT_VERSION,
    saltversioninfo: [...SALT_VERSION_INFO],
    brineversion: readBrineVersion(),
    nodejs_version: process.versions.node,
  };
  // The daemon has zeromq loaded: report the library it really uses (a CLI call keeps the cached value).
  const zmq = fresh || !g['zmqversion'] ? loadedZmqVersion() : undefined;
  if (zmq) g['zmqversion'] = zmq;
  hostMemo = { key: memoKey, grains: g };
  return g;
}

/** Forget the per-process grains (tests; a future saltutil.refresh_grains). */
export function resetGrainsCache(): void {
  hostMemo = undefined;
}

/** Salt's `<config dir>/grains` file (extra.py `config`): static grains between the core ones and `grains:` in the config. */
function grainsFile(opts: Dict): Dict {
  const dir = opts['config_dir'];
  if (typeof dir !== 'string' || !dir) return {};
  const text = readText(join(dir, 'grains'));
  if (text === undefined) return {};
  try {
    const data = parseYaml(text, { version: '1.1' }) as unknown;
    return isDict(data) ? data : {};
  } catch {
    return {}; // Salt: "Bad syntax in grains file! Skipping."
  }
}

export function coreGrains(o: GrainOptions): Dict {
  const opts = o.opts ?? {};
  const g: Dict = structuredClone(hostGrains(opts, o.fresh));
  g['id'] = o.id;
  g['server_id'] = serverId(o.id);
  g['master'] = opts['master'] ?? '';
  if ('append_domain' in opts) g['append_domain'] = opts['append_domain'];
  if (opts['grains_opts']) g['opts'] = structuredClone(opts);
  Object.assign(g, grainsFile(opts));
  const merged = (o.custom ? deepMerge(g, o.custom) : g) as Dict;
  const out: Dict = {};
  for (const k of Object.keys(merged).sort()) out[k] = merged[k];
  return out;
}

/** The interface grains alone (kept for callers of the old API). */
export function interfaceAddrs(): { ipv4: string[]; ipv6: string[]; ip4_interfaces: Record<string, string[]>; ip6_interfaces: Record<string, string[]>; hwaddr_interfaces: Record<string, string> } {
  const { interfaceGrains, linuxInterfaces } = require('./network') as typeof import('./network');
  const n = interfaceGrains(linuxInterfaces());
  return { ipv4: n.ipv4, ipv6: n.ipv6, ip4_interfaces: n.ip4_interfaces, ip6_interfaces: n.ip6_interfaces, hwaddr_interfaces: n.hwaddr_interfaces };
}
