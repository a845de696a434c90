/**
 * Salt's highstate outputter: per-state blocks (full), one line per state (terse), or full for changed
 * and terse for the rest (changes), then the summary. Compile errors print as a list with "Data failed to compile".
 */
import { isDict, type StateResult, type StateReturn } from '@brine/core';
import type { Palette } from './color';
import { nested } from './nested';

export type StateOutput = 'full' | 'terse' | 'changes' | 'mixed';

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
  // Salt's ID and Name come from the tag; Name only when it differs from the ID
  const lines = [c('----------'), c(`          ID: ${t.id}`), c(`    Function: ${t.mod}.${t.fun}`)];
  if (t.name !== t.id) lines.push(c(`        Name: ${t.name}`));
  lines.push(c(`      Result: ${r.result === null ? 'None' : r.result ? 'True' : 'False'}`));
  const comment = String(r.comment).trim().split('\n');
  lines.push(c(`     Comment: ${comment[0] ?? ''}`), ...comment.slice(1).map((l) => c(`              ${l}`)));
  if ('start_time' in r) lines.push(c(`     Started: ${r.start_time}`), c(`    Duration: ${pyFloat(r.duration)} ms`));
  lines.push(c('     Changes:   '));
  if (Object.keys(r.changes).length) lines.push(...changeLines(r.changes, p));
  return lines;
}

/** A duration as Python's str() of a float prints it (Salt's outputter): 1.66, 0.303, 12.0. */
function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
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
  const timing = 'start_time' in r ? ` - Started: ${r.start_time} - Duration: ${pyFloat(r.duration)} ms` : '';
  return colourFor(r, p)(`  Name: ${t.name} - Function: ${t.mod}.${t.fun} - Result: ${status}${timing}`);
}

export interface Summary {
  succeeded: number;
  /** Of the succeeded, those that would change (test mode: result None). */
  unchanged: number;
  changed: number;
  failed: number;
  total: number;
  durationMs: number;
}

/** Salt's counts: by result, states with changes whatever their result, the durations of those that have one. */
export function summarise(ret: StateReturn): Summary {
  const rs = Object.values(ret);
  const failed = rs.filter((r) => r.result === false).length;
  return {
    succeeded: rs.length - failed,
    unchanged: rs.filter((r) => r.result === null).length,
    changed: rs.filter((r) => isDict(r.changes) && Object.keys(r.changes).length > 0).length,
    failed,
    total: rs.length,
    durationMs: rs.reduce((a, r) => a + (typeof r.duration === 'number' ? r.duration : 0), 0),
  };
}

/** Salt's summary block: its width follows the widest count (label "Succeeded" + ": " + digits). */
function summaryLines(id: string, s: Summary, p: Palette): string[] {
  // Salt's rcounts: a count per result that occurred (True, False, None), not their sums
  const counts = [s.succeeded - s.unchanged, s.failed, s.unchanged].filter((n) => n > 0);
  const width = 'Succeeded'.length + Math.max(0, ...counts.map((n) => String(n).length)) + 2;
  const count = (label: string, n: number) => `${label}: ${String(n).padStart(width - label.length - 2)}`;
  const stats = [...(s.unchanged ? [p.yellow(`unchanged=${s.unchanged}`)] : []), ...(s.changed ? [p.green(`changed=${s.changed}`)] : [])];
  const seconds = s.durationMs > 999;
  const total = `${(seconds ? s.durationMs / 1000 : s.durationMs).toFixed(3).padStart(width - 5)} ${seconds ? 's' : 'ms'}`;
  return [
    '',
    p.cyan(`Summary for ${id}`),
    p.cyan('-'.repeat(width)),
    p.green(count('Succeeded', s.succeeded)) + (stats.length ? ` (${stats.join(', ')})` : ''),
    (s.failed ? p.red : p.cyan)(count('Failed', s.failed)),
    p.cyan('-'.repeat(width)),
    p.cyan(`Total states run: ${String(s.total).padStart(width - 7)}`),
    p.cyan(`Total run time: ${total}`),
  ];
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
    // Salt: terse prints every state tersely, mixed those that did not fail, changes those that succeeded unchanged
    const changed = isDict(r.changes) && Object.keys(r.changes).length > 0;
    const terse = mode === 'terse' || (mode === 'mixed' && r.result !== false) || (mode === 'changes' && r.result === true && !changed);
    lines.push(...(terse ? [terseLine(tag, r, p)] : fullBlock(tag, r, p)));
  }
  lines.push(...summaryLines(id, summarise(ret), p));
  return lines.join('\n');
}
