/**
 * The minion's `beacons:` option, in Salt's list-of-dicts form:
 *
 *     beacons:
 *       service:
 *         - services:
 *             nginx: {onchangeonly: True}
 *         - interval: 5
 *         - disable_during_state_run: True
 *       web_conf:                 # a second beacon of a module: name it, and say which module
 *         - beacon_module: inotify
 *         - files:
 *             /etc/nginx/nginx.conf: {mask: [modify]}
 *
 * Each beacon is checked here into a typed spec; a bad one is reported with its name and left out (the minion runs).
 */
import { isDict, type Dict } from '@brine/core';

export interface BeaconCommon {
  /** The beacon's name in the config (the tag's `<beacon>` part). */
  name: string;
  /** Seconds between checks (Salt checks every loop, about 1 s, when unset). */
  intervalMs: number;
  disableDuringStateRun: boolean;
}

export interface ServiceWatch {
  onchangeonly: boolean;
  emitatstartup: boolean;
  /** Seconds a changed status must last before it is reported (onchangeonly only). */
  delay: number;
  /** A pid file whose presence after a stop means an unclean shutdown. */
  uncleanshutdown?: string;
}

export type InotifyChange = 'IN_MODIFY' | 'IN_CREATE' | 'IN_DELETE';

export interface InotifyWatch {
  mask: InotifyChange[];
  recurse: boolean;
  /** Path prefixes or globs whose changes are not reported. */
  exclude: string[];
}

export type BeaconSpec =
  | (BeaconCommon & { module: 'service'; services: Record<string, ServiceWatch> })
  | (BeaconCommon & { module: 'inotify'; files: Record<string, InotifyWatch> })
  | (BeaconCommon & { module: 'load'; averages: Partial<Record<'1m' | '5m' | '15m', [number, number]>>; onchangeonly: boolean; emitatstartup: boolean })
  | (BeaconCommon & { module: 'diskusage'; mounts: { pattern: string; percent: number }[] })
  | (BeaconCommon & { module: 'memusage'; percent: number });

export type BeaconModule = BeaconSpec['module'];
export const BEACON_MODULES: readonly BeaconModule[] = ['service', 'inotify', 'load', 'diskusage', 'memusage'];

export class BeaconConfigError extends Error {}

const bad = (name: string, msg: string) => new BeaconConfigError(`beacons: ${name}: ${msg}`);

/** Salt's list_to_dict: `[{a: 1}, {b: 2}]` -> `{a: 1, b: 2}`. Diskusage keeps the list (its keys are mounts). */
function listToDict(name: string, v: unknown): Dict {
  if (isDict(v)) return v;
  if (Array.isArray(v) && v.every(isDict)) return Object.assign({}, ...(v as Dict[]));
  throw bad(name, `must be a list of {option: value} (Salt's form), got ${JSON.stringify(v).slice(0, 200)}`);
}

function truthy(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
  return Boolean(v);
}

function percent(name: string, key: string, v: unknown): number {
  const n = typeof v === 'string' ? Number(v.replace('%', '').trim()) : Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw bad(name, `${key}: must be a percentage such as 63% or 63, got ${JSON.stringify(v)}`);
  return n;
}

const MASKS: Record<string, InotifyChange> = { modify: 'IN_MODIFY', create: 'IN_CREATE', delete: 'IN_DELETE', in_modify: 'IN_MODIFY', in_create: 'IN_CREATE', in_delete: 'IN_DELETE', close_write: 'IN_MODIFY', moved_to: 'IN_CREATE', moved_from: 'IN_DELETE' };

function inotifyFiles(name: string, v: unknown): Record<string, InotifyWatch> {
  const out: Record<string, InotifyWatch> = {};
  const entries: [string, unknown][] = Array.isArray(v) ? v.flatMap((x) => (typeof x === 'string' ? [[x, {}] as [string, unknown]] : isDict(x) ? Object.entries(x) : [])) : isDict(v) ? Object.entries(v) : [];
  if (!entries.length) throw bad(name, 'files: name at least one path to watch, e.g. files: {/etc/nginx/nginx.conf: {mask: [modify]}}');
  for (const [p, o] of entries) {
    if (!p.startsWith('/')) throw bad(name, `files: '${p}' must be an absolute path`);
    const opt = isDict(o) ? o : {};
    const rawMask = opt['mask'] === undefined ? ['create', 'delete', 'modify'] : Array.isArray(opt['mask']) ? opt['mask'] : [opt['mask']];
    const mask = rawMask.map((m) => {
      const c = MASKS[String(m).toLowerCase()];
      if (!c) throw bad(name, `files: ${p}: mask: '${String(m)}' is not one of ${Object.keys(MASKS).join(', ')}`);
      return c;
    });
    const exclude = Array.isArray(opt['exclude']) ? opt['exclude'].map((x) => (isDict(x) ? Object.keys(x)[0]! : String(x))) : [];
    out[p] = { mask: [...new Set(mask)], recurse: truthy(opt['recurse'], false), exclude };
  }
  return out;
}

