/** Runner functions `state.orchestrate`, `state.orch` and `state.sls` (Salt's aliases), like `salt-run`'s. */
import { isDict, type Dict } from '@brine/core';
import type { RunnerContext, RunnerFn, RunnerModule } from '../runners/types';
import { orchestrate, pillarArg, slsNames, type OrchestrateResult } from './run';
import type { RunnerCall } from './steps';

/** Salt's runner return: the highstate data under the master's id, the outputter, and the retcode. */
export interface OrchestrateReturn {
  data: OrchestrateResult['data'];
  outputter: 'highstate';
  retcode: number;
  outcome: OrchestrateResult['outcome'];
}

function truthy(v: unknown): boolean {
  if (typeof v === 'string') return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
  return Boolean(v);
}

/**
 * `callRunner` runs the `salt.runner` steps; it is given by the runner registry (which lists these functions too),
 * so an orchestrate step can call any runner, including another orchestration.
 */
export function orchestrateRunners(callRunner: (fun: string, args: unknown[], kwargs: Dict, ctx: RunnerContext) => Promise<unknown>): RunnerModule {
  const run: RunnerFn = async (args, kwargs, ctx): Promise<OrchestrateReturn> => {
    const mods = slsNames(args[0] ?? kwargs['mods']);
    const runRunner: RunnerCall = async (name, a, k) => {
      const ret = await callRunner(name, a, k, ctx);
      // A nested runner that reports a retcode (an orchestration) succeeds only with 0, as Salt's full_return says.
      const success = !(isDict(ret) && typeof ret['retcode'] === 'number' && ret['retcode'] !== 0);
      return { ret, success };
    };
    const r = await orchestrate(ctx.master, mods, {
      pillar: pillarArg(kwargs['pillar']),
      test: kwargs['test'] === undefined ? undefined : truthy(kwargs['test']),
      saltenv: typeof kwargs['saltenv'] === 'string' ? kwargs['saltenv'] : undefined,
      runRunner,
      log: ctx.log.child({ part: 'orchestrate', sls: mods.join(',') }),
    });
    return { data: r.data, outputter: 'highstate', retcode: r.retcode, outcome: r.outcome };
  };
  return { orchestrate: run, orch: run, sls: run };
}
