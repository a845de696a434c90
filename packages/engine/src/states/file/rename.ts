/**
 * file.rename (Salt 3006): move `source` to `name`. A missing source means it was moved already, and an existing
 * `name` is kept unless `force` (both successes, as in Salt); `makedirs` creates the parent. A symlink is moved as
 * a link to the same target. `~` and `$VAR` are expanded in both paths, as Salt expands them.
 * Changes: `{name: source}`.
 */
import * as os from 'os';
import * as path from 'path';
import { StateArgError, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, FileInfo, HostWriter, StateFunction } from '../../types';
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

/**
 * shutil.move: a rename, or on another filesystem (EXDEV) a copy of the file written atomically beside the target
 * (mode and owner kept), then the source removed. A directory is not copied across filesystems: that fails, before
 * anything is removed.
 */
async function moveAcross(host: HostWriter, from: string, to: string, info: FileInfo | null): Promise<void> {
  try {
    await host.rename(from, to);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV' || info?.type !== 'file') throw e;
  }
  const data = await host.readFile(from);
  if (data === null) throw new Error(`${from} vanished`);
  await host.writeFileAtomic(to, data, { mode: info.mode, uid: info.uid, gid: info.gid });
  await host.remove(from);
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
    const dir = path.dirname(p.name);
    if ((await host.stat(dir))?.type !== 'directory') {
      if (!p.makedirs) throw new Error(`The target directory ${dir} is not present`);
      await host.mkdir(dir, { recursive: true });
    }
    const src = await host.lstat(p.source);
    const dest = await host.lstat(p.name);
    // A file or link replaces a file or link in one rename. A directory on either side needs the target out of the
    // way first (Salt deletes it): it is set aside and deleted only once the move has worked, else put back.
    const aside = dest && (dest.type === 'directory' || src?.type === 'directory') ? `${p.name}.brine-old-${process.pid}-${Date.now()}` : null;
    if (aside) await host.rename(p.name, aside);
    try {
      if (src?.type === 'symlink') {
        const link = await host.readlink(p.source);
        await host.symlink(link!, p.name);
        await host.remove(p.source);
      } else await moveAcross(host, p.source, p.name, src);
    } catch (e) {
      if (aside) await host.rename(aside, p.name);
      throw new Error(`Failed to move "${p.source}" to "${p.name}"${(e as Error).message ? `: ${(e as Error).message}` : ''}`);
    }
    if (aside) await host.remove(aside);
    return { changes: pending, comment: `Moved "${p.source}" to "${p.name}"` };
  },
  okComment: (p) => (p.status === 'kept' ? `The target file "${p.name}" exists and will not be overwritten` : `Source file "${p.source}" has already been moved out of place`),
  testComment: (p) => `File "${p.source}" is set to be moved to "${p.name}"`,
  testChanges: () => ({}),
};
