/** file.directory: a directory with owner and mode. */
import * as path from 'path';
import type { LowChunk } from '@brine/core';
import type { StateFunction } from '../../types';
import { absPath, optBool, optMode, optStr, type Args } from '../util';
import { applyPerms, permChanges, resolvePerms } from './common';

export interface DirectoryParams {
  name: string;
  user?: string;
  group?: string;
  mode?: number;
  makedirs: boolean;
}

async function plan(p: DirectoryParams, host: import('../../types').HostReader) {
  const info = await host.stat(p.name);
  if (info && info.type !== 'directory') throw new Error(`Specified location ${p.name} exists and is a ${info.type === 'file' ? 'file' : info.type}`);
  const want = await resolvePerms(host, p);
  const changes = info ? permChanges(info, want, p) : { [p.name]: 'New Dir' };
  return { info, want, changes };
}

export const directory: StateFunction<DirectoryParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): DirectoryParams {
    return {
      name: absPath(ref, 'name', chunk.name),
      user: optStr(ref, args, 'user'),
      group: optStr(ref, args, 'group'),
      mode: optMode(ref, args, 'dir_mode') ?? optMode(ref, args, 'mode'),
      makedirs: optBool(ref, args, 'makedirs') ?? false,
    };
  },
  async check(p, ctx) {
    return (await plan(p, ctx.host)).changes;
  },
  async apply(p, _pending, ctx) {
    const { info, want, changes } = await plan(p, ctx.host);
    if (!info) {
      // Checked here, not in check(): in a dry run an earlier state may be about to create the parent (Salt: None).
      if (!p.makedirs && !(await ctx.host.stat(path.dirname(p.name)))) {
        throw new Error(`No directory to create ${p.name} in (set makedirs: True)`);
      }
      await ctx.host.mkdir(p.name, { recursive: p.makedirs, mode: want.mode });
      const now = await ctx.host.stat(p.name);
      if (now) await applyPerms(ctx.host, p.name, now, want);
      return { changes, comment: `Directory ${p.name} updated` };
    }
    await applyPerms(ctx.host, p.name, info, want);
    return { changes, comment: `Directory ${p.name} updated` };
  },
  okComment: (p) => `The directory ${p.name} is in the correct state`,
  testComment: (p) => `The directory ${p.name} is set to be changed`,
};
