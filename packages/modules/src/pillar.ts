import { saltMerge, traverseDictAndList } from '@brine/render';
import { BrineError, isDict, type Dict } from '@brine/core';
import { arg, truthy, type ExecEnv, type ExecModule } from './types';

const NOT_FOUND = Symbol('not found');

/** Salt's traverse_dict_and_list over the pillar (Python dicts with int keys included); undefined when missing. */
function lookup(pillar: unknown, key: string, delimiter: string): unknown {
  const v = traverseDictAndList(pillar, key, NOT_FOUND, delimiter);
  return v === NOT_FOUND ? undefined : v;
}

/** Per-call pillar override (`pillar='{"k": "v"}'`), merged over the compiled pillar like Salt. */
export function withPillar(env: ExecEnv, kwargs: Dict): ExecEnv {
  let extra = kwargs['pillar'];
  if (typeof extra === 'string') extra = JSON.parse(extra);
  if (extra === undefined) return env;
  if (!isDict(extra)) throw new BrineError('usage', 'pillar=: must be a dictionary, e.g. pillar=\'{"key": "value"}\'');
  const o = env.opts;
  const strategy = typeof o['pillar_source_merging_strategy'] === 'string' ? o['pillar_source_merging_strategy'] : 'smart';
  const renderer = typeof o['renderer'] === 'string' ? o['renderer'] : 'jinja|yaml';
  return { ...env, pillar: saltMerge(env.pillar, extra, strategy, renderer, o['pillar_merge_lists'] === true) as Dict };
}

export const pillarModule: ExecModule = {
  name: 'pillar',
  docs: {
    items: 'This minion\'s compiled pillar, whole.',
    raw: 'This minion\'s compiled pillar, whole (as pillar.items).',
    item: 'The pillar keys named (nested with ":"): {key: value}, \'\' for a missing key.',
    ls: 'The top-level pillar keys, sorted.',
    get: 'One pillar value by key (nested with ":", or delimiter=); default= when missing; merge=True merges a dict default under it.',
  },
  functions: {
    // pillar='{...}' merged over the compiled pillar, as Salt's pillar.items(pillar=...) compiles it.
    items: (_a, kwargs, env) => withPillar(env, kwargs).pillar,
    raw: (_a, _k, env) => env.pillar,
    item: (args, _k, env) => Object.fromEntries(args.map((k) => [String(k), lookup(env.pillar, String(k), ':') ?? ''])),
    ls: (_a, _k, env) => Object.keys(env.pillar).sort(),
    get: (args, kwargs, env) => {
      const key = String(arg(args, kwargs, 0, 'key', ''));
      const dflt = arg(args, kwargs, 1, 'default', '');
      const v = lookup(env.pillar, key, String(kwargs['delimiter'] ?? ':'));
      if (v === undefined) return dflt;
      // merge=True: a dict default is merged under the pillar value, like Salt.
      return truthy(kwargs['merge']) && isDict(dflt) && isDict(v) ? saltMerge(dflt, v, 'recurse') : v;
    },
  },
};

export const configModule: ExecModule = {
  name: 'config',
  docs: {
    get: 'A value by key (nested with ":") from the minion configuration, then the grains, then the pillar; default= otherwise.',
  },
  functions: {
    get: (args, kwargs, env) => {
      const key = String(arg(args, kwargs, 0, 'key', ''));
      for (const src of [env.opts, env.grains, env.pillar]) {
        const v = lookup(src, key, ":");
        if (v !== undefined) return v;
      }
      return arg(args, kwargs, 1, 'default', '');
    },
  },
};
