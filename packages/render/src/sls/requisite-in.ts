/**
 * Salt 3006's `requisite_in` for the apply path and show_lowstate: each `X_in` (and `use`, `prereq`) becomes an
 * extend of its targets (`require_in: [{file: a}]` on `b` adds `require: [{<b's module>: b}]` to `a`), then
 * reconcileExtend applies them. The declaring state keeps its `X_in`. Salt's quirks are kept, since low data must
 * match it: in a list, each entry also re-applies the ones before it (so `require_in: [a, b]` adds the requisite
 * to `a` twice), and `prereq` marks its targets `prerequired`.
 */
import { RenderError, isDict } from '@brine/core';
import { NameIndex, findName, reconcileExtend } from './extend';
import { bodies, firstKey, states, whereOf, type Body, type High } from './high';

const REQ_IN = new Set(['require_in', 'watch_in', 'onfail_in', 'onchanges_in', 'use', 'use_in', 'prereq', 'prereq_in']);
const REQ_IN_ALL = new Set([...REQ_IN, 'require', 'watch', 'onfail', 'onfail_stop', 'onchanges']);

interface Origin {
  id: string;
  key: string;
}

class Extends {
  readonly map = new Map<unknown, Body>();
  /** The first `_in` that named each target, for the error when it names no state. */
  readonly origin = new Map<string, Origin>();

  list(name: unknown, state: string): Record<string, unknown[]>[] {
    let ext = this.map.get(name);
    if (!ext) this.map.set(name, (ext = {}));
    return (ext[state] ??= []) as Record<string, unknown[]>[];
  }

  /** Add `{rkey: [{state: id}]}` to the target, merging into an rkey entry already there. */
  add(name: unknown, tstate: string, rkey: string, ref: Record<string, string>, from: Body, origin: Origin): void {
    const list = this.list(name, tstate);
    const ext = this.map.get(name)!;
    ext['__env__'] = from['__env__'];
    ext['__sls__'] = from['__sls__'];
    if (!this.origin.has(String(name))) this.origin.set(String(name), origin);
    let found = false;
    for (const entry of list) {
      if (firstKey(entry) === rkey) {
        entry[rkey]!.push(ref);
        found = true;
      }
    }
    if (!found) list.push({ [rkey]: [ref] });
  }
}

/** Salt's `find_sls_ids`: every (ID, module) of an SLS. */
function slsIds(sls: unknown, high: High): [string, string][] {
  const out: [string, string][] = [];
  for (const [id, body] of bodies(high)) if (body['__sls__'] === sls) for (const [mod] of states(body)) out.push([id, mod]);
  return out;
}

/** A bare-string `_in` entry: an ID (its first module) or else the first state whose `name` it is. */
function bareTarget(entry: unknown, high: High): Record<string, unknown> | undefined {
  const own = typeof entry === 'string' ? high.get(entry) : undefined;
  if (isDict(own)) return { [states(own).next().value?.[0] ?? '']: entry };
  for (const [id, body] of bodies(high)) {
    for (const [mod, run] of states(body)) {
      if (Array.isArray(run) && run.some((j) => isDict(j) && 'name' in j && j['name'] === entry)) return { [mod]: id };
    }
  }
  return undefined;
}

/** Salt's `state_args`: the argument names of one state. */
function stateArgs(id: string, state: string, high: High): Set<string> {
  const run = (high.get(id) as Body | undefined)?.[state];
  return new Set(Array.isArray(run) ? run.filter((a) => isDict(a) && Object.keys(a).length === 1).map((a) => firstKey(a)!) : []);
}

/** `use`: copy the other state's arguments that this one does not set (requisites, name and names never). */
function useArgs(from: unknown, ignore: Set<string>, into: unknown[]): void {
  if (!Array.isArray(from)) return;
  for (const arg of from) {
    if (!isDict(arg) || Object.keys(arg).length !== 1) continue;
    const k = firstKey(arg)!;
    if (!ignore.has(k) && k !== 'name' && k !== 'names') into.push(arg);
  }
}

function dotted(rkey: string, pstate: string, pname: unknown, body: Body): never {
  const w = whereOf(body);
  throw new RenderError(
    w.file,
    w.line,
    `Invalid requisite in ${rkey}: ${pstate} for ${String(pname)}, in SLS '${String(body['__sls__'])}'. Requisites must not contain dots, did you mean '${pstate.split('.')[0]}'? (name the module only)`,
  );
}

export function requisiteIn(high: High): void {
  const ext = new Extends();
  const names = new NameIndex(high);
  for (const [id, body] of bodies(high)) {
    for (const [state, run] of states(body)) {
      if (!Array.isArray(run)) continue;
      for (const arg of run) {
        const key = firstKey(arg);
        if (key === undefined || !REQ_IN.has(key)) continue;
        const rkey = key.split('_')[0]!;
        const items = (arg as Record<string, unknown>)[key];
        const origin = { id, key };
        if (isDict(items)) {
          for (const [tstate, name] of Object.entries(items)) {
            if (tstate.includes('.')) dotted(rkey, tstate, name, body);
            ext.add(name, tstate, rkey, { [state]: id }, body, origin);
          }
        }
        if (!Array.isArray(items)) continue;
        let hinges: [unknown, string][] = [];
        for (const item of items) {
          const ind = isDict(item) ? item : bareTarget(item, high);
          if (!ind || Object.keys(ind).length < 1) continue;
          const pstate = firstKey(ind)!;
          const pname = ind[pstate];
          if (pstate === 'sls') hinges = slsIds(pname, high);
          else hinges.push([pname, pstate]);
          if (pstate.includes('.')) dotted(rkey, pstate, pname, body);
          for (const [name, tstate] of hinges) {
            if (key === 'prereq_in') ext.list(id, state).push({ prerequired: [{ [tstate]: name }] });
            if (key === 'prereq') {
              for (const [extId, reqState] of findName(name, tstate, high, true, names)) ext.list(extId, reqState).push({ prerequired: [{ [state]: id }] });
              continue;
            }
            if (key === 'use_in') {
              for (const [extId, reqState] of findName(name, tstate, high, true, names)) {
                const into = ext.list(extId, reqState);
                useArgs(run, new Set([...REQ_IN_ALL, ...stateArgs(extId, tstate, high)]), into);
              }
              continue;
            }
            if (key === 'use') {
              for (const [extId, reqState] of findName(name, tstate, high, true, names)) {
                const into = ext.list(id, state);
                useArgs((high.get(extId) as Body)[reqState], new Set([...REQ_IN_ALL, ...stateArgs(id, state, high)]), into);
              }
              continue;
            }
            ext.add(name, tstate, rkey, { [state]: id }, body, origin);
          }
        }
      }
    }
  }
  high.set('__extend__', [...ext.map].map(([name, body]) => ({ [String(name)]: body })));
  reconcileExtend(high, (name, body, found) => missing(high, name, body, found, ext.origin.get(name)), true);
}

function missing(high: High, name: string, body: Body, found: number, o: Origin | undefined): never {
  const w = whereOf(o ? high.get(o.id) : body);
  const target = `${states(body).next().value?.[0] ?? 'a'} state with ID or name '${name}'`;
  const why = found === 0 ? 'which is not in this run' : `which names ${found} states`;
  throw new RenderError(
    w.file,
    w.line,
    `${o ? `state '${o.id}': ${o.key} points at ` : ''}${target}, ${why} (Salt: Cannot extend ID '${name}'; fix the target, or include the SLS that defines it)`,
  );
}
