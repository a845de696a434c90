/**
 * Salt's `verify_high`: the structural checks show_sls, show_low_sls and apply all make. The first problem is
 * raised as a RenderError at its ID's file and line, with Salt's sentence followed by a hint.
 */
import { RenderError, isDict } from '@brine/core';
import { bodies, firstKey, states, whereOf, type Body, type High } from './high';

const LIST_REQUISITES = new Set(['require', 'watch', 'prereq', 'onchanges']);

function fail(body: Body, what: string): never {
  const w = whereOf(body);
  throw new RenderError(w.file, w.line, what);
}

/** `require: [...]` style entries: single-key dicts (or bare IDs), no dotted module, a scalar target. */
function checkRequisites(id: string, body: Body, key: string, value: unknown, reqs: Map<string, Map<unknown, string>>, state: string): void {
  const sls = String(body['__sls__']);
  if (!Array.isArray(value)) {
    fail(body, `The ${key} statement in state '${id}' in SLS '${sls}' needs to be formed as a list (write '- ${key}:' followed by '- module: ID' entries)`);
  }
  const mine = new Map<unknown, string>([['state', state]]);
  reqs.set(id, mine);
  for (const entry of value) {
    const req = typeof entry === 'string' ? { id: entry } : entry;
    if (!isDict(req)) {
      fail(body, `Requisite declaration ${JSON.stringify(entry)} in SLS ${sls} is not formed as a single key dictionary (write '- module: ID')`);
    }
    const reqKey = firstKey(req) ?? '';
    const reqVal = req[reqKey];
    if (reqKey.includes('.')) {
      fail(body, `Invalid requisite type '${reqKey}' in state '${id}', in SLS '${sls}'. Requisite types must not contain dots, did you mean '${reqKey.split('.')[0]}'? (name the module only)`);
    }
    if (typeof reqVal === 'object' && reqVal !== null) fail(body, `Illegal requisite "${JSON.stringify(reqVal)}", please check your syntax. (a requisite names one ID, name or SLS)`);
    mine.set(reqVal, reqKey);
    const theirs = typeof reqVal === 'string' ? reqs.get(reqVal) : undefined;
    if (theirs?.get(id) === state && theirs.get('state') === mine.get(reqVal)) {
      fail(body, `A recursive requisite was found, SLS "${sls}" ID "${id}" ID "${String(reqVal)}" (remove one of the two requisites)`);
    }
  }
}

function checkState(id: string, body: Body, state: string, run: unknown, reqs: Map<string, Map<unknown, string>>): void {
  const sls = String(body['__sls__']);
  if (run === null || run === undefined) {
    fail(body, `ID '${id}' in SLS '${sls}' contains a short declaration (${state}) with a trailing colon. When not passing any arguments to a state, the colon must be omitted. (write '${state}: []' or drop the colon)`);
  }
  if (!Array.isArray(run)) fail(body, `State '${id}' in SLS '${sls}' is not formed as a list (write its arguments as '- key: value' entries)`);
  const funs: string[] = state.includes('.') ? [state.slice(state.indexOf('.') + 1)] : [];
  for (const arg of run) {
    if (typeof arg === 'string') {
      funs.push(arg);
      if (arg.trim().includes(' ')) {
        fail(body, `The function "${arg}" in state "${id}" in SLS "${sls}" has whitespace, a function with whitespace is not supported, perhaps this is an argument that is missing a ":" (write '- key: value')`);
      }
    } else if (isDict(arg)) {
      const key = firstKey(arg);
      if (key === 'names' && !Array.isArray(arg[key])) fail(body, `The 'names' argument in state '${id}' in SLS '${sls}' needs to be formed as a list (write 'names:' followed by '- name' entries)`);
      if (key !== undefined && LIST_REQUISITES.has(key)) {
        checkRequisites(id, body, key, arg[key], reqs, state);
        if (Object.keys(arg).length !== 1) fail(body, `Multiple dictionaries defined in argument of state '${id}' in SLS '${sls}' (start a new '- ${key}:' entry on its own line)`);
      }
    }
  }
  if (funs.length === 0 && state !== 'require' && state !== 'watch') {
    fail(body, `state '${id}': '${state}' has no function (No function declared in state '${state}' in SLS '${sls}'; write '${state}.<function>:' or add '- <function>' to its list)`);
  }
  if (funs.length > 1) {
    fail(body, `state '${id}': '${state}' has ${funs.length} functions (${funs.join(', ')}) (Too many functions declared in state '${state}' in SLS '${sls}'; one function per module per ID: split it into separate IDs)`);
  }
}

export function verifyHigh(high: High): void {
  const reqs = new Map<string, Map<unknown, string>>();
  for (const [id, body] of bodies(high)) for (const [state, run] of states(body)) checkState(id, body, state, run, reqs);
}
