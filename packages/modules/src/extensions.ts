/**
 * Custom modules, as Salt's `_modules`, `_states` and `_grains` directories: `.js` files in the file roots are synced
 * (saltutil.sync_*, and at highstate) into the minion's extension cache, `<cachedir>/extmods/{modules,states,grains}`,
 * and loaded from there. The API (README, "Custom modules"):
 *
 *   _modules/hello.js   module.exports = { functions: { greet(args, kwargs, env) { return `hi ${args[0]}`; } } };
 *   _states/motd.js     module.exports = { functions: { present: { parse, check, apply } } };   // engine StateFunction
 *   _grains/site.js     module.exports = { site(grains) { return { site: 'lab' }; } };
 *
 * A module's name is its file name unless it exports `name`. A file that fails to load is logged and skipped: a bad
 * custom module never stops a minion.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { deepMerge, errorMessage, isDict, type Dict, type FileRoots, type Logger } from '@brine/core';
import { coreGrains, registerStateModules, type StateFunction, type StateModule } from '@brine/engine';
import { registerCustomModules } from './registry';
import type { ExecFn, ExecModule } from './types';

export const EXT_KINDS = ['modules', 'states', 'grains'] as const;
export type ExtKind = (typeof EXT_KINDS)[number];

/** What a `_modules/*.js` file exports. */
export interface CustomExecModule {
  name?: string;
  functions: Record<string, ExecFn>;
  docs?: Record<string, string>;
  /** The keyword arguments each function accepts (others are refused, as Salt does); a function not listed takes any. */
  params?: Record<string, string[]>;
}
/** What a `_states/*.js` file exports: state functions with the engine's contract (parse, check, apply, ...). */
export interface CustomStateModule {
  name?: string;
  functions: Record<string, StateFunction<unknown>>;
}
/** What a `_grains/*.js` file exports: functions that return a dict of grains (synchronously). */
export type CustomGrainsModule = Record<string, (grains: Dict) => Dict>;

export function extmodsDir(cachedir: string, kind: ExtKind): string {
  return path.join(cachedir, 'extmods', kind);
}

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Copy `_<kind>/*.js` from the roots into the extension cache; remove files the roots no longer have. Returns what
 * Salt's sync returns: `<kind>.<name>` for each file added or changed.
 */
