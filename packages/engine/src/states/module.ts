/**
 * module.run (Salt 3006): call execution functions from a state.
 * - New style: every argument whose key contains a dot is a function, its value the list of arguments (mappings
 *   in it are keyword arguments, the rest positional); `fun:suffix` calls one function twice. Changes:
 *   `{<fun>: <return>}` per successful call; comment `fun: return, ...` (`Success` for a mapping without `comment`).
 * - Legacy style (a key without a dot, or nothing but `name`): `name` is the function; every other argument is a
 *   keyword argument (`m_name`, `m_fun`, `m_names`, `m_state`, `m_saltenv` pass `name`, `fun`...), `args`
 *   gives positional ones, `kwargs` more keywords. Brine's functions have no Python argspec, so keywords go by
 *   name only. Changes: `{ret: <return>}`.
 * A call fails when the function reports a failure, returns False, or returns a mapping with a non-zero `retcode`
 * or a `result: False` inside (Salt's `_get_result`). A dry run calls nothing: result None, no changes.
 * The functions come from the run's ExecCaller (packages/modules passes its registry in).
 */
import { isDict, StateArgError, type Changes, type LowChunk } from '@brine/core';
import { StateFailure, type CheckContext, type ExecCaller, type StateFunction, type StateModule } from '../types';
import type { Args } from './util';

interface Call {
  /** The key as written (`test.echo` or `test.echo:2`). */
  key: string;
  fun: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

export interface ModuleRunParams {
  legacy: boolean;
  calls: Call[];
}

const IGNORED = new Set(['name', '__reqs__', 'sfun']);
const RENAMED: Record<string, string> = { m_name: 'name', m_fun: 'fun', m_names: 'names', m_state: 'state', m_saltenv: 'saltenv' };
const FUN = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/;

/** A function's argument list: mappings are keyword arguments, everything else positional (a lone scalar too). */
function splitArgs(v: unknown): { args: unknown[]; kwargs: Record<string, unknown> } {
  if (v === undefined || v === null) return { args: [], kwargs: {} };
  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  for (const item of Array.isArray(v) ? v : [v]) {
    if (isDict(item)) Object.assign(kwargs, item);
    else args.push(item);
  }
  return { args, kwargs };
}

/** Salt's `_get_dict_result`: a `result: False` anywhere in nested mappings. */
function deepResult(node: Record<string, unknown>): boolean {
  for (const [k, v] of Object.entries(node)) {
    if (k === 'result' && v === false) return false;
    if (isDict(v) && !deepResult(v)) return false;
  }
  return true;
}

export function succeeded(ret: unknown): boolean {
  if (isDict(ret) && Number(ret['retcode'] ?? 0) !== 0) return false;
  if (typeof ret === 'boolean') return ret;
  if (isDict(ret)) return typeof ret['result'] === 'boolean' ? ret['result'] : deepResult(ret);
  return true;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  return JSON.stringify(v);
}

function execOf(ctx: CheckContext): ExecCaller {
  if (!ctx.exec) throw new Error('module.run: execution functions are not available in this run');
  return ctx.exec;
}

export const run: StateFunction<ModuleRunParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): ModuleRunParams {
    const keys = Object.keys(args).filter((k) => !IGNORED.has(k));
    const legacy = keys.some((k) => !k.includes('.')) || keys.length === 0;
    if (!legacy) {
      return {
        legacy,
        calls: keys.map((key) => {
          const fun = key.split(':')[0];
          if (!FUN.test(fun)) throw new StateArgError(ref, key, `not a function name (expected module.function)`);
          return { key, fun, ...splitArgs(args[key]) };
        }),
      };
    }
    const fun = chunk.name;
    if (!FUN.test(fun)) throw new StateArgError(ref, 'name', `${JSON.stringify(fun)} is not a function name (legacy module.run: name is module.function; or use the new style, - test.echo: [args])`);
    const kwargs: Record<string, unknown> = {};
    let pos: unknown[] = [];
    for (const k of keys) {
      if (k === 'args') {
        if (!Array.isArray(args[k])) throw new StateArgError(ref, 'args', "'args' must be a list.");
        pos = args[k] as unknown[];
      } else if (k === 'kwargs') {
        if (!isDict(args[k])) throw new StateArgError(ref, 'kwargs', "'kwargs' must be a dict.");
        Object.assign(kwargs, args[k]);
      } else kwargs[RENAMED[k] ?? k] = args[k];
    }
    return { legacy, calls: [{ key: fun, fun, args: pos, kwargs }] };
  },
  async check(p, ctx): Promise<Changes> {
    const exec = execOf(ctx);
    const missing = p.calls.map((c) => c.fun).filter((f) => !exec.has(f));
    if (missing.length) {
      throw new Error(p.legacy ? `Module function ${missing[0]} is not available` : `Unavailable function${missing.length > 1 ? 'True' : ''}: ${missing.join(', ')}.`);
    }
    return Object.fromEntries(p.calls.map((c) => [c.key, 'to be executed']));
  },
  async apply(p, _pending, ctx) {
    const exec = execOf(ctx);
    const changes: Changes = {};
    const failures: string[] = [];
    const success: string[] = [];
    for (const c of p.calls) {
      let out: { ret: unknown; ok: boolean };
      try {
        out = await exec.call(c.fun, c.args, c.kwargs);
      } catch (e) {
        if (p.legacy) throw new Error(`Module function ${c.fun} threw an exception. Exception: ${(e as Error).message}`);
        failures.push(`'${c.key}' failed: ${(e as Error).message}`);
        continue;
      }
      const ok = out.ok && succeeded(out.ret);
      if (p.legacy) {
        if (out.ret !== undefined && out.ret !== null) changes['ret'] = out.ret;
        if (!ok) throw new StateFailure(`Module function ${c.fun} executed`, changes);
        return { changes, comment: `Module function ${c.fun} executed` };
      }
      if (!ok) {
        failures.push(isDict(out.ret) ? `'${c.key}' failed: ${show(out.ret['comment'] ?? '(error message N/A)')}` : `'${c.key}': ${show(out.ret)}`);
        continue;
      }
      success.push(`${c.key}: ${isDict(out.ret) ? show(out.ret['comment'] ?? 'Success') : show(out.ret)}`);
      changes[c.key] = out.ret;
    }
    const comment = [...failures, ...success].join(', ');
    if (failures.length) throw new StateFailure(comment, changes);
    return { changes, comment };
  },
  recheck: false,
  testChanges: () => ({}),
  // Salt 3006.1 prints the plural as `FunctionTrue` (its `len(...) > 1 or ""`); kept so outputs compare equal.
  testComment: (p) => (p.legacy ? `Module function ${p.calls[0].fun} is set to execute` : `Function${p.calls.length > 1 ? 'True' : ''} ${p.calls.map((c) => c.fun).join(', ')} to be executed.`),
};

/**
 * module.wait (and its alias module.watch; Salt 3006, for older formulas): does nothing on its own; when a state it
 * watches changes, it runs the function as module.run would (Salt's mod_watch is module.run).
 */
export const wait: StateFunction<ModuleRunParams> = {
  parse: run.parse,
  check: async () => ({}),
  apply: async () => ({}),
  async watch(p, ctx) {
    await run.check(p, ctx);
    return (await run.apply(p, {}, ctx)) ?? {};
  },
  recheck: false,
  okComment: () => '',
  watchTestComment: async (p) => run.testComment!(p, {}),
};

export const moduleModule: StateModule = { name: 'module', functions: { run, wait, watch: wait } };
