/** Outputters: highstate (full/terse/changes), nested, json, yaml, txt. The CLI picks one with --out. */
import { stringify as toYaml } from 'yaml';
import { palette } from './color';
import { highstate, isStateReturn, type StateOutput } from './highstate';
import { nestedReturn } from './nested';

export type OutName = 'highstate' | 'nested' | 'json' | 'yaml' | 'txt' | 'quiet';

export interface OutOptions {
  out?: OutName;
  color: boolean;
  stateOutput: StateOutput;
}

/** JSON indented by 4, with Python's `Infinity`, `-Infinity` and `NaN` for the floats JSON has no word for (Salt's json outputter prints them so). */
function pyJson(v: unknown): string {
  // A fresh random marker, so only the numbers are replaced (Math.random: loading crypto would slow every command).
  const mark = `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  let special = false;
  // `this[k]` is the value before toJSON: a bigint (exact, past 2^53) prints as its digits, a number as Python's does
  const text = JSON.stringify(
    v,
    function (this: Record<string, unknown>, k: string, x: unknown) {
      const raw = this[k];
      if (typeof raw === 'bigint') return (special = true), `${mark}${raw.toString()}`;
      return typeof x === 'number' && !Number.isFinite(x) ? ((special = true), `${mark}${x}`) : x;
    },
    4,
  );
  return special ? text.replace(new RegExp(`"${mark}(Infinity|-Infinity|NaN|-?[0-9]+)"`, 'g'), '$1') : text;
}

/** Format one or more minion returns keyed by minion id. */
export function format(returns: Record<string, unknown>, preferred: OutName, o: OutOptions): string {
  const out = o.out ?? preferred;
  const p = palette(o.color);
  switch (out) {
    case 'json':
      return pyJson(returns);
    case 'yaml':
      return toYaml(returns).trimEnd();
    case 'quiet':
      return '';
    case 'txt':
      return Object.entries(returns)
        .map(([id, r]) => `${id}: ${typeof r === 'string' ? r : JSON.stringify(r)}`)
        .join('\n');
    case 'highstate':
      return Object.entries(returns)
        .map(([id, r]) => (isStateReturn(r) || Array.isArray(r) ? highstate(id, r, p, o.stateOutput) : nestedReturn(id, r)))
        .join('\n');
    case 'nested':
      return Object.entries(returns)
        .map(([id, r]) => nestedReturn(id, r))
        .join('\n');
  }
}

export { highstate, summarise, isStateReturn } from './highstate';
export { nested, nestedReturn } from './nested';
export { palette } from './color';
