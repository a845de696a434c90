import { saltMerge, traverseDictAndList } from '@brine/render';
import { isDict } from '@brine/core';
import { arg, truthy, type ExecModule } from './types';

const NOT_FOUND = Symbol('not found');

/** Salt's traverse_dict_and_list over the pillar (Python dicts with int keys included); undefined when missing. */
function lookup(pillar: unknown, key: string, delimiter: string): unknown {
  const v = traverseDictAndList(pillar, key, NOT_FOUND, delimiter);
  return v === NOT_FOUND ? undefined : v;
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
    items: (_a, _k, env) => env.pillar,
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
