/** `fileserver.file_list`: the files the master serves from an environment's file_roots, sorted. */
import { UsageError } from '@brine/core';
import { strArg } from './args';
import type { RunnerModule } from './types';

export const fileserverRunners: RunnerModule = {
  'fileserver.file_list': (args, kwargs, { master }) => {
    const saltenv = strArg(args, kwargs, 0, 'saltenv', 'base');
    if (!(saltenv in master.opts.file_roots)) throw new UsageError(`fileserver.file_list: no saltenv '${saltenv}' in file_roots (${Object.keys(master.opts.file_roots).join(', ')})`);
    return Object.keys(master.files.list(saltenv)).sort();
  },
  'fileserver.envs': (_args, _kwargs, { master }) => Object.keys(master.opts.file_roots).sort(),
};
