/** Arguments of runner functions: positional or keyword, as salt-run takes them (`manage.up tgt='web*'`). */
import { parseTargetType, UsageError, type Dict, type TargetType } from '@brine/core';

/** Positional argument `i`, else keyword `name`, else the default. */
export function argOf(args: unknown[], kwargs: Dict, i: number, name: string): unknown {
  if (name in kwargs) return kwargs[name];
  return args.length > i ? args[i] : undefined;
}

export function strArg(args: unknown[], kwargs: Dict, i: number, name: string, dflt?: string): string {
  const v = argOf(args, kwargs, i, name);
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new UsageError(`missing argument '${name}'`);
    return dflt;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`argument '${name}': expected a string, got ${JSON.stringify(v)}`);
  return String(v);
}

export function boolArg(args: unknown[], kwargs: Dict, i: number, name: string, dflt: boolean): boolean {
  const v = argOf(args, kwargs, i, name);
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|no|off|0)$/i.test(v)) return false;
  if (typeof v === 'number') return v !== 0;
  throw new UsageError(`argument '${name}': expected True or False, got ${JSON.stringify(v)}`);
}

export function numArg(args: unknown[], kwargs: Dict, i: number, name: string, dflt: number): number {
  const v = argOf(args, kwargs, i, name);
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`argument '${name}': expected a number, got ${JSON.stringify(v)}`);
  return n;
}

/** `tgt` and `tgt_type` at positions i and i+1 (default every minion). */
export function targetArgs(args: unknown[], kwargs: Dict, i = 0): { tgt: string; tgtType: TargetType } {
  return { tgt: strArg(args, kwargs, i, 'tgt', '*'), tgtType: parseTargetType(strArg(args, kwargs, i + 1, 'tgt_type', 'glob')) };
}

/**
 * Salt's check of a runner's arguments against its signature (`params`, in order): more positional arguments than
 * it takes, or a keyword it does not take, is an error (as salt-run's "'exclude' is an invalid keyword argument for
 * ..."), never silently ignored. Keywords starting with `__` (Salt's internal ones) are let through. `extraKw` are
 * keyword-only arguments Brine adds.
 */
export function checkSignature(fun: string, params: string[], args: unknown[], kwargs: Dict, extraKw: string[] = []): void {
  if (args.length > params.length) throw new UsageError(`${fun} takes at most ${params.length} positional arguments (${params.join(', ')}), got ${args.length}`);
  const bad = Object.keys(kwargs).filter((k) => !k.startsWith('__') && !params.includes(k) && !extraKw.includes(k));
  if (bad.length === 1) throw new UsageError(`'${bad[0]}' is an invalid keyword argument for '${fun}' (it takes ${[...params, ...extraKw].join(', ')})`);
  if (bad.length > 1) throw new UsageError(`${bad.slice(0, -1).map((k) => `'${k}'`).join(', ')} and '${bad[bad.length - 1]}' are invalid keyword arguments for '${fun}' (it takes ${[...params, ...extraKw].join(', ')})`);
  for (const [i, p] of params.entries()) if (i < args.length && p in kwargs) throw new UsageError(`${fun}: argument '${p}' given twice (positionally and as ${p}=)`);
}
