/**
 * `state.event`: the master's events as they happen, streamed to the caller (`brine runner state.event`, also
 * `brine event listen`). Salt's arguments: `tagmatch` (a glob, default every event) and `count` (stop after that many
 * matching events; -1: until the caller leaves). `quiet` and `pretty` are the printer's (the CLI's) business.
 */
import { globMatch } from '@brine/core';
import { numArg, strArg } from './args';
import type { RunnerModule } from './types';

export const stateRunners: RunnerModule = {
  'state.event': (args, kwargs, { master, progress, signal }) => {
    const glob = strArg(args, kwargs, 0, 'tagmatch', '*');
    let left = Math.trunc(numArg(args, kwargs, 1, 'count', -1));
    return new Promise<null>((resolve) => {
      if (left === 0 || signal?.aborted) return resolve(null);
      const done = () => {
        off();
        resolve(null);
      };
      const off = master.events.subscribe((e) => {
        if (!globMatch(glob, e.tag)) return;
        progress?.({ tag: e.tag, data: e.data });
        if (left > 0 && --left === 0) done();
      });
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};
