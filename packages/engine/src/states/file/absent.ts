/** file.absent: remove a file, symlink or directory tree. */
import { StateArgError, type LowChunk } from '@brine/core';
import type { StateFunction } from '../../types';
import { absPath, type Args } from '../util';

export interface AbsentParams {
  name: string;
}

export const absent: StateFunction<AbsentParams> = {
  parse(ref: string, _args: Args, chunk: LowChunk): AbsentParams {
    const name = absPath(ref, 'name', chunk.name);
    if (name === '/') throw new StateArgError(ref, 'name', 'refusing to remove /');
    return { name };
  },
  async check(p, ctx) {
    return (await ctx.host.lstat(p.name)) ? { removed: p.name } : {};
  },
  async apply(p, pending, ctx) {
    const info = await ctx.host.lstat(p.name);
    await ctx.host.remove(p.name);
    return { changes: pending, comment: `Removed ${info?.type === 'directory' ? 'directory' : 'file'} ${p.name}` };
  },
  okComment: (p) => `File ${p.name} is not present`,
  testComment: (p) => `File ${p.name} is set for removal`,
};
