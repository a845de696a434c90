import { existsSync, readFileSync, statSync } from 'fs';
import { execFileSync } from 'child_process';
import { groupModule } from './group';
import { chunk, converge, kit, recheck } from './testkit';
import { userModule } from './user';

const { present } = userModule.functions;
const suffix = Math.random().toString(36).slice(2, 8);
const U = `brinetestu${suffix}`;
const G1 = `brinetestg${suffix}a`;
const G2 = `brinetestg${suffix}b`;
const k = kit();

const quiet = (cmd: string, args: string[]) => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    /* not there */
  }
};
afterAll(() => {
  quiet('userdel', ['-r', U]);
  quiet('groupdel', [G1]);
  quiet('groupdel', [G2]);
});

it('test mode adds no user', async () => {
  const before = readFileSync('/etc/passwd', 'utf8');
  const c = chunk('user', 'present', U, { shell: '/bin/sh' });
  expect(await present.check(present.parse('r', c.args, c), k.checkCtx(c))).toEqual({ name: U, shell: '/bin/sh' });
  expect(readFileSync('/etc/passwd', 'utf8')).toBe(before);
});

it('creates a user with home, shell, fullname and groups; updates; converges', async () => {
  await converge(k, groupModule.functions.present, chunk('group', 'present', G1));
  await converge(k, groupModule.functions.present, chunk('group', 'present', G2));
  const c = chunk('user', 'present', U, { shell: '/bin/sh', home: `/home/${U}`, fullname: 'Brine Test', groups: [G1], system: false });
  const r = await converge(k, present, c);
  expect(r.outcome.comment).toBe(`New user ${U} created`);
  expect(r.pending).toMatchObject({ name: U, shell: '/bin/sh', groups: [G1] });
  const u = await k.reader.user(U);
  expect(u).toMatchObject({ shell: '/bin/sh', home: `/home/${U}`, gecos: 'Brine Test' });
  expect(statSync(`/home/${U}`).uid).toBe(u!.uid);
  expect((await k.reader.group(G1))!.members).toEqual([U]);
  expect(await recheck(k, present, c)).toEqual({});
  expect(present.okComment!(present.parse('r', c.args, c))).toBe(`User ${U} is present and up to date`);

  // Change shell and swap groups exactly.
  const c2 = chunk('user', 'present', U, { shell: '/bin/bash', groups: [G2] });
  const r2 = await converge(k, present, c2);
  expect(r2.pending).toEqual({ shell: '/bin/bash', groups: [G2] });
  expect(r2.outcome.comment).toBe(`Updated user ${U}`);
  expect([(await k.reader.group(G1))!.members, (await k.reader.group(G2))!.members]).toEqual([[], [U]]);
  expect(await recheck(k, present, c2)).toEqual({});

  // remove_groups: False only adds.
  const c3 = chunk('user', 'present', U, { groups: [G1], remove_groups: false });
  expect((await converge(k, present, c3)).pending).toEqual({ groups: [G1, G2].sort() });
  expect((await k.reader.group(G2))!.members).toEqual([U]);
  expect(await recheck(k, present, c3)).toEqual({});
}, 30_000);

it('createhome: False and a missing group are handled', async () => {
  const c = chunk('user', 'present', U + 'x', { groups: ['nosuchgroupbrine'] });
  await expect(present.check(present.parse('r', c.args, c), k.checkCtx(c))).rejects.toThrow(/Group nosuchgroupbrine does not exist/);
  const n = chunk('user', 'present', U + 'n', { createhome: false, home: `/home/${U}n`, system: true });
  try {
    await converge(k, present, n);
    expect(existsSync(`/home/${U}n`)).toBe(false);
    expect((await k.reader.user(U + 'n'))!.uid).toBeLessThan(1000);
  } finally {
    quiet('userdel', [U + 'n']);
  }
});

it('parse validates', () => {
  const p = (name: string, args: Record<string, unknown>) => () => present.parse('user.present:x', args, chunk('user', 'present', name, args));
  expect(p('bad name', {})).toThrow(/invalid user name/);
  expect(p('ok', { uid: -1 })).toThrow(/uid: expected a non-negative integer/);
  expect(p('ok', { home: 'rel' })).toThrow(/home: "rel" is not an absolute path/);
  expect(p('ok', { fullname: 'a:b' })).toThrow(/fullname/);
  expect(p('ok', { groups: [{}] })).toThrow(/groups: item 0/);
});

it('user.absent removes the user and the group that went with it, as Salt reports it; group.absent', async () => {
  const { absent } = userModule.functions;
  const V = `brinetestv${suffix}`;
  execFileSync('useradd', ['-U', '-M', V]);
  const c = chunk('user', 'absent', V, { purge: true });
  const p = absent.parse('r', c.args, c);
  expect(await absent.check(p, k.checkCtx(c))).toEqual({ [V]: 'removed' });
  expect(absent.testComment!(p)).toBe(`User ${V} set for removal`);
  expect(absent.testChanges!(p, {})).toEqual({});
  const r = await converge(k, absent, c);
  expect(r.outcome).toEqual({ changes: { [`${V} group`]: 'removed', [V]: 'removed' }, comment: `Removed user ${V}` });
  expect(await k.reader.user(V)).toBeNull();
  expect(absent.okComment!(p)).toBe(`User ${V} is not present`);
  const gAbsent = groupModule.functions.absent;
  execFileSync('groupadd', [V]);
  const g = chunk('group', 'absent', V);
  const r2 = await converge(k, gAbsent, g);
  expect(r2.outcome).toEqual({ changes: { [V]: '' }, comment: `Removed group ${V}` });
  expect(await k.reader.group(V)).toBeNull();
  expect(gAbsent.okComment!(gAbsent.parse('r', {}, g))).toBe('Group not present');
});
