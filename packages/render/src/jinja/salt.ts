/** The `salt` template variable: execution functions called Python-style, with grains/pillar/config.get defaults. */
import { traverse, type Dict } from '@brine/core';
import type { SaltFunction } from '../types';
import { bindArgs, splitArgs } from './pyvalues';
import { strict } from './undefined';

type Callable = (...args: unknown[]) => unknown;

function getter(sources: () => unknown[]): SaltFunction {
  return (args, kwargs) => {
    const [key, dflt, delim] = bindArgs(['key', 'default', 'delimiter'], [...args, { ...kwargs, __keywords: true }], 'get');
    for (const src of sources()) {
      const v = traverse(src, String(key), delim === undefined || delim === null ? ':' : String(delim));
      if (v !== undefined) return v;
    }
    return dflt === undefined ? '' : dflt;
  };
}

/** Default `grains.get`, `pillar.get`, `config.get` (minion opts, then grains, then pillar), over the given data. */
export function defaultSaltFunctions(data: { grains: Dict; pillar: Dict; opts: Dict }): Record<string, SaltFunction> {
  return {
    'grains.get': getter(() => [data.grains]),
    'pillar.get': getter(() => [data.pillar]),
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
