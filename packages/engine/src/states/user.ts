/**
 * user.present via useradd / usermod. `groups` is the exact supplementary list unless `remove_groups: False`.
 * user.absent via userdel (`purge`: -r, `force`: -f); changes as Salt 3006 reports them: `{name: removed}` and
 * `{"<g> group": removed}` for each of the user's groups that went with it (its own group).
 */
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import { parseGroup } from '../host/local';
import type { HostReader, StateFunction, StateModule } from '../types';
import { absPath, attributeLines, commandFailed, optBool, optInt, optStr, optStrList, type Args } from './util';

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
  /** Set by check for an existing user: the home it should have is not a directory (createhome makes it). */
  homeMissing?: string;
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
    const { exists, changes } = await plan(p, ctx.host);
    const home = p.home ?? (await ctx.host.user(p.name))?.home;
    p.homeMissing = exists && p.createhome && home && (await ctx.host.stat(home))?.type !== 'directory' ? home : undefined;
    return changes;
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
      // Salt reports a new user as user.info gives it
      return { changes: await userInfo(ctx.host, p.name), comment: `New user ${p.name} created` };
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
  // Salt's dry run reports no changes: a new user is "set to be added", an existing one lists what would change
  testComment: (p, pending = {}) => ('name' in pending ? `User ${p.name} set to be added` : attributeLines('user', withHomeNote(p, pending))),
  testChanges: () => ({}),
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

/**
 * Salt's user.info for a local user: the passwd fields, every group it is in (its primary one included, sorted), and
 * the GECOS field split as Salt splits it (fullname, roomnumber, workphone, homephone, other).
 */
async function userInfo(host: HostReader, name: string): Promise<Changes> {
  const u = await host.user(name);
  // the passwd field is not in the host's user record: read from the user's own /etc/passwd line
  const passwd = ((await host.readFile('/etc/passwd'))?.toString('utf8') ?? '').split('\n').find((l) => l.split(':')[0] === name)?.split(':')[1] ?? '';
  const groups = parseGroup((await host.readFile('/etc/group'))?.toString('utf8') ?? '').filter((g) => g.gid === u?.gid || g.members.includes(name)).map((g) => g.name);
  const gecos = (u?.gecos ?? '').split(',');
  return {
    gid: u?.gid ?? null,
    groups: [...new Set(groups)].sort(),
    home: u?.home ?? '',
    name,
    passwd,
    shell: u?.shell ?? '',
    uid: u?.uid ?? null,
    fullname: gecos[0] ?? '',
    roomnumber: gecos[1] ?? '',
    workphone: gecos[2] ?? '',
    homephone: gecos[3] ?? '',
    other: gecos.slice(4).join(','),
  };
}

/** Salt's dry run also lists `homeDoesNotExist` (right after `home`) when the home directory is missing. */
function withHomeNote(p: UserParams, pending: Changes): Changes {
  if (!p.homeMissing) return pending;
  const out: Changes = {};
  for (const [k, v] of Object.entries(pending)) {
    if (k === 'shell' || k === 'fullname') out['homeDoesNotExist'] ??= p.homeMissing;
    out[k] = v;
    if (k === 'home') out['homeDoesNotExist'] = p.homeMissing;
  }
  out['homeDoesNotExist'] ??= p.homeMissing;
  return out;
}
