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

/** The (ID, state) pairs a requisite-style target names: the ID itself, every state of an SLS, or a `name`. */
export function findName(name: unknown, state: string, high: High, strict = false): [string, string][] {
  const own = typeof name === 'string' ? high.get(name) : undefined;
  if (isDict(own) && (!strict || state in own)) return [[name as string, state]];
  const out: [string, string][] = [];
  if (state === 'sls') {
    for (const [id, body] of bodies(high)) if (body['__sls__'] === name) out.push([id, Object.keys(body)[0]!]);
    return out;
  }
  for (const [id, body] of bodies(high)) {
    const run = body[state];
    if (!Array.isArray(run)) continue;
    for (const arg of run) {
      if (isDict(arg) && Object.keys(arg).length === 1 && Object.values(arg)[0] === name) out.push([id, state]);
    }
  }
  return out;
}

/** Reports an extend entry that names no state, or several (Salt: "Cannot extend ID ..."). */
export type ExtendMissing = (name: string, body: Body, found: number) => never;

/** Apply and remove `__extend__`. */
export function reconcileExtend(high: High, missing: ExtendMissing, strict = false): void {
  const ext = high.get('__extend__');
  if (ext === undefined) return;
  high.delete('__extend__');
  const slsExcludes: unknown[] = ((high.get('__exclude__') as unknown[] | undefined) ?? []).flatMap((x) => (typeof x === 'string' ? [x] : isDict(x) && x['sls'] ? [x['sls']] : []));
  for (const item of ext as Record<string, Body>[]) {
    for (let [name, body] of Object.entries(item)) {
      const stateType = states(body).next().value?.[0] ?? '';
      const target = high.get(name);
      if (!isDict(target) || !(stateType in target)) {
        const ids = findName(name, stateType, high, strict);
        if (ids.length !== 1) missing(name, body, ids.length);
        name = ids[0]![0];
      }
      if (slsExcludes.includes(body['__sls__'])) continue;
      extendOne(high.get(name) as Body, body);
    }
  }
}

function extendOne(target: Body, body: Body): void {
  for (const [state, run] of states(body)) {
    const cur = target[state];
    if (!Array.isArray(cur)) {
      target[state] = run;
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
            } else cur[i] = arg;
            update = true;
          }
          if (key === 'name' && firstKey(cur[i]) === 'names') cur[i] = arg;
        }
      }
      if (!update) cur.push(arg);
    }
  }
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
