/**
 * Salt's `reconcile_extend`, `find_name` and `apply_exclude` over high data. Used by the apply path (and
 * show_lowstate); show_sls and show_low_sls leave `__extend__` and `__exclude__` as they are, as Salt does.
 * Extending: a requisite list is appended to, another argument replaced in place, a function string replaced;
 * anything new is appended.
 */
import { globMatch, isDict } from '@brine/core';
import { bodies, firstKey, pyIter, states, type Body, type High } from './high';

/** Salt's STATE_REQUISITE_KEYWORDS: keys whose lists an extend appends to. */
const APPENDED = new Set([
  'onchanges', 'onchanges_any', 'onfail', 'onfail_any', 'onfail_all', 'onfail_stop', 'prereq', 'prerequired',
  'watch', 'watch_any', 'require', 'require_any', 'listen',
]);

/**
 * Salt's name scan (every single-key argument of a `state` whose value is the name, one hit per argument), indexed:
 * it runs once per extend target. Callers that change a scalar argument while using it call `stale()`.
 */
export class NameIndex {
  private idx: Map<string, Map<unknown, string[]>> | undefined;

  constructor(private readonly high: High) {}

  stale(): void {
    this.idx = undefined;
  }

  ids(state: string, name: unknown): string[] {
    if (!this.idx) {
      this.idx = new Map();
      for (const [id, body] of bodies(this.high)) {
        for (const [mod, run] of states(body)) {
          if (!Array.isArray(run)) continue;
          let byValue = this.idx.get(mod);
          if (!byValue) this.idx.set(mod, (byValue = new Map()));
          for (const arg of run) {
            if (!isDict(arg)) continue;
            const keys = Object.keys(arg);
            if (keys.length !== 1) continue;
            const v = arg[keys[0]!];
            if (typeof v === 'object' && v !== null) continue;
            const l = byValue.get(v);
            if (l) l.push(id);
            else byValue.set(v, [id]);
          }
        }
      }
    }
    return this.idx.get(state)?.get(name) ?? [];
  }
}

/** Salt's `find_name`: the (ID, state) pairs a target names: the ID itself, every state of an SLS, or a `name`. */
export function findName(name: unknown, state: string, high: High, strict: boolean, names: NameIndex): [string, string][] {
  const own = typeof name === 'string' ? high.get(name) : undefined;
  if (isDict(own) && (!strict || state in own)) return [[name as string, state]];
  if (state === 'sls') {
    const out: [string, string][] = [];
    for (const [id, body] of bodies(high)) if (body['__sls__'] === name) out.push([id, Object.keys(body)[0]!]);
    return out;
  }
  return names.ids(state, name).map((id) => [id, state]);
}

/** Reports an extend entry that names no state, or several (Salt: "Cannot extend ID ..."). */
export type ExtendMissing = (name: string, body: Body, found: number) => never;

/** Apply and remove `__extend__`. */
export function reconcileExtend(high: High, missing: ExtendMissing, strict = false): void {
  const ext = high.get('__extend__');
  if (ext === undefined) return;
  high.delete('__extend__');
  const names = new NameIndex(high);
  const slsExcludes: unknown[] = ((high.get('__exclude__') as unknown[] | undefined) ?? []).flatMap((x) => (typeof x === 'string' ? [x] : isDict(x) && x['sls'] ? [x['sls']] : []));
  for (const item of ext as Record<string, Body>[]) {
    for (let [name, body] of Object.entries(item)) {
      const stateType = states(body).next().value?.[0] ?? '';
      const target = high.get(name);
      if (!isDict(target) || !(stateType in target)) {
        const ids = findName(name, stateType, high, strict, names);
        if (ids.length !== 1) missing(name, body, ids.length);
        name = ids[0]![0];
      }
      if (slsExcludes.includes(body['__sls__'])) continue;
      if (extendOne(high.get(name) as Body, body)) names.stale();
    }
  }
}

const scalarArg = (arg: unknown) => isDict(arg) && Object.values(arg).some((v) => typeof v !== 'object' || v === null);

/** Extend one body; true when an argument was replaced or a scalar one added (the name index is then stale). */
function extendOne(target: Body, body: Body): boolean {
  let changed = false;
  for (const [state, run] of states(body)) {
    const cur = target[state];
    if (!Array.isArray(cur)) {
      target[state] = run;
      changed = true;
      continue;
    }
    for (const arg of run as unknown[]) {
      let update = false;
      for (let i = 0; i < cur.length; i++) {
        const val = cur[i];
        if (typeof arg === 'string' && typeof val === 'string') {
          cur[i] = arg;
          update = true;
          continue;
        }
        if (isDict(arg) && isDict(val)) {
          const key = firstKey(arg)!;
          if (key === firstKey(val)) {
            if (APPENDED.has(key)) {
              if (!Array.isArray(val[key])) val[key] = val[key] === null || val[key] === undefined ? [] : [val[key]];
              (val[key] as unknown[]).push(...pyIter(arg[key]));
            } else {
              cur[i] = arg;
              changed = true;
            }
            update = true;
          }
          if (key === 'name' && firstKey(cur[i]) === 'names') {
            cur[i] = arg;
            changed = true;
          }
        }
      }
      if (!update) {
        cur.push(arg);
        changed ||= scalarArg(arg);
      }
    }
  }
  return changed;
}

/** Salt's `apply_exclude`: drop excluded IDs and every ID of an excluded SLS (globs allowed). */
export function applyExclude(high: High): void {
  const exclude = high.get('__exclude__');
  if (exclude === undefined) return;
  high.delete('__exclude__');
  const sls: string[] = [];
  const ids = new Set<string>();
  for (const x of exclude as unknown[]) {
    if (typeof x === 'string') sls.push(x);
    else if (isDict(x) && Object.keys(x).length === 1) {
      if (typeof x['sls'] === 'string') sls.push(x['sls']);
      else if (x['id'] !== undefined) ids.add(String(x['id']));
    }
  }
  for (const [id, body] of bodies(high)) {
    const s = body['__sls__'];
    if (typeof s === 'string' && s && sls.some((p) => globMatch(p, s))) ids.add(id);
  }
  for (const id of ids) high.delete(id);
}
