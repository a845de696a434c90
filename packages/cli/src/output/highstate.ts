/**
 * Salt's highstate outputter: per-state blocks (full), one line per state (terse), or full for changed
 * and terse for the rest (changes), then the summary. Compile errors print as a list with "Data failed to compile".
 */
import { isDict, type StateResult, type StateReturn } from '@brine/core';
import type { Palette } from './color';
import { nested } from './nested';

export type StateOutput = 'full' | 'terse' | 'changes' | 'mixed';

function fmtMs(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

function splitTag(tag: string): { mod: string; id: string; name: string; fun: string } {
  const [mod = '', id = '', name = '', fun = ''] = tag.split('_|-');
  return { mod, id, name, fun };
}

function colourFor(r: StateResult, p: Palette): (s: string) => string {
  if (r.result === false) return p.red;
  if (r.result === null) return p.yellow;
  return Object.keys(r.changes).length ? p.cyan : p.green;
}

function fullBlock(tag: string, r: StateResult, p: Palette): string[] {
  const t = splitTag(tag);
  const c = colourFor(r, p);
  const lines = [c('----------'), c(`          ID: ${r.__id__}`), c(`    Function: ${t.mod}.${t.fun}`), c(`        Name: ${r.name}`), c(`      Result: ${r.result === null ? 'None' : r.result ? 'True' : 'False'}`)];
  const comment = r.comment.split('\n');
  lines.push(c(`     Comment: ${comment[0] ?? ''}`), ...comment.slice(1).map((l) => c(`              ${l}`)));
  lines.push(c(`     Started: ${r.start_time}`), c(`    Duration: ${fmtMs(r.duration)}`));
  lines.push(c('     Changes:   '));
  if (Object.keys(r.changes).length) lines.push(...changeLines(r.changes, p));
  return lines;
}

/** Changes as Salt prints them; an orchestrate step's minion returns (`{out: highstate, ret}`) as nested highstates. */
function changeLines(changes: Record<string, unknown>, p: Palette): string[] {
  const ret = changes['ret'];
  if (changes['out'] === 'highstate' && isDict(ret)) {
    return Object.entries(ret).flatMap(([host, data]) => ['', ...highstate(host, data, p).split('\n')].map((l) => (l ? ' '.repeat(14) + l : l)));
  }
  return nested(changes, 14).map((l) => p.cyan(l));
}

function terseLine(tag: string, r: StateResult, p: Palette): string {
  const t = splitTag(tag);
  const status = r.result === false ? 'Failed' : r.result === null ? 'Differs' : Object.keys(r.changes).length ? 'Changed' : 'Clean';
  return colourFor(r, p)(`  Name: ${r.name} - Function: ${t.mod}.${t.fun} - Result: ${status} - Started: ${r.start_time} - Duration: ${fmtMs(r.duration)}`);
}

export interface Summary {
  succeeded: number;
  changed: number;
  failed: number;
  total: number;
  durationMs: number;
}

export function summarise(ret: StateReturn): Summary {
  const rs = Object.values(ret);
  const failed = rs.filter((r) => r.result === false).length;
  return {
    succeeded: rs.length - failed,
    changed: rs.filter((r) => r.result !== false && Object.keys(r.changes).length > 0).length,
    failed,
    total: rs.length,
    durationMs: rs.reduce((a, r) => a + r.duration, 0),
  };
}

export function isStateReturn(v: unknown): v is StateReturn {
  return isDict(v) && Object.keys(v).length > 0 && Object.entries(v).every(([k, r]) => k.includes('_|-') && isDict(r) && 'result' in r);
}

export function highstate(id: string, ret: unknown, p: Palette, mode: StateOutput = 'full'): string {
  if (Array.isArray(ret)) {
    return [`${id}:`, p.red('    Data failed to compile:'), ...ret.map((e) => p.red(`----------\n    ${String(e)}`))].join('\n');
  }
  if (!isStateReturn(ret)) return [`${id}:`, ...nested(ret, 4)].join('\n');
  const entries = Object.entries(ret).sort((a, b) => a[1].__run_num__ - b[1].__run_num__);
  const lines = [`${id}:`];
  for (const [tag, r] of entries) {
    const changed = Object.keys(r.changes).length > 0 || r.result !== true;
    if (mode === 'terse' || ((mode === 'changes' || mode === 'mixed') && !changed)) lines.push(terseLine(tag, r, p));
    else lines.push(...fullBlock(tag, r, p));
  }
  const s = summarise(ret);
  lines.push('', p.cyan(`Summary for ${id}`), p.cyan('------------'));
  lines.push(p.green(`Succeeded: ${s.succeeded}`) + (s.changed ? ` (${p.green(`changed=${s.changed}`)})` : ''));
  lines.push((s.failed ? p.red : p.cyan)(`Failed:    ${s.failed}`));
  lines.push(p.cyan('------------'), p.cyan(`Total states run:     ${s.total}`), p.cyan(`Total run time: ${fmtMs(s.durationMs).padStart(12)}`));
  return lines.join('\n');
}
