/**
 * group.present via groupadd / groupmod / gpasswd. `members` is the exact member list; addusers/delusers adjust it.
 * group.absent via groupdel, reported as Salt 3006 does (`{name: ''}`).
 */
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { HostReader, StateFunction, StateModule } from '../types';
import { attributeLines, commandFailed, optBool, optInt, optStrList, type Args } from './util';

export interface GroupParams {
  name: string;
  gid?: number;
  system: boolean;
  members?: string[];
  addusers?: string[];
  delusers?: string[];
}

const NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

async function plan(p: GroupParams, host: HostReader) {
  const g = await host.group(p.name);
  const have = g?.members ?? [];
  let want: string[] | undefined;
  if (p.members) want = [...new Set(p.members)];
  else if (p.addusers || p.delusers) want = [...new Set([...have, ...(p.addusers ?? [])])].filter((u) => !(p.delusers ?? []).includes(u));
  for (const u of want ?? []) if (!(await host.user(u))) throw new Error(`User ${u} does not exist`);
  const changes: Changes = {};
  if (!g) {
    changes['name'] = p.name;
    if (p.gid !== undefined) changes['gid'] = p.gid;
    if (want?.length) changes['members'] = [...want].sort();
    return { exists: false, changes, want };
  }
  if (p.gid !== undefined && g.gid !== p.gid) changes['gid'] = p.gid;
  if (want && [...want].sort().join(',') !== [...have].sort().join(',')) changes['members'] = [...want].sort();
  return { exists: true, changes, want };
}

function names(ref: string, args: Args, field: string): string[] | undefined {
  const l = optStrList(ref, args, field);
  for (const n of l ?? []) if (!NAME.test(n)) throw new StateArgError(ref, field, `invalid user name ${JSON.stringify(n)}`);
  return l;
}

export const present: StateFunction<GroupParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): GroupParams {
    if (!NAME.test(chunk.name) || chunk.name.length > 32) throw new StateArgError(ref, 'name', `invalid group name ${JSON.stringify(chunk.name)}`);
    const p: GroupParams = {
      name: chunk.name,
      gid: optInt(ref, args, 'gid'),
      system: optBool(ref, args, 'system') ?? false,
      members: names(ref, args, 'members'),
      addusers: names(ref, args, 'addusers'),
      delusers: names(ref, args, 'delusers'),
    };
    if (p.members && (p.addusers || p.delusers)) throw new StateArgError(ref, 'members', 'members cannot be combined with addusers/delusers');
    return p;
  },
  async check(p, ctx) {
    return (await plan(p, ctx.host)).changes;
  },
  async apply(p, _pending, ctx) {
    const { exists, changes, want } = await plan(p, ctx.host);
    if (!exists) {
      const argv = ['groupadd', ...(p.gid !== undefined ? ['-g', String(p.gid)] : []), ...(p.system ? ['-r'] : []), p.name];
      const r = await ctx.host.run(argv);
      if (r.code !== 0) throw commandFailed(`groupadd ${p.name}`, r);
    } else if (changes['gid'] !== undefined) {
      const r = await ctx.host.run(['groupmod', '-g', String(p.gid), p.name]);
      if (r.code !== 0) throw commandFailed(`groupmod ${p.name}`, r);
    }
    if (changes['members'] !== undefined || (!exists && want?.length)) {
      const r = await ctx.host.run(['gpasswd', '-M', (want ?? []).join(','), p.name]);
      if (r.code !== 0) throw commandFailed(`gpasswd -M ${p.name}`, r);
    }
    // Salt reports a new group as group.info gives it, and an update as done
    if (!exists) return { changes: await groupInfo(ctx.host, p.name), comment: `New group ${p.name} created` };
    return { changes: { Final: 'All changes applied successfully' }, comment: attributeLines('group', changes) };
  },
  okComment: (p) => `Group ${p.name} is present and up to date`,
  // Salt's dry run reports no changes: a new group is "set to be added", an existing one lists what would change
  testComment: (p, pending = {}) => (isNewGroup(pending) ? `Group ${p.name} set to be added` : attributeLines('group', pending)),
  testChanges: () => ({}),
};

/** A new group's pending changes name it (an existing one's never do). */
const isNewGroup = (pending: Changes) => 'name' in pending;

/** Salt's group.info: name, passwd (the /etc/group field), gid, members. */
async function groupInfo(host: HostReader, name: string): Promise<Changes> {
  const line = ((await host.readFile('/etc/group'))?.toString('utf8') ?? '').split('\n').find((l) => l.split(':')[0] === name);
  const g = await host.group(name);
  return { name, passwd: line?.split(':')[1] ?? 'x', gid: g?.gid ?? null, members: g?.members ?? [] };
}

export const absent: StateFunction<{ name: string }> = {
  parse(ref: string, _args: Args, chunk: LowChunk) {
    if (!NAME.test(chunk.name)) throw new StateArgError(ref, 'name', `invalid group name ${JSON.stringify(chunk.name)}`);
    return { name: chunk.name };
  },
  async check(p, ctx) {
    return (await ctx.host.group(p.name)) ? { [p.name]: '' } : {};
  },
  async apply(p, _pending, ctx) {
    const r = await ctx.host.run(['groupdel', p.name]);
    if (r.code !== 0) throw commandFailed(`Failed to remove group ${p.name}: groupdel`, r);
    return { changes: { [p.name]: '' }, comment: `Removed group ${p.name}` };
  },
  okComment: () => 'Group not present',
  testComment: (p) => `Group ${p.name} is set for removal`,
  testChanges: () => ({}),
};

export const groupModule: StateModule = { name: 'group', functions: { present, absent } };
