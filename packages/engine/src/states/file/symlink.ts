/** file.symlink: `name` is a symlink pointing at `target`. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import { parseGroup } from '../../host/local';
import type { HostReader, StateFunction } from '../../types';
import { absPath, optBool, optStr, type Args } from '../util';

export interface SymlinkParams {
  name: string;
  target: string;
  force: boolean;
  makedirs: boolean;
  /** Where a file or directory in the way is moved first (a bare name: beside it), as Salt's backupname. */
  backupname?: string;
  /** Set by check: the link's directory is missing and makedirs is off (a dry run notes it, as Salt's). */
  dirMissing?: boolean;
}

/** Salt's default owner of a symlink: the user Brine runs as and that user's primary group, by name. */
function runningOwner(): string {
  const me = os.userInfo();
  let group = String(me.gid);
  try {
    group = parseGroup(fs.readFileSync('/etc/group', 'utf8')).find((g) => g.gid === me.gid)?.name ?? group;
  } catch {
    /* no /etc/group: the gid */
  }
  return `${me.username}:${group}`;
}

async function plan(p: SymlinkParams, host: HostReader): Promise<Changes> {
  const info = await host.lstat(p.name);
  if (!info) return { new: p.name };
  if (info.type === 'symlink') return (await host.readlink(p.name)) === p.target ? {} : { change: p.name };
  // Salt: something in the way is moved to backupname, or replaced with force; either way the link is new.
  if (p.backupname !== undefined) {
    if ((await host.lstat(p.backupname)) && !p.force) throw new Error(`Symlink & backup dest exists and Force not set. ${p.name} -> ${p.target} - backup: ${p.backupname}`);
    return { new: p.name };
  }
  if (!p.force) throw new Error(`${info.type === 'directory' ? 'Directory' : 'File'} exists where the symlink ${p.name} should be (set force: True to replace it)`);
  return { new: p.name };
}

export const symlink: StateFunction<SymlinkParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): SymlinkParams {
    const target = optStr(ref, args, 'target');
    if (!target) throw new StateArgError(ref, 'target', 'required: the path the symlink points to');
    const name = absPath(ref, 'name', chunk.name);
    const backup = optStr(ref, args, 'backupname');
    if (backup !== undefined && !backup.startsWith('/') && backup !== path.basename(backup)) {
      throw new StateArgError(ref, 'backupname', `Backupname must be an absolute path or a file name: ${backup}`);
    }
    return {
      name,
      target,
      force: optBool(ref, args, 'force') ?? false,
      makedirs: optBool(ref, args, 'makedirs') ?? false,
      ...(backup === undefined ? {} : { backupname: backup.startsWith('/') ? backup : path.join(path.dirname(name), backup) }),
    };
  },
  async check(p, ctx) {
    p.dirMissing = !p.makedirs && !(await ctx.host.stat(path.dirname(p.name)));
    return plan(p, ctx.host);
  },
  async apply(p, _pending, ctx) {
    const changes = await plan(p, ctx.host);
    const dir = path.dirname(p.name);
    if (!(await ctx.host.stat(dir))) {
      // Checked here, not in check(): in a dry run an earlier state may be about to create the directory.
      if (!p.makedirs) throw new Error(`Directory ${dir} for symlink is not present (set makedirs: True)`);
      await ctx.host.mkdir(dir, { recursive: true });
    }
    const inWay = await ctx.host.lstat(p.name);
    if (inWay && inWay.type !== 'symlink') {
      if (p.backupname !== undefined) {
        if (await ctx.host.lstat(p.backupname)) await ctx.host.remove(p.backupname);
        await ctx.host.rename(p.name, p.backupname);
      } else await ctx.host.remove(p.name);
    }
    await ctx.host.symlink(p.target, p.name);
    const comment = changes['new'] ? `Created new symlink ${p.name} -> ${p.target}` : `Set symlink ${p.name} -> ${p.target}`;
    return { changes, comment };
  },
  okComment: (p) => `Symlink ${p.name} is present and owned by ${runningOwner()}`,
  testOkComment: (p) => `The symlink ${p.name} is present`,
  testComment: (p, pending = {}) =>
    ('change' in pending ? `Link ${p.name} target is set to be changed to ${p.target}` : `Symlink ${p.name} to ${p.target} is set for creation`) +
    (p.dirMissing ? `\nDirectory ${path.dirname(p.name)} for symlink is not present` : ''),
};
