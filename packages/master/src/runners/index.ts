/**
 * The runner registry (`brine runner FUN`, like salt-run): one plain object spread from each module's functions, so
 * a module is added with one line. Names are Salt's (`manage.up`); `under('state', {...})` prefixes a module whose
 * functions are named without it.
 */
import { UsageError, type Dict } from '@brine/core';
import { cacheRunners } from './cache';
import { eventRunners } from './event';
import { fileserverRunners } from './fileserver';
import { jobsRunners } from './jobs';
import { keyRunners } from './key';
import { manageRunners } from './manage';
import { stateRunners } from './state';
import { orchestrateRunners } from '../orchestrate/runners';
import type { RunnerContext, RunnerFn, RunnerModule } from './types';

/** `{fun: fn}` as `{'prefix.fun': fn}`. */
export function under(prefix: string, mod: RunnerModule): RunnerModule {
  return Object.fromEntries(Object.entries(mod).map(([k, f]) => [`${prefix}.${k}`, f]));
}

export const runners: Record<string, RunnerFn> = {
  ...manageRunners,
  ...jobsRunners,
  ...fileserverRunners,
  ...cacheRunners,
  ...keyRunners,
  ...stateRunners,
  ...eventRunners,
  ...under('state', orchestrateRunners(callRunner)),
};

export function listRunners(): string[] {
  return Object.keys(runners).sort();
}

/** The closest names to an unknown one (same module first), for "did you mean". */
export function suggestRunner(fun: string): string[] {
  const names = listRunners();
  const mod = fun.split('.')[0];
  return names
    .map((n) => ({ n, d: editDistance(fun, n) - (n.split('.')[0] === mod ? 1 : 0) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(fun.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map((x) => x.n);
}

export function lookupRunner(fun: string): RunnerFn {
  const fn = Object.prototype.hasOwnProperty.call(runners, fun) ? runners[fun] : undefined;
  if (fn) return fn;
  const near = suggestRunner(fun);
  throw new UsageError(`'${fun}' is not available${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
}

/** Run a runner by name (also what orchestrate's `salt.runner` steps and the reactor's `runner.*` call). */
export async function callRunner(fun: string, args: unknown[], kwargs: Dict, ctx: RunnerContext): Promise<unknown> {
  return lookupRunner(fun)(args, kwargs, ctx);
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
