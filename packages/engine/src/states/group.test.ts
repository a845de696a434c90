import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { groupModule } from './group';
import { chunk, converge, kit, recheck } from './testkit';

const { present } = groupModule.functions;
const suffix = Math.random().toString(36).slice(2, 8);
const G = `brinetestgr${suffix}`;
const k = kit();
afterAll(() => {
  try {
    execFileSync('groupdel', [G], { stdio: 'ignore' });
  } catch {
    /* not there */
  }
});

it('test mode adds no group', async () => {
  const before = readFileSync('/etc/group', 'utf8');
  const c = chunk('group', 'present', G, { members: ['nobody'] });
  expect(await present.check(present.parse('r', c.args, c), k.checkCtx(c))).toEqual({ name: G, members: ['nobody'] });
  expect(readFileSync('/etc/group', 'utf8')).toBe(before);
});

it('creates with gid and members, changes gid, adjusts members; converges', async () => {
  const gid = 40000 + Math.floor(Math.random() * 20000);
  const c = chunk('group', 'present', G, { gid, members: ['nobody', 'daemon'], system: true });
  const r = await converge(k, present, c);
  expect(r.pending).toEqual({ name: G, gid, members: ['daemon', 'nobody'] });
  expect(r.outcome.comment).toBe(`New group ${G} created`);
  expect(await k.reader.group(G)).toEqual({ name: G, gid, members: ['nobody', 'daemon'] });
  expect(await recheck(k, present, c)).toEqual({});
  expect(present.okComment!(present.parse('r', c.args, c))).toBe(`Group ${G} is present and up to date`);
  const c2 = chunk('group', 'present', G, { gid: gid + 1, delusers: ['daemon'], addusers: ['bin'] });
  expect((await converge(k, present, c2)).pending).toEqual({ gid: gid + 1, members: ['bin', 'nobody'] });
  expect((await k.reader.group(G))!.gid).toBe(gid + 1);
  expect((await k.reader.group(G))!.members.sort()).toEqual(['bin', 'nobody']);
  expect(await recheck(k, present, c2)).toEqual({});
  const c3 = chunk('group', 'present', G, { members: [] });
  await converge(k, present, c3);
  expect((await k.reader.group(G))!.members).toEqual([]);
  expect(await recheck(k, present, c3)).toEqual({});
});

it('validates', async () => {
  const p = (args: Record<string, unknown>, name = 'ok') => () => present.parse('group.present:x', args, chunk('group', 'present', name, args));
  expect(p({}, 'a b')).toThrow(/invalid group name/);
  expect(p({ gid: 'x' })).toThrow(/gid: expected a non-negative integer/);
  expect(p({ members: ['a'], addusers: ['b'] })).toThrow(/cannot be combined/);
  const c = chunk('group', 'present', G, { members: ['nosuchuserbrine'] });
  await expect(present.check(present.parse('r', c.args, c), k.checkCtx(c))).rejects.toThrow(/User nosuchuserbrine does not exist/);
});
