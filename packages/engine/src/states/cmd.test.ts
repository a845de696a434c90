import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cmdModule } from './cmd';
import { chunk, converge, kit, recheck } from './testkit';

const { run } = cmdModule.functions;
let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-cmd-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

it('runs with cwd and env; reports pid/retcode/stdout/stderr; creates makes it converge', async () => {
  const k = kit();
  const out = path.join(tmp, 'out');
  const c = chunk('cmd', 'run', `echo "$GREETING" > out; pwd; echo warn >&2`, { cwd: tmp, env: [{ GREETING: 'hi' }, { N: 1 }], creates: out });
  const r = await converge(k, run, c);
  expect(r.pending).toEqual({ cmd: c.name });
  expect(r.outcome.changes).toMatchObject({ retcode: 0, stdout: tmp, stderr: 'warn' });
  expect((r.outcome.changes as { pid: number }).pid).toBeGreaterThan(0);
  expect(readFileSync(out, 'utf8')).toBe('hi\n');
  expect(await recheck(k, run, c)).toEqual({});
  const p = run.parse('r', c.args, c);
  await run.check(p, k.checkCtx(c));
  expect(run.okComment!(p)).toBe('All files in creates exist');
});

it('unless / onlyif guards run in test mode and skip', async () => {
  const k = kit();
  const marker = path.join(tmp, 'm');
  const cases: [Record<string, unknown>, boolean, string?][] = [
    [{ unless: 'true' }, false, 'unless condition is true'],
    [{ unless: ['true', 'false'] }, true],
    [{ onlyif: 'false' }, false, 'onlyif condition is false'],
    [{ onlyif: ['true', 'false'] }, false],
    [{ onlyif: ['true', 'test -d /'] }, true],
  ];
  for (const [args, runs, comment] of cases) {
    const c = chunk('cmd', 'run', `touch ${marker}`, args);
    const p = run.parse('r', c.args, c);
    expect(await run.check(p, k.checkCtx(c))).toEqual(runs ? { cmd: c.name } : {});
    if (comment) expect(run.okComment!(p)).toBe(comment);
  }
  // None of those checks ran the command itself.
  expect(existsSync(marker)).toBe(false);
  // Converge: once the marker exists, `unless: test -e` skips.
  const c = chunk('cmd', 'run', `touch ${marker}`, { unless: `test -e ${marker}` });
  await converge(k, run, c);
  expect(existsSync(marker)).toBe(true);
  expect(await recheck(k, run, c)).toEqual({});
});

it('a failing command throws with the retcode and stderr', async () => {
  const k = kit();
  const c = chunk('cmd', 'run', 'echo broken >&2; exit 3');
  const p = run.parse('r', c.args, c);
  await expect(run.apply(p, { cmd: c.name }, k.applyCtx(c))).rejects.toMatchObject({ message: 'Command "echo broken >&2; exit 3" run', changes: { retcode: 3, stderr: 'broken', stdout: '' } });
});

it('runas, shell, and creates verified after running', async () => {
  const k = kit();
  const c = chunk('cmd', 'run', 'echo $0; id -un', { runas: 'nobody', shell: '/bin/bash' });
  const r = await converge(k, run, c);
  expect((r.outcome.changes as { stdout: string }).stdout).toBe('/bin/bash\nnobody');
  const bad = chunk('cmd', 'run', 'true', { creates: path.join(tmp, 'never') });
  // The engine re-checks a cmd.run with `creates`: a command that did not create the file is still pending.
  expect(run.recheck instanceof Function && run.recheck(run.parse('cmd.run bad', { name: 'true', ...bad.args }, bad))).toBe(true);
  expect((await converge(k, run, bad)).after).toEqual({ cmd: 'true' });
});

it('watch runs the command (respecting guards)', async () => {
  const k = kit();
  const f = path.join(tmp, 'w');
  const c = chunk('cmd', 'run', `echo x >> ${f}`);
  const p = run.parse('r', c.args, c);
  expect((await run.watch!(p, k.applyCtx(c))).changes).toMatchObject({ retcode: 0 });
  const g = chunk('cmd', 'run', `echo x >> ${f}`, { onlyif: 'false' });
  expect(await run.watch!(run.parse('r', g.args, g), k.applyCtx(g))).toEqual({ changes: {}, comment: 'onlyif condition is false' });
  expect(readFileSync(f, 'utf8')).toBe('x\n');
});