function serviceWatches(name: string, v: unknown): Record<string, ServiceWatch> {
  if (!isDict(v) || !Object.keys(v).length) throw bad(name, 'services: name at least one service, e.g. services: {nginx: {onchangeonly: True}}');
  const out: Record<string, ServiceWatch> = {};
  for (const [svc, o] of Object.entries(v)) {
    const opt = isDict(o) ? o : {};
    const delay = Number(opt['delay'] ?? 0);
    if (!Number.isFinite(delay) || delay < 0) throw bad(name, `services: ${svc}: delay: must be seconds >= 0`);
    out[svc] = { onchangeonly: truthy(opt['onchangeonly'], false), emitatstartup: truthy(opt['emitatstartup'], true), delay, ...(typeof opt['uncleanshutdown'] === 'string' ? { uncleanshutdown: opt['uncleanshutdown'] } : {}) };
  }
  return out;
}

/** One beacon's spec, or a BeaconConfigError naming what is wrong. */
export function parseBeacon(name: string, raw: unknown): BeaconSpec | null {
  const list = Array.isArray(raw) ? raw : [raw];
  const c = listToDict(name, list);
  if (c['enabled'] !== undefined && !truthy(c['enabled'], true)) return null;
  const module = String(c['beacon_module'] ?? name) as BeaconModule;
  if (!BEACON_MODULES.includes(module)) throw bad(name, `no beacon module '${module}' (available: ${BEACON_MODULES.join(', ')}; name another module with beacon_module)`);
  const interval = c['interval'] === undefined ? 1 : Number(c['interval']);
  if (!Number.isFinite(interval) || interval <= 0) throw bad(name, `interval: must be a positive number of seconds, got ${JSON.stringify(c['interval'])}`);
  const common: BeaconCommon = { name, intervalMs: interval * 1000, disableDuringStateRun: truthy(c['disable_during_state_run'], false) };
  switch (module) {
    case 'service':
      return { ...common, module, services: serviceWatches(name, c['services']) };
    case 'inotify':
      return { ...common, module, files: inotifyFiles(name, c['files']) };
    case 'load': {
      const avg = c['averages'];
      if (!isDict(avg) || !Object.keys(avg).length) throw bad(name, "averages: give thresholds, e.g. averages: {1m: [0.0, 2.0], 5m: [0.0, 1.5]}");
      const averages: Partial<Record<'1m' | '5m' | '15m', [number, number]>> = {};
      for (const [k, r] of Object.entries(avg)) {
        if (k !== '1m' && k !== '5m' && k !== '15m') throw bad(name, `averages: '${k}' is not 1m, 5m or 15m`);
        if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isFinite(Number(x)))) throw bad(name, `averages: ${k}: must be [low, high], got ${JSON.stringify(r)}`);
        averages[k] = [Number(r[0]), Number(r[1])];
      }
      return { ...common, module, averages, onchangeonly: truthy(c['onchangeonly'], false), emitatstartup: truthy(c['emitatstartup'], true) };
    }
    case 'diskusage': {
      const reserved = new Set(['interval', 'disable_during_state_run', 'beacon_module', 'enabled']);
      const mounts = list.filter(isDict).flatMap((d) => Object.entries(d as Dict).filter(([k]) => !reserved.has(k)).map(([pattern, p]) => ({ pattern, percent: percent(name, pattern, p) })));
      if (!mounts.length) throw bad(name, "name at least one mount point and threshold, e.g. - '/': 63%");
      return { ...common, module, mounts };
    }
    case 'memusage':
      return { ...common, module, percent: percent(name, 'percent', c['percent']) };
    default: {
      const never: never = module;
      throw bad(name, `unknown module ${String(never)}`);
    }
  }
}

/** Every beacon of the `beacons:` option; the bad ones come back as errors, the rest still run. */
export function parseBeacons(v: unknown): { specs: BeaconSpec[]; errors: string[] } {
  const specs: BeaconSpec[] = [];
  const errors: string[] = [];
  if (v === undefined || v === null) return { specs, errors };
  if (!isDict(v)) return { specs, errors: ['beacons: must map beacon names to their options (Salt\'s list-of-dicts form)'] };
  if (v['enabled'] !== undefined && !truthy(v['enabled'], true)) return { specs, errors };
  for (const [name, raw] of Object.entries(v)) {
    if (name === 'enabled') continue;
    try {
      const s = parseBeacon(name, raw);
      if (s) specs.push(s);
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { specs, errors };
}
