/** The engine's ExecCaller (module.run) over this package's registry of execution functions. */
import type { ExecCaller } from '@brine/engine';
import { lookupFunction } from './registry';
import { CallResult, type ExecEnv } from './types';

export function execCaller(env: ExecEnv): ExecCaller {
  return {
    has(fun) {
      try {
        lookupFunction(fun);
        return true;
      } catch {
        return false;
      }
    },
    async call(fun, args, kwargs) {
      const r = await lookupFunction(fun)(args, kwargs, env);
      return r instanceof CallResult ? { ret: r.ret, ok: r.outcome === 'ok' } : { ret: r, ok: true };
    },
  };
}