it('parse validates', () => {
  const p = (name: string, args: Record<string, unknown>) => () => run.parse('cmd.run:x', args, chunk('cmd', 'run', name, args));
  expect(p(' ', {})).toThrow(/empty command/);
  expect(p('ls', { env: 'A=1' })).toThrow(/env: item 0: expected a mapping/);
  expect(p('ls', { creates: 'rel' })).toThrow(/creates: "rel" is not an absolute path/);
  expect(p('ls', { unless: { a: 1 } })).toThrow(/unless: item 0/);
  expect(p('ls', { stateful: true })).toThrow(/stateful/);
});

it('cmd.wait does nothing on its own and runs the command, guards included, when a watched state changed', async () => {
  const k = kit();
  const { wait } = cmdModule.functions;
  const out = path.join(tmp, 'out');
  const c = chunk('cmd', 'wait', `echo ran >> ${out}`, { unless: `grep -q stop ${out}` });
  const p = wait.parse('r', c.args, c);
  expect(await wait.check(p, k.checkCtx(c))).toEqual({});
  expect(wait.okComment!(p)).toBe('');
  expect(await wait.watchTestComment!(p, k.checkCtx(c))).toBe(`Command "echo ran >> ${out}" would have been executed`);
  expect(existsSync(out)).toBe(false);
  expect((await wait.watch!(p, k.applyCtx(c))).comment).toBe(`Command "echo ran >> ${out}" run`);
  expect(readFileSync(out, 'utf8')).toBe('ran\n');
  await wait.watch!(p, k.applyCtx(c));
  expect(readFileSync(out, 'utf8')).toBe('ran\nran\n');
  require('fs').appendFileSync(out, 'stop\n');
  expect(await wait.check(p, k.checkCtx(c))).toEqual({});
  expect(wait.watchSkipped!(p)).toBe('unless condition is true');
});

it('cmd.run runs in the home directory without cwd, as Salt\'s cmd module does', async () => {
  const k = kit();
  const c = chunk('cmd', 'run', 'pwd');
  expect((await converge(k, run, c)).outcome.changes).toMatchObject({ retcode: 0, stdout: os.homedir() });
  // nobody's home (/nonexistent) is not there: Salt falls back to /.
  const n = chunk('cmd', 'run', 'pwd', { runas: 'nobody' });
  expect((await converge(k, run, n)).outcome.changes).toMatchObject({ retcode: 0, stdout: '/' });
});

it('cmd.script: a salt:// script (templated), args from args or name, its cwd; failures and a missing source as Salt reports them', async () => {
  const { script } = cmdModule.functions;
  const root = path.join(tmp, 'roots');
  mkdirSync(root);
  writeFileSync(path.join(root, 's.sh'), '#!/bin/sh\necho "args: $*"\necho "v={{ v }}"\npwd\n');
  writeFileSync(path.join(root, 'f.sh'), '#!/bin/sh\necho fail >&2\nexit 3\n');
  const k = kit({ fileRoot: root });
  const go = async (name: string, args: Record<string, unknown>) => {
    const c = chunk('cmd', 'script', name, args);
    const p = script.parse('r', c.args, c);
    expect(script.testComment!(p)).toBe(`Command '${name}' would have been executed`);
    const pending = await script.check(p, k.checkCtx(c));
    expect(pending).toEqual({ cmd: name });
    return script.apply(p, pending, k.applyCtx(c));
  };
  expect(await go('a', { source: 'salt://s.sh', args: 'one "two three"' })).toMatchObject({ changes: { retcode: 0, stdout: `args: one two three\nv={{ v }}\n${os.homedir()}`, stderr: '' }, comment: "Command 'a' run" });
  expect(await go('my-script --flag x', { source: 'salt://s.sh', template: 'jinja', context: { v: 'ctx' }, cwd: tmp })).toMatchObject({ changes: { stdout: `args: --flag x\nv=ctx\n${tmp}` }, comment: "Command 'my-script --flag x' run" });
  // The temporary script is gone afterwards.
  expect(readdirSync(tmp).filter((f) => f.startsWith('__brine.tmp'))).toEqual([]);
  await expect(go('d', { source: 'salt://f.sh' })).rejects.toMatchObject({ message: "Command 'd' run", changes: { retcode: 3, stdout: '', stderr: 'fail' } });
  await expect(go('e', { source: 'salt://missing.sh' })).rejects.toMatchObject({ message: "Unable to cache script salt://missing.sh from saltenv 'base'", changes: { pid: 0, retcode: 1, stdout: '', stderr: '', cache_error: true } });
});
