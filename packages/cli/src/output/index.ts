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

/** Format one or more minion returns keyed by minion id. */
export function format(returns: Record<string, unknown>, preferred: OutName, o: OutOptions): string {
  const out = o.out ?? preferred;
  const p = palette(o.color);
  switch (out) {
    case 'json':
      return JSON.stringify(returns, null, 4);
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
