import { traverse } from '@brine/core';
import { arg, type ExecModule } from './types';

export const grainsModule: ExecModule = {
  name: 'grains',
  functions: {
    items: (_a, _k, env) => env.grains,
    item: (args, _k, env) => Object.fromEntries(args.map((k) => [String(k), traverse(env.grains, String(k))])),
    ls: (_a, _k, env) => Object.keys(env.grains).sort(),
    get: (args, kwargs, env) => {
      const v = traverse(env.grains, String(arg(args, kwargs, 0, 'key', '')), String(kwargs['delimiter'] ?? ':'));
      return v === undefined ? arg(args, kwargs, 1, 'default', '') : v;
    },
  },
};
