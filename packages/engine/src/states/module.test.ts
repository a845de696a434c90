/** module.run through an ExecCaller (a small real registry of functions here; packages/modules passes its own). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StateArgError } from '@brine/core';
import type { ExecCaller } from '../types';
import { moduleModule } from './module';
import { chunk, converge, kit, recheck } from './testkit';

const { run } = moduleModule.functions;
let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-modrun-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const calls: string[] = [];
const fns: Record<string, (args: unknown[], kwargs: Record<string, unknown>) => { ret: unknown; ok: boolean }> = {
  'test.echo': (a) => ({ ret: String(a[0] ?? ''), ok: true }),
  'test.arg': (args, kwargs) => ({ ret: { args, kwargs }, ok: true }),
  'test.false': () => ({ ret: false, ok: true }),
  'file.write': (a) => {
    writeFileSync(String(a[0]), String(a[1]));
    return { ret: `Wrote to ${a[0]}`, ok: true };
  },
  'cmd.run_all': () => ({ ret: { retcode: 3, stdout: '' }, ok: true }),
  'cmd.run': () => ({ ret: 'boom', ok: false }),
};
const exec: ExecCaller = {
  has: (f) => f in fns,
  async call(f, args, kwargs) {
    calls.push(f);
    if (f === 'test.arg' && kwargs['bad']) throw new Error('unexpected keyword bad');
    return fns[f](args, kwargs);
  },
};

it('new style: several functions, positional and keyword arguments, Salt changes and comment', async () => {
  const k = kit({ exec });
  const c = chunk('module', 'run', 'new', { 'test.echo': ['hi'], 'test.arg': ['a', { k: 'v' }] });
  const r = await converge(k, run, c);
  expect(r.outcome).toEqual({ changes: { 'test.echo': 'hi', 'test.arg': { args: ['a'], kwargs: { k: 'v' } } }, comment: 'test.echo: hi, test.arg: Success' });
  const p = run.parse('r', c.args, c);
  expect(run.testComment!(p)).toBe('FunctionTrue test.echo, test.arg to be executed.');
  expect(run.testChanges!(p, {})).toEqual({});
});

it('legacy style: name is the function, m_name passes name, changes {ret}', async () => {
  const k = kit({ exec });
  const c = chunk('module', 'run', 'test.arg', { m_name: 'x', other: 1, args: ['p'] });
  const r = await converge(k, run, c);
  expect(r.outcome).toEqual({ changes: { ret: { args: ['p'], kwargs: { name: 'x', other: 1 } } }, comment: 'Module function test.arg executed' });
  expect(run.testComment!(run.parse('r', c.args, c))).toBe('Module function test.arg is set to execute');
});

it('a dry run only checks (nothing called); an unknown function fails in check', async () => {
  const k = kit({ exec });
  calls.length = 0;
  const target = path.join(tmp, 'f');
  const c = chunk('module', 'run', 'w', { 'file.write': [target, 'x'] });
  expect(await recheck(k, run, c)).toEqual({ 'file.write': 'to be executed' });
  expect(calls).toEqual([]);
  await expect(recheck(k, run, chunk('module', 'run', 'b', { 'test.nope': [] }))).rejects.toThrow('Unavailable function: test.nope.');
  await expect(recheck(k, run, chunk('module', 'run', 'test.nope', {}))).rejects.toThrow('Module function test.nope is not available');
  await expect(recheck(kit(), run, c)).rejects.toThrow(/execution functions are not available/);
  await converge(k, run, c);
  expect(readFileSync(target, 'utf8')).toBe('x');
});

it("failures: False, a non-zero retcode, a failed outcome, an exception; successes are still reported", async () => {
  const k = kit({ exec });
  const c = chunk('module', 'run', 'f', { 'test.false': [], 'cmd.run_all': ['x'], 'cmd.run': ['y'], 'test.arg': [{ bad: 1 }], 'test.echo:2': ['ok'] });
  const p = run.parse('r', c.args, c);
  const err = await run.apply(p, {}, k.applyCtx(c)).catch((e) => e);
  expect(err.message).toBe("'test.false': False, 'cmd.run_all' failed: (error message N/A), 'cmd.run': boom, 'test.arg' failed: unexpected keyword bad, test.echo:2: ok");
  expect(err.changes).toEqual({ 'test.echo:2': 'ok' });
  expect(() => run.parse('module.run x', { 'bad..name': [] }, chunk('module', 'run', 'x'))).toThrow(StateArgError);
  expect(() => run.parse('module.run x', {}, chunk('module', 'run', 'not a function'))).toThrow(/is not a function name/);
});

it('module.wait (and module.watch) does nothing on its own and runs the function as module.run when a watched state changed', async () => {
  const k = kit({ exec });
  const { wait, watch } = moduleModule.functions;
  expect(watch).toBe(wait);
  calls.length = 0;
  const target = path.join(tmp, 'w');
  const c = chunk('module', 'wait', 'w', { 'file.write': [target, 'x'] });
  const p = wait.parse('r', c.args, c);
  expect(await wait.check(p, k.checkCtx(c))).toEqual({});
  expect(wait.okComment!(p)).toBe('');
  expect(calls).toEqual([]);
  // A dry run says what Salt's mod_watch (module.run) says in test mode.
  expect(await wait.watchTestComment!(p, k.checkCtx(c))).toBe('Function file.write to be executed.');
  expect(await wait.watch!(p, k.applyCtx(c))).toEqual({ changes: { 'file.write': `Wrote to ${target}` }, comment: `file.write: Wrote to ${target}` });
  expect(readFileSync(target, 'utf8')).toBe('x');
  const legacy = chunk('module', 'wait', 'test.echo', { args: ['hi'] });
  expect(await wait.watch!(wait.parse('r', legacy.args, legacy), k.applyCtx(legacy))).toEqual({ changes: { ret: 'hi' }, comment: 'Module function test.echo executed' });
  const missing = chunk('module', 'wait', 'w', { 'no.such': [] });
  await expect(wait.watch!(wait.parse('r', missing.args, missing), k.applyCtx(missing))).rejects.toThrow('Unavailable function: no.such.');
});
