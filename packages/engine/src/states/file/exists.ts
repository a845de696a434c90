/**
 * file.exists / file.missing (Salt 3006): verify that a path exists (or does not), never changing anything; the
 * state fails, in a dry run too, when it is not so. A symlink counts as the path it points to, as os.path.exists.
 */
import type { LowChunk } from '@brine/core';
import type { StateFunction } from '../../types';
import { absPath, type Args } from '../util';

function verify(want: boolean): StateFunction<{ name: string }> {
  return {
    parse: (ref: string, _args: Args, chunk: LowChunk) => ({ name: absPath(ref, 'name', chunk.name) }),
    async check(p, ctx) {
      const there = (await ctx.host.stat(p.name)) !== null;
      if (there !== want) throw new Error(`Specified path ${p.name} ${there ? 'exists' : 'does not exist'}`);
      return {};
    },
    async apply() {
      return { changes: {} };
    },
    okComment: (p) => `Path ${p.name} ${want ? 'exists' : 'is missing'}`,
  };
}

export const exists = verify(true);
export const missing = verify(false);
