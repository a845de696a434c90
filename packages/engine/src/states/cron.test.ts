/** cron.present / cron.absent against a real user's crontab (a throwaway user made for this test). */
import { execFileSync } from 'child_process';
import { StateArgError } from '@brine/core';
import { cronModule, parseTab, renderTab } from './cron';
import { chunk, converge, kit, recheck } from './testkit';

const { present, absent } = cronModule.functions;
const USER = `brinecron${process.pid % 100000}`;
const tab = (): string => {
  try {
    return execFileSync('crontab', ['-u', USER, '-l'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

beforeAll(() => execFileSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', USER]));
afterAll(() => {
  execFileSync('sh', ['-c', `crontab -u ${USER} -r 2>/dev/null; userdel ${USER}`]);
});
beforeEach(() => execFileSync('sh', ['-c', `crontab -u ${USER} -r 2>/dev/null || true`]));

it("adds entries in Salt's layout (identifier lines, specials last), updates in place, converges", async () => {
  const k = kit();
  execFileSync('crontab', ['-u', USER, '-'], { input: 'MAILTO=""\n0 1 * * * /mine\n' });
  const a = chunk('cron', 'present', '/usr/bin/true --one', { user: USER, minute: 5, hour: '*/2' });
  const b = chunk('cron', 'present', 'echo hi', { user: USER, identifier: 'hello', special: '@daily', comment: 'says hi' });
  const ra = await converge(k, present, a);
  expect(ra.pending).toEqual({ [USER]: '/usr/bin/true --one' });
  expect(ra.outcome.comment).toBe(`Cron /usr/bin/true --one added to ${USER}'s crontab`);
  expect(ra.after).toEqual({});
  await converge(k, present, b);
  expect(tab()).toBe(`MAILTO=""\n0 1 * * * /mine\n# Lines below here are managed by Salt, do not edit\n# SALT_CRON_IDENTIFIER:/usr/bin/true --one\n5 */2 * * * /usr/bin/true --one\n# says hi SALT_CRON_IDENTIFIER:hello\n@daily echo hi\n`);
  const a2 = chunk('cron', 'present', '/usr/bin/true --one', { user: USER, minute: 10, hour: '*/2' });
  const p = present.parse('r', a2.args, a2);
  expect(await present.check(p, k.checkCtx(a2))).toEqual({ [USER]: '/usr/bin/true --one' });
  expect(present.testComment!(p)).toBe('Cron /usr/bin/true --one is set to be updated');
  expect(present.testChanges!(p, {})).toEqual({});
  const r2 = await converge(k, present, a2);
  expect(r2.outcome.comment).toBe('Cron /usr/bin/true --one updated');
  expect(tab()).toContain('\n10 */2 * * * /usr/bin/true --one\n');
  expect(await recheck(k, present, b)).toEqual({});
  expect(present.okComment!(present.parse('r', b.args, b))).toBe('Cron echo hi already present');
});

it('absent removes by identifier or command; absent entries are a no-op', async () => {
  const k = kit();
  await converge(k, present, chunk('cron', 'present', 'echo x', { user: USER, minute: 1 }));
  const gone = chunk('cron', 'absent', 'echo x', { user: USER });
  const r = await converge(k, absent, gone);
  expect(r.outcome).toEqual({ changes: { [USER]: 'echo x' }, comment: `Cron echo x removed from ${USER}'s crontab` });
  expect(tab()).toBe('# Lines below here are managed by Salt, do not edit\n');
  expect(await recheck(k, absent, gone)).toEqual({});
});

it('parses and renders a tab round trip; refuses bad fields and users', async () => {
  const text = 'pre\n# Lines below here are managed by Salt, do not edit\nA=1\n# c1\n# more SALT_CRON_IDENTIFIER:x y\n#DISABLED#* * * * * cmd one\n@hourly two\n';
  const t = parseTab(text);
  expect(t.entries).toEqual([
    { cmd: 'cmd one', time: ['*', '*', '*', '*', '*'], comment: 'c1\nmore', identifier: 'x y', commented: true },
    { cmd: 'two', time: null, special: '@hourly', commented: false },
  ]);
  expect(renderTab(t)).toBe('pre\n# Lines below here are managed by Salt, do not edit\nA=1\n# c1\n# more SALT_CRON_IDENTIFIER:x y\n#DISABLED#* * * * * cmd one\n@hourly two\n');
  const bad = (args: Record<string, unknown>) => () => present.parse('cron.present job', args, chunk('cron', 'present', 'job', args));
  expect(bad({ minute: 'random' })).toThrow(StateArgError);
  expect(bad({ hour: '1;rm' })).toThrow(/cron.present job: hour: invalid cron field/);
  expect(bad({ special: '@sometimes' })).toThrow(/special: expected one of/);
  const k = kit();
  const c = chunk('cron', 'present', 'x', { user: 'no-such-user-brine' });
  // a dry run reads a missing user's crontab as empty (an earlier state may create the user, as Salt's dry run
  // says "is set to be added"); the run itself fails
  expect(await recheck(k, present, c)).toEqual({ 'no-such-user-brine': 'x' });
  await expect(converge(k, present, c)).rejects.toThrow('User no-such-user-brine does not exist');
});
