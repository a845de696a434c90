/**
 * The ways an SLS writes one ID, normalised to Salt's high data: `{mod: ['fun', {arg: v}, ...]}`.
 *   id: pkg.installed                         short form
 *   id: {pkg.installed: [{name: x}]}          dotted key
 *   id: {service: [running, {enable: True}]}  function as a bare string in the list
 *   id: {pkg.installed: [], service.running: []}  several modules under one ID
 * A module with no function or two functions is an error.
 */
import { RenderError, isDict } from '@brine/core';

export type StateBody = unknown[]; // ['fun', {arg: v}, ...] (fun first when known)
export type IdBody = Record<string, StateBody>;

export interface Where {
  file: string;
  line: number | undefined;
}

function fail(w: Where, what: string): never {
  throw new RenderError(w.file, w.line, what);
}

/** Normalise one module's argument list; returns [function names found, single-key arg dicts]. */
function splitArgs(id: string, mod: string, value: unknown, w: Where): [string[], Record<string, unknown>[]] {
  const funs: string[] = [];
  const args: Record<string, unknown>[] = [];
  if (value === null || value === undefined) return [funs, args];
  if (isDict(value)) {
    for (const [k, v] of Object.entries(value)) args.push({ [k]: v });
    return [funs, args];
  }
  if (!Array.isArray(value)) {
    fail(w, `state '${id}': the arguments of '${mod}' are not a list (write them as a list of '- key: value' entries)`);
  }
  for (const item of value) {
    if (typeof item === 'string') funs.push(item);
    else if (isDict(item)) {
      const keys = Object.keys(item);
      if (keys.length !== 1) {
        fail(w, `state '${id}': argument of '${mod}' has ${keys.length} keys (${keys.join(', ')}) (write one '- key: value' entry per argument)`);
      }
      args.push(item);
    } else {
      fail(w, `state '${id}': argument '${String(item)}' of '${mod}' is neither a function name nor a 'key: value' entry (fix the list)`);
    }
  }
  return [funs, args];
}

/**
 * Normalise the body of an ID. `requireFun` is false for `extend` bodies, which may only add arguments.
 */
export function normaliseId(id: string, body: unknown, w: Where, requireFun = true): IdBody {
  if (typeof body === 'string') {
    const dot = body.indexOf('.');
    if (dot <= 0 || dot === body.length - 1) {
      fail(w, `state '${id}': '${body}' is not a state function (write 'module.function', e.g. 'pkg.installed')`);
    }
    return { [body.slice(0, dot)]: [body.slice(dot + 1)] };
  }
  if (!isDict(body)) {
    fail(w, `state '${id}': the ID's value is ${body === null ? 'empty' : 'not a mapping'} (give it a state, e.g. '${id}:\\n  pkg.installed: []')`);
  }
  const out: IdBody = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('__')) continue;
    const dot = key.indexOf('.');
    const mod = dot === -1 ? key : key.slice(0, dot);
    const [funs, args] = splitArgs(id, mod, value, w);
    if (dot !== -1) funs.unshift(key.slice(dot + 1));
    if (out[mod]) fail(w, `state '${id}': module '${mod}' is declared twice (one function per module per ID; use another ID)`);
    if (funs.length > 1) {
      fail(w, `state '${id}': '${mod}' has ${funs.length} functions (${funs.join(', ')}) (one function per module per ID; split it into separate IDs)`);
    }
    if (funs.length === 0 && requireFun) {
      fail(w, `state '${id}': '${mod}' has no function (write '${mod}.<function>:' or add '- <function>' to its list)`);
    }
    if (funs[0] !== undefined && !/^\w+$/.test(funs[0])) fail(w, `state '${id}': '${funs[0]}' is not a valid function name for '${mod}' (fix the name)`);
    out[mod] = [...funs, ...args];
  }
  if (Object.keys(out).length === 0 && requireFun) fail(w, `state '${id}': no state module declared (add e.g. 'pkg.installed: []')`);
  return out;
}
