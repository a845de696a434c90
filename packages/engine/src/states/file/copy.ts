/**
 * file.copy (Salt 3006): copy a local file or directory tree `source` to `name`. An existing target is left
 * alone unless `force`; `preserve` keeps the source's owner and mode, otherwise `user`/`group`/`mode` apply
 * (mode defaults to the source's). Changes: `{<name>: <source>}`; a dry run reports none (result None), as Salt.
 * Difference from Salt 3006.1: with `force`, an identical target is not copied again (Salt copies every run).
 */
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { CheckContext, StateFunction } from '../../types';
import { absPath, commandFailed, optBool, optMode, optStr, resolveGid, resolveUid, type Args } from '../util';

export interface CopyParams {
  name: string;
  source: string;
  force: boolean;
  makedirs: boolean;
  preserve: boolean;
  subdir: boolean;
  user?: string;
  group?: string;
  mode?: number;
}

async function dest(p: CopyParams, ctx: CheckContext): Promise<string> {
  return p.subdir && (await ctx.host.stat(p.name))?.type === 'directory' ? path.join(p.name, path.basename(p.source)) : p.name;
}

async function plan(p: CopyParams, ctx: CheckContext): Promise<{ target: string; changes: Changes }> {
  const src = await ctx.host.stat(p.source);
  if (!src) throw new Error(`Source file "${p.source}" is not present`);
  const target = await dest(p, ctx);
  const cur = await ctx.host.lstat(target);
  if (cur && !p.force) return { target, changes: {} };
  if (cur && src.type === 'file' && cur.type === 'file') {
    const [a, b] = await Promise.all([ctx.host.readFile(p.source), ctx.host.readFile(target)]);
    if (a && b && a.equals(b)) return { target, changes: {} };
  }
  if (cur && src.type === 'directory' && cur.type === 'directory') {
    if ((await ctx.host.probe(['diff', '-rq', '--no-dereference', '--', p.source, target])).code === 0) return { target, changes: {} };
  }
  return { target, changes: { [target]: p.source } };
}

export const copy: StateFunction<CopyParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): CopyParams {
    const source = optStr(ref, args, 'source');
    if (!source) throw new StateArgError(ref, 'source', 'required: the local file or directory to copy');
    if (/^[a-z]+:\/\//.test(source)) throw new StateArgError(ref, 'source', `${source}: file.copy copies a local path (use file.managed or file.recurse for salt:// sources)`);
    return {
      name: absPath(ref, 'name', chunk.name),
      source: absPath(ref, 'source', source),
      force: optBool(ref, args, 'force') ?? false,
      makedirs: optBool(ref, args, 'makedirs') ?? false,
      preserve: optBool(ref, args, 'preserve') ?? false,
      subdir: optBool(ref, args, 'subdir') ?? false,
      user: optStr(ref, args, 'user'),
      group: optStr(ref, args, 'group'),
      mode: optMode(ref, args, 'mode'),
    };
  },
  check: async (p, ctx) => (await plan(p, ctx)).changes,
  async apply(p, _pending, ctx) {
    const { target, changes } = await plan(p, ctx);
    if (!Object.keys(changes).length) return { changes, comment: `The target file "${target}" exists and will not be overwritten` };
    const host = ctx.host;
    const src = (await host.stat(p.source))!;
    const uid = p.preserve ? src.uid : p.user === undefined ? undefined : await resolveUid(host, p.user);
    const gid = p.preserve ? src.gid : p.group === undefined ? undefined : await resolveGid(host, p.group);
    const mode = p.preserve ? src.mode : p.mode ?? src.mode;
    const dir = path.dirname(target);
    if (!(await host.stat(dir))) {
      if (!p.makedirs) throw new Error(`The target directory ${dir} is not present`);
      // Salt's dir_mode from the file mode: each non-zero digit gets the execute bit.
      const dirMode = [6, 3, 0].reduce((m, shift) => m | ((((mode >> shift) & 7) ? ((mode >> shift) & 7) | 1 : 0) << shift), 0);
      await host.mkdir(dir, { recursive: true, mode: dirMode, uid, gid });
    }
    if (await host.lstat(target)) await host.remove(target);
    if (src.type === 'directory') {
      const r = await host.run(['cp', '-a', '--', p.source, target]);
      if (r.code !== 0) throw commandFailed(`Failed to copy "${p.source}" to "${target}": cp`, r);
      if (uid !== undefined || gid !== undefined) {
        const owner = `${uid ?? ''}${gid === undefined ? '' : `:${gid}`}`;
        const c = await host.run(['chown', '-R', '-h', '--', owner, target]);
        if (c.code !== 0) throw commandFailed(`chown ${target}`, c);
      }
    } else {
      const data = await host.readFile(p.source);
      if (data === null) throw new Error(`Source file "${p.source}" is not present`);
      await host.writeFileAtomic(target, data, { mode, uid, gid });
    }
    return { changes, comment: `Copied "${p.source}" to "${target}"` };
  },
  testChanges: () => ({}),
  okComment: (p) => `The target file "${p.name}" exists and will not be overwritten`,
  testComment: (p) => `File "${p.source}" is set to be copied to "${p.name}"`,
};