export function syncKind(from: FileRoots | FileRoots[], cachedir: string, kind: ExtKind): string[] {
  const dir = extmodsDir(cachedir, kind);
  const wanted = new Map<string, Buffer>();
  // Several environments: each one's modules; a later environment's file of the same name wins, as in Salt's
  // extmods sync, which copies each environment's in turn.
  for (const roots of Array.isArray(from) ? from : [from]) {
    for (const rel of roots.list()) {
      const m = new RegExp(`^_${kind}/([A-Za-z0-9_-]+\\.js)$`).exec(rel);
      if (!m) continue;
      const data = roots.read(`salt://${rel}`);
      if (data !== null) wanted.set(m[1]!, data);
    }
  }
  const changed: string[] = [];
  if (wanted.size) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [file, data] of wanted) {
    const dest = path.join(dir, file);
    let have: Buffer | null = null;
    try {
      have = fs.readFileSync(dest);
    } catch {
      /* new */
    }
    if (have && sha(have) === sha(data)) continue;
    const tmp = `${dest}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, dest);
    changed.push(`${kind}.${file.replace(/\.js$/, '')}`);
  }
  let present: string[] = [];
  try {
    present = fs.readdirSync(dir);
  } catch {
    /* none */
  }
  for (const f of present) if (f.endsWith('.js') && !wanted.has(f)) fs.rmSync(path.join(dir, f), { force: true });
  return changed.sort();
}

/** Evaluate each `.js` in the extension dir of a kind afresh (a re-sync takes effect without a restart). */
function loadFiles(cachedir: string, kind: ExtKind, log: Logger): { name: string; exports: unknown }[] {
  const dir = extmodsDir(cachedir, kind);
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  } catch {
    return [];
  }
  const out: { name: string; exports: unknown }[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      delete require.cache[file];
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      out.push({ name: f.replace(/\.js$/, ''), exports: require(file) as unknown });
    } catch (e) {
      log.error(`custom module _${kind}/${f} did not load: ${errorMessage(e)}`);
    }
  }
  return out;
}

function named(kind: ExtKind, file: string, exp: unknown, log: Logger): { name: string; functions: Dict; docs?: Dict; params?: Dict } | undefined {
  if (!isDict(exp) || !isDict(exp['functions'])) {
    log.error(`custom module _${kind}/${file}.js must export { functions: { ... } }; skipped`);
    return undefined;
  }
  const name = typeof exp['name'] === 'string' && /^[A-Za-z0-9_]+$/.test(exp['name']) ? exp['name'] : file;
  return { name, functions: exp['functions'], docs: isDict(exp['docs']) ? exp['docs'] : undefined, params: isDict(exp['params']) ? exp['params'] : undefined };
}

/** Load `extmods/modules` and `extmods/states`, replacing what was loaded before. Returns the names loaded. */
export function loadExtensions(cachedir: string | undefined, log: Logger): { modules: string[]; states: string[] } {
  if (!cachedir) return { modules: [], states: [] };
  const mods: ExecModule[] = [];
  for (const { name: file, exports } of loadFiles(cachedir, 'modules', log)) {
    const m = named('modules', file, exports, log);
    if (!m) continue;
    const functions: Record<string, ExecFn> = {};
    for (const [f, fn] of Object.entries(m.functions)) if (typeof fn === 'function') functions[f] = fn as ExecFn;
    const params: Record<string, string[]> = {};
    for (const [f, p] of Object.entries(m.params ?? {})) if (Array.isArray(p)) params[f] = p.map(String);
    mods.push({ name: m.name, functions, docs: m.docs as Record<string, string> | undefined, params });
  }
  registerCustomModules(mods);
  const states: StateModule[] = [];
  for (const { name: file, exports } of loadFiles(cachedir, 'states', log)) {
    const m = named('states', file, exports, log);
    if (!m) continue;
    const functions: Record<string, StateFunction<unknown>> = {};
    for (const [f, sf] of Object.entries(m.functions)) {
      if (isDict(sf) && typeof sf['parse'] === 'function' && typeof sf['check'] === 'function' && typeof sf['apply'] === 'function') functions[f] = sf as unknown as StateFunction<unknown>;
      else log.error(`custom state ${m.name}.${f} needs parse, check and apply functions; skipped`);
    }
    states.push({ name: m.name, functions });
  }
  registerStateModules(states);
  return { modules: mods.map((m) => m.name), states: states.map((s) => s.name) };
}

/** The grains of `extmods/grains`, merged in file order (each function gets the core grains). */
export function customGrains(cachedir: string | undefined, core: Dict, log: Logger): Dict {
  const out: Dict = {};
  if (!cachedir) return out;
  for (const { name: file, exports } of loadFiles(cachedir, 'grains', log)) {
    if (!isDict(exports)) continue;
    for (const [f, fn] of Object.entries(exports)) {
      if (typeof fn !== 'function') continue;
      try {
        const g = (fn as (g: Dict) => unknown)(structuredClone(core));
        if (isDict(g)) Object.assign(out, g);
        else if (g instanceof Promise) log.error(`custom grains ${file}.${f} returned a promise; grains functions must return a dict`);
      } catch (e) {
        log.error(`custom grains ${file}.${f} failed: ${errorMessage(e)}`);
      }
    }
  }
  return out;
}

/**
 * A minion's grains: the core ones, custom grains modules over them, the config's `grains:` over both (Salt's
 * order). `fresh` recomputes the core grains instead of using the cached snapshot.
 */
export function minionGrains(opts: { id: string; cachedir?: string; grains?: Dict } & Dict, log: Logger, fresh = false): Dict {
  const base = coreGrains({ id: opts.id, custom: opts.grains, opts, fresh });
  const extra = customGrains(opts.cachedir, base, log);
  if (!Object.keys(extra).length) return base;
  return coreGrains({ id: opts.id, custom: deepMerge(extra, opts.grains ?? {}) as Dict, opts });
}
