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
