/**
 * user.present via useradd / usermod. `groups` is the exact supplementary list unless `remove_groups: False`.
 * user.absent via userdel (`purge`: -r, `force`: -f); changes as Salt 3006 reports them: `{name: removed}` and
 * `{"<g> group": removed}` for each of the user's groups that went with it (its own group).
 */
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import { parseGroup } from '../host/local';
import type { HostReader, StateFunction, StateModule } from '../types';
import { absPath, commandFailed, optBool, optInt, optStr, optStrList, type Args } from './util';

export interface UserParams {
  name: string;
  uid?: number;
  gid?: string;
  home?: string;
  shell?: string;
  groups?: string[];
  removeGroups: boolean;
  createhome: boolean;
  system: boolean;
  fullname?: string;
}

const NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

async function supplementary(host: HostReader, user: string): Promise<string[]> {
  const text = (await host.readFile('/etc/group'))?.toString('utf8') ?? '';
  return parseGroup(text).filter((g) => g.members.includes(user)).map((g) => g.name).sort();
}

async function plan(p: UserParams, host: HostReader) {
  for (const g of p.groups ?? []) if (!(await host.group(g))) throw new Error(`Group ${g} does not exist (create it first, e.g. with group.present)`);
  let gid: number | undefined;
  if (p.gid !== undefined) {
    const g = /^\d+$/.test(p.gid) ? Number(p.gid) : (await host.group(p.gid))?.gid;
    if (g === undefined) throw new Error(`Group ${p.gid} does not exist`);
    gid = g;
  }
  const u = await host.user(p.name);
  const changes: Changes = {};
  if (!u) {
    changes['name'] = p.name;
    for (const [k, v] of Object.entries({ uid: p.uid, gid, home: p.home, shell: p.shell, fullname: p.fullname, groups: p.groups })) if (v !== undefined) changes[k] = v;
    return { exists: false, gid, changes, addGroups: [] as string[] };
  }
  if (p.uid !== undefined && u.uid !== p.uid) changes['uid'] = p.uid;
  if (gid !== undefined && u.gid !== gid) changes['gid'] = gid;
  if (p.home !== undefined && u.home !== p.home) changes['home'] = p.home;
  if (p.shell !== undefined && u.shell !== p.shell) changes['shell'] = p.shell;
  if (p.fullname !== undefined && u.gecos.split(',')[0] !== p.fullname) changes['fullname'] = p.fullname;
  let addGroups: string[] = [];
  if (p.groups) {
    const have = await supplementary(host, p.name);
    const want = [...new Set(p.groups)].sort();
    addGroups = want.filter((g) => !have.includes(g));
    const extra = have.filter((g) => !want.includes(g));
    if (addGroups.length || (p.removeGroups && extra.length)) changes['groups'] = p.removeGroups ? want : [...new Set([...have, ...want])].sort();
  }
  return { exists: true, gid, changes, addGroups };
}

export const present: StateFunction<UserParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): UserParams {
    if (!NAME.test(chunk.name) || chunk.name.length > 32) throw new StateArgError(ref, 'name', `invalid user name ${JSON.stringify(chunk.name)}`);
    const home = optStr(ref, args, 'home');
    const shell = optStr(ref, args, 'shell');
    const fullname = optStr(ref, args, 'fullname');
    if (fullname?.match(/[:,\n]/)) throw new StateArgError(ref, 'fullname', 'must not contain ":", "," or a newline');
    const groups = optStrList(ref, args, 'groups');
    for (const g of groups ?? []) if (!NAME.test(g)) throw new StateArgError(ref, 'groups', `invalid group name ${JSON.stringify(g)}`);
    return {
      name: chunk.name,
      uid: optInt(ref, args, 'uid'),
      gid: optStr(ref, args, 'gid'),
      home: home === undefined ? undefined : absPath(ref, 'home', home),
      shell: shell === undefined ? undefined : absPath(ref, 'shell', shell),
      groups,
      removeGroups: optBool(ref, args, 'remove_groups') ?? true,
      createhome: optBool(ref, args, 'createhome') ?? true,
      system: optBool(ref, args, 'system') ?? false,
      fullname,
    };
  },
  async check(p, ctx) {
    return (await plan(p, ctx.host)).changes;
  },
  async apply(p, _pending, ctx) {
    const { exists, gid, changes, addGroups } = await plan(p, ctx.host);
    const argv: string[] = [];
    if (changes['uid'] !== undefined) argv.push('-u', String(p.uid));
    if (changes['gid'] !== undefined) argv.push('-g', String(gid));
    if (changes['home'] !== undefined) argv.push('-d', p.home!);
    if (changes['shell'] !== undefined) argv.push('-s', p.shell!);
    if (changes['fullname'] !== undefined) argv.push('-c', p.fullname!);
    if (!exists) {
      if (p.groups?.length) argv.push('-G', p.groups.join(','));
      argv.push(p.createhome ? '-m' : '-M');
      if (p.system) argv.push('-r');
      const r = await ctx.host.run(['useradd', ...argv, p.name]);
      if (r.code !== 0) throw commandFailed(`useradd ${p.name}`, r);
      return { changes, comment: `New user ${p.name} created` };
    }
    if (changes['groups'] !== undefined) {
      if (p.removeGroups) argv.push('-G', (changes['groups'] as string[]).join(','));
      else argv.push('-a', '-G', addGroups.join(','));
    }
    const r = await ctx.host.run(['usermod', ...argv, p.name]);
    if (r.code !== 0) throw commandFailed(`usermod ${p.name}`, r);
    return { changes, comment: `Updated user ${p.name}` };
  },
  okComment: (p) => `User ${p.name} is present and up to date`,
  testComment: (p) => `User ${p.name} set to be added or changed`,
};

export interface UserAbsentParams {
  name: string;
  purge: boolean;
  force: boolean;
}

/** The names of every group `user` is in, its primary group included (Salt's get_group_list). */
async function allGroups(host: HostReader, user: string): Promise<string[]> {
  const u = await host.user(user);
  const text = (await host.readFile('/etc/group'))?.toString('utf8') ?? '';
  return parseGroup(text).filter((g) => g.members.includes(user) || g.gid === u?.gid).map((g) => g.name);
}

export const absent: StateFunction<UserAbsentParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): UserAbsentParams {
    if (!NAME.test(chunk.name)) throw new StateArgError(ref, 'name', `invalid user name ${JSON.stringify(chunk.name)}`);
    return { name: chunk.name, purge: optBool(ref, args, 'purge') ?? false, force: optBool(ref, args, 'force') ?? false };
  },
  async check(p, ctx) {
    return (await ctx.host.user(p.name)) ? { [p.name]: 'removed' } : {};
  },
  async apply(p, _pending, ctx) {
    const before = await allGroups(ctx.host, p.name);
    const r = await ctx.host.run(['userdel', ...(p.purge ? ['-r'] : []), ...(p.force ? ['-f'] : []), p.name]);
    if (r.code !== 0) throw commandFailed(`Failed to remove user ${p.name}: userdel`, r);
    const changes: Changes = {};
    for (const g of before) if (!(await ctx.host.group(g))) changes[`${g} group`] = 'removed';
    changes[p.name] = 'removed';
    return { changes, comment: `Removed user ${p.name}` };
  },
  okComment: (p) => `User ${p.name} is not present`,
  testComment: (p) => `User ${p.name} set for removal`,
  testChanges: () => ({}),
};

export const userModule: StateModule = { name: 'user', functions: { present, absent } };
