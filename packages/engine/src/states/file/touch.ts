/**
 * file.touch (Salt 3006): create an empty file, or update the times of one that exists (`atime`/`mtime`: epoch
 * seconds, else now); `makedirs` creates the parent. Like Salt's, a real run always touches (`{touched: name}`); a
 * missing file reports `{new: name}`.
 */
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { CheckContext, StateFunction } from '../../types';
import { absPath, commandFailed, optBool, type Args } from '../util';

export interface TouchParams {
  name: string;
  atime?: number;
  mtime?: number;
  makedirs: boolean;
}

function optEpoch(ref: string, args: Args, field: string): number | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new StateArgError(ref, field, 'expected epoch seconds (an integer)');
  return n;
}

const timed = (p: TouchParams) => p.atime !== undefined || p.mtime !== undefined;

async function pending(p: TouchParams, ctx: CheckContext): Promise<Changes> {
  // Salt touches an existing file on every real run (the host view has no times to compare).
  return (await ctx.host.lstat(p.name)) ? { touched: p.name } : { new: p.name };
}

export const touch: StateFunction<TouchParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): TouchParams {
    return { name: absPath(ref, 'name', chunk.name), atime: optEpoch(ref, args, 'atime'), mtime: optEpoch(ref, args, 'mtime'), makedirs: optBool(ref, args, 'makedirs') ?? false };
  },
  check: pending,
  async apply(p, _pending, ctx) {
    const host = ctx.host;
    const dir = path.dirname(p.name);
    if (!(await host.stat(dir))) {
      if (!p.makedirs) throw new Error(`Directory not present to touch file ${p.name}`);
      await host.mkdir(dir, { recursive: true });
    }
    const existed = (await host.lstat(p.name)) !== null;
    const run = async (argv: string[]) => {
      const r = await host.run(argv);
      if (r.code !== 0) throw commandFailed(`touch ${p.name}`, r);
    };
    await run(['touch', '--', p.name]);
    if (p.atime !== undefined) await run(['touch', '-a', '-d', `@${p.atime}`, '--', p.name]);
    if (p.mtime !== undefined) await run(['touch', '-m', '-d', `@${p.mtime}`, '--', p.name]);
    if (!existed) return { changes: { new: p.name }, comment: `Created empty file ${p.name}` };
    const isDir = (await host.stat(p.name))?.type === 'directory';
    return { changes: { touched: p.name }, comment: `Updated times on ${isDir ? 'directory' : 'file'} ${p.name}` };
  },
  // A touch changes the times again on every run, as in Salt.
  recheck: false,
  okComment: (p) => `File ${p.name} exists and has the correct times`,
  // Salt's _check_touch: a new file; an existing one given times (Brine does not compare them); or, without times, an
  // existing one is fine (True, with Salt's changes {new: name})
  testComment: (p, pending = {}) => ('new' in pending ? `File ${p.name} is set to be created` : timed(p) ? `Times set to be updated on file ${p.name}` : `File ${p.name} exists and has the correct times`),
  testResult: (p, pending = {}) => ('new' in pending || timed(p) ? null : true),
  testChanges: (p, pending) => ('new' in pending || timed(p) ? pending : { new: p.name }),
};
