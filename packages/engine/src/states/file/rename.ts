/**
 * file.rename (Salt 3006): move `source` to `name`. A missing source means it was moved already, and an existing
 * `name` is kept unless `force` (both successes, as in Salt); `makedirs` creates the parent. A symlink is moved as
 * a link to the same target. `~` and `$VAR` are expanded in both paths, as Salt expands them.
 * Changes: `{name: source}`.
 */
import * as os from 'os';
import * as path from 'path';
import { StateArgError, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, StateFunction } from '../../types';
import { optBool, optStr, type Args } from '../util';

export interface RenameParams {
  name: string;
  source: string;
  force: boolean;
  makedirs: boolean;
  /** Set by check: why nothing is to be done. */
  status?: 'moved' | 'kept';
}

/** Python's os.path.expanduser then expandvars (unknown variables are left as written). */
function expand(p: string): string {
  const home = p === '~' || p.startsWith('~/') ? os.homedir() + p.slice(1) : p;
  return home.replace(/\$(\w+)|\$\{([^}]+)\}/g, (all, a: string | undefined, b: string | undefined) => process.env[(a ?? b)!] ?? all);
}

function parse(ref: string, args: Args, chunk: LowChunk): RenameParams {
  const name = expand(chunk.name);
  if (!name) throw new StateArgError(ref, 'name', 'Must provide name to file.rename');
  if (!path.isAbsolute(name)) throw new StateArgError(ref, 'name', `Specified file ${name} is not an absolute path`);
  const source = optStr(ref, args, 'source');
  if (!source) throw new StateArgError(ref, 'source', 'required');
  return { name, source: expand(source), force: optBool(ref, args, 'force') ?? false, makedirs: optBool(ref, args, 'makedirs') ?? false };
}

export const rename: StateFunction<RenameParams> = {
  parse,
  async check(p, ctx: CheckContext) {
    p.status = undefined;
    if (!(await ctx.host.lstat(p.source))) p.status = 'moved';
    else if ((await ctx.host.lstat(p.name)) && !p.force) p.status = 'kept';
    return p.status ? {} : { [p.name]: p.source };
  },
  async apply(p, pending, ctx: ApplyContext) {
    const host = ctx.host;
    if (await host.lstat(p.name)) await host.remove(p.name);
    const dir = path.dirname(p.name);
    if ((await host.stat(dir))?.type !== 'directory') {
      if (!p.makedirs) throw new Error(`The target directory ${dir} is not present`);
      await host.mkdir(dir, { recursive: true });
    }
    const link = (await host.lstat(p.source))?.type === 'symlink' ? await host.readlink(p.source) : null;
    try {
      if (link !== null) {
        await host.symlink(link, p.name);
        await host.remove(p.source);
      } else await host.rename(p.source, p.name);
    } catch {
      throw new Error(`Failed to move "${p.source}" to "${p.name}"`);
    }
    return { changes: pending, comment: `Moved "${p.source}" to "${p.name}"` };
  },
  okComment: (p) => (p.status === 'kept' ? `The target file "${p.name}" exists and will not be overwritten` : `Source file "${p.source}" has already been moved out of place`),
  testComment: (p) => `File "${p.source}" is set to be moved to "${p.name}"`,
  testChanges: () => ({}),
};
