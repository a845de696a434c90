/** Ownership and permission checks shared by file.managed / file.directory. */
import * as path from 'path';
import type { Changes } from '@brine/core';
import type { FileInfo, HostReader, HostWriter } from '../../types';
import { fmtMode, resolveGid, resolveUid } from '../util';

export interface Perms {
  user?: string;
  group?: string;
  mode?: number;
}

export interface ResolvedPerms {
  uid?: number;
  gid?: number;
  mode?: number;
}

export async function resolvePerms(host: HostReader, p: Perms): Promise<ResolvedPerms> {
  return {
    uid: p.user === undefined ? undefined : await resolveUid(host, p.user),
    gid: p.group === undefined ? undefined : await resolveGid(host, p.group),
    mode: p.mode,
  };
}

/** Salt-shaped changes for permissions that differ: `{mode: '0644', user: 'x', group: 'y'}`. */
export function permChanges(info: FileInfo | null, want: ResolvedPerms, p: Perms): Changes {
  const c: Changes = {};
  if (want.mode !== undefined && (!info || info.mode !== want.mode)) c['mode'] = fmtMode(want.mode);
  if (want.uid !== undefined && (!info || info.uid !== want.uid)) c['user'] = p.user;
  if (want.gid !== undefined && (!info || info.gid !== want.gid)) c['group'] = p.group;
  return c;
}

export async function applyPerms(host: HostWriter, target: string, info: FileInfo, want: ResolvedPerms): Promise<void> {
  if ((want.uid !== undefined && want.uid !== info.uid) || (want.gid !== undefined && want.gid !== info.gid)) {
    await host.chown(target, want.uid ?? info.uid, want.gid ?? info.gid);
  }
  if (want.mode !== undefined && want.mode !== info.mode) await host.chmod(target, want.mode);
}

/** Follow a final symlink (one level, like Salt's follow_symlinks) to the path that really gets written. */
export async function followLink(host: HostReader, name: string): Promise<string> {
  const l = await host.lstat(name);
  if (l?.type !== 'symlink') return name;
  const t = await host.readlink(name);
  return t === null ? name : path.resolve(path.dirname(name), t);
}
