/**
 * The ways an SLS writes one ID, normalised as Salt's `_handle_state_decls` / `_handle_extend` do:
 *   id: pkg.installed                     -> {__sls__, __env__, pkg: ['installed']}
 *   id: {pkg.installed: [{name: x}]}      -> {pkg: [{name: x}, 'installed'], __sls__, __env__}
 *   id: {service: [running, {enable: 1}]} -> unchanged, then __sls__, __env__
 * A dotted key moves to the end of the body with its function appended to its list (so `pkg.latest: [...]` next
 * to `service: [running]` comes after it, and gets the later auto order). Values that are not lists are left as
 * they are for verifyHigh to report, as Salt does.
 */
import { RenderError, isDict } from '@brine/core';
import type { Body, SlsMeta, Where } from './high';

function fail(w: Where, what: string): never {
  throw new RenderError(w.file, w.line, what);
}

function moveDotted(id: string, body: Body, meta: SlsMeta, w: Where, checkSame: boolean): void {
  const seen = new Set<string>();
  for (const key of Object.keys(body)) {
    if (key.startsWith('_') || !Array.isArray(body[key])) continue;
    const dot = key.indexOf('.');
    if (dot === -1) {
      seen.add(key);
      continue;
    }
    const mod = key.slice(0, dot);
    if (checkSame && seen.has(mod)) {
      fail(w, `ID '${id}' in SLS '${meta.sls}' contains multiple state declarations of the same type (one '${mod}' state per ID; use another ID)`);
    }
    const run = body[key] as unknown[];
    delete body[key];
    run.push(key.split('.')[1]);
    body[mod] = run;
    seen.add(mod);
  }
}

/** One top-level ID of an SLS file. */
export function stateDecls(id: string, value: unknown, meta: SlsMeta, w: Where): Body {
  if (typeof value === 'string') {
    if (!value.includes('.')) fail(w, `state '${id}': '${value}' is not a state function (write 'module.function', e.g. 'pkg.installed')`);
    const [mod, fun] = value.split('.');
    return { __sls__: meta.sls, __env__: meta.env, [mod!]: [fun] };
  }
  if (!isDict(value)) {
    fail(w, `state '${id}': the ID's value is ${value === null ? 'empty' : 'not a mapping'} (ID ${id} in SLS ${meta.sls} is not a dictionary; give it a state, e.g. '${id}:\\n  pkg.installed: []')`);
  }
  moveDotted(id, value, meta, w, true);
  if (!('__sls__' in value)) value['__sls__'] = meta.sls;
  if (!('__env__' in value)) value['__env__'] = meta.env;
  return value;
}

/** One ID under `extend:`. */
export function extendDecls(id: string, value: unknown, meta: SlsMeta, w: Where): Body {
  if (!isDict(value)) fail(w, `Extension name '${id}' in SLS '${meta.sls}' is not a dictionary (write '${id}:\\n  file:\\n    - source: ...')`);
  if (!('__sls__' in value)) value['__sls__'] = meta.sls;
  if (!('__env__' in value)) value['__env__'] = meta.env;
  moveDotted(id, value, meta, w, false);
  return value;
}
