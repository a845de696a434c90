/** The `salt` template variable: execution functions called Python-style, with grains/pillar/config.get defaults. */
import { deepMerge, isDict, traverse, type Dict } from '@brine/core';
import type { SaltFunction } from '../types';
import { bindArgs, splitArgs } from './pyvalues';
import { strict } from './undefined';

type Callable = (...args: unknown[]) => unknown;

/** Salt's signatures: `grains.get(key, default, delimiter)`, `pillar.get(key, default, merge, ..., delimiter)`. */
const GET_PARAMS = ['key', 'default', 'delimiter', 'ordered'];
const PILLAR_GET_PARAMS = ['key', 'default', 'merge', 'merge_nested_lists', 'delimiter', 'pillarenv', 'saltenv'];

function getter(sources: () => unknown[], params = GET_PARAMS): SaltFunction {
  return (args, kwargs) => {
    const bound = bindArgs(params, [...args, { ...kwargs, __keywords: true }], 'get');
    const at = (name: string) => bound[params.indexOf(name)];
    const [key, dflt, delim] = [at('key'), at('default'), at('delimiter')];
    for (const src of sources()) {
      const v = traverse(src, String(key), delim === undefined || delim === null ? ':' : String(delim));
      // merge=True: a dict default is merged under the value found, as Salt's pillar.get does.
      if (v !== undefined) return at('merge') === true && isDict(dflt) && isDict(v) ? deepMerge(dflt, v) : v;
    }
    return dflt === undefined ? '' : dflt;
  };
}

/** Default `grains.get`, `pillar.get`, `config.get` (minion opts, then grains, then pillar), over the given data. */
export function defaultSaltFunctions(data: { grains: Dict; pillar: Dict; opts: Dict }): Record<string, SaltFunction> {
  return {
    'grains.get': getter(() => [data.grains]),
    'pillar.get': getter(() => [data.pillar], PILLAR_GET_PARAMS),
    'config.get': getter(() => [data.opts, data.grains, data.pillar]),
  };
}

/** Wrap `(args, kwargs)` functions so templates can call them with nunjucks' argument convention. */
export function templateSalt(fns: Record<string, SaltFunction>): Record<string, Callable> {
  const out: Record<string, Callable> = {};
  for (const [name, fn] of Object.entries(fns)) {
    out[name] = (...raw: unknown[]) => {
      const [args, kwargs] = splitArgs(raw);
      args.forEach(strict);
      Object.values(kwargs).forEach(strict);
      const r = fn(args, kwargs);
      return r === undefined ? null : r;
    };
  }
  return out;
}
