/**
 * file.accumulated (Salt 3006): collect `text` under the accumulator `name` for `filename`; a file.blockreplace of
 * that file that it is `require_in`/`watch_in` to adds the collected lines to its content (when several
 * accumulators feed one file, a blockreplace takes those that name it, else all). The data lives in memory for
 * the run, so the accumulated state must run first (its `require_in` sees to that). file.managed's `accumulator`
 * template variable is not provided.
 */
import { StateArgError, type LowChunk } from '@brine/core';
import type { CheckContext, StateFunction } from '../../types';
import { absPath, describe, optStr, type Args } from '../util';

export interface AccumulatedParams {
  name: string;
  filename: string;
  text: string[];
  /** IDs or names of the file states this feeds. */
  deps: string[];
}

interface Accumulator {
  texts: string[];
  deps: string[];
}

const KEY = 'file.accumulated';

function store(ctx: CheckContext): Map<string, Map<string, Accumulator>> {
  if (!ctx.shared) throw new Error('file.accumulated: this run shares no data between states');
  let m = ctx.shared.get(KEY) as Map<string, Map<string, Accumulator>> | undefined;
  if (!m) ctx.shared.set(KEY, (m = new Map()));
  return m;
}

/** The accumulated lines for `filename` that the state `chunk` should use (Salt's filtering), in order. */
export function accumulatedLines(ctx: CheckContext, filename: string, chunk: LowChunk): string[] {
  const byName = ctx.shared ? (ctx.shared.get(KEY) as Map<string, Map<string, Accumulator>> | undefined)?.get(filename) : undefined;
  if (!byName) return [];
  const all = [...byName.values()];
  const mine = all.filter((a) => a.deps.includes(chunk.id) || a.deps.includes(chunk.name));
  return (mine.length ? mine : all).flatMap((a) => a.texts);
}

export const accumulated: StateFunction<AccumulatedParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): AccumulatedParams {
    const filename = optStr(ref, args, 'filename');
    if (!filename) throw new StateArgError(ref, 'filename', 'Must provide filename');
    const raw = args['text'];
    if (raw === undefined || raw === null) throw new StateArgError(ref, 'text', 'No text supplied for accumulator');
    const text = (Array.isArray(raw) ? raw : [raw]).map((t, i) => {
      if (typeof t === 'string' || typeof t === 'number') return String(t);
      throw new StateArgError(ref, 'text', `item ${i}: expected a string, got ${describe(t)}`);
    });
    const deps = [...(chunk.requisites.require_in ?? []), ...(chunk.requisites.watch_in ?? [])].filter((r) => r.kind === 'file' || r.kind === 'id').map((r) => r.target);
    if (!deps.length) throw new StateArgError(ref, 'require_in', `Orphaned accumulator ${chunk.name} in ${chunk.sls}:${chunk.id} (give require_in: - file: <the file.blockreplace ID>)`);
    return { name: chunk.name, filename: absPath(ref, 'filename', filename), text, deps };
  },
  async check(p, ctx) {
    const files = store(ctx);
    if (!files.has(p.filename)) files.set(p.filename, new Map());
    const acc = files.get(p.filename)!;
    const a = acc.get(p.name) ?? { texts: [], deps: [] };
    for (const t of p.text) if (!a.texts.includes(t)) a.texts.push(t);
    for (const d of p.deps) if (!a.deps.includes(d)) a.deps.push(d);
    acc.set(p.name, a);
    return {};
  },
  async apply() {
    return {};
  },
  okComment: (p) => `Accumulator ${p.name} for file ${p.filename} was charged by text`,
};
