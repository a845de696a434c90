/** state.single|sls_id|test|show_state_usage|show_highstate|running on a state tree in a temp dir, real files. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, MemoryLogger } from '@brine/core';
import { lookupFunction } from './registry';
import { CallResult, type ExecEnv } from './types';

let tmp: string;
let env: ExecEnv;
const call = async (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, e: ExecEnv = env): Promise<CallResult> => {
  const r = await lookupFunction(fun)(args, kwargs, e);
  return r instanceof CallResult ? r : new CallResult(r);
};
type Ret = Record<string, { result: boolean | null; changes: Record<string, unknown>; comment: string; __id__: string }>;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-statemod-'));
  const roots = path.join(tmp, 'roots');
  fs.mkdirSync(path.join(roots, 'web'), { recursive: true });
  fs.writeFileSync(path.join(roots, 'top.sls'), "base:\n  '*':\n    - web\n");
  fs.writeFileSync(path.join(roots, 'web/init.sls'), `include:\n  - web.conf\n${tmp}/a:\n  file.managed:\n    - contents: A\n    - require:\n      - file: ${tmp}/b\n`);
  fs.writeFileSync(path.join(roots, 'web/conf.sls'), `${tmp}/b:\n  file.managed:\n    - contents: B\n`);
  fs.writeFileSync(path.join(roots, 'unused.sls'), 'nothing: {test.nop: []}\n');
  env = { id: 'm1', grains: { id: 'm1' }, pillar: {}, opts: {}, log: new MemoryLogger(), roots: new FileRoots([roots]), providers: () => ({}) } as unknown as ExecEnv;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("state.single runs one state from its arguments; Salt's return key; test=True writes nothing", async () => {
  const f = path.join(tmp, 'single');
  const dry = await call('state.single', ['file.managed', f], { contents: 'x', test: true });
  expect(dry.outputter).toBe('highstate');
  expect((dry.ret as Ret)[`file_|-${f}_|-${f}_|-managed`]).toMatchObject({ result: null });
  expect(fs.existsSync(f)).toBe(false);
  const r = await call('state.single', ['file.managed'], { name: f, contents: 'x' });
  expect(r.outcome).toBe('ok');
  expect((r.ret as Ret)[`file_|-${f}_|-${f}_|-managed`]).toMatchObject({ result: true, __id__: f });
  // a state from no SLS: __sls__ null, as Salt's
  expect((r.ret as Record<string, { __sls__: unknown }>)[`file_|-${f}_|-${f}_|-managed`]!.__sls__).toBeNull();
  expect(fs.readFileSync(f, 'utf8')).toBe('x\n');
  expect((await call('state.single', ['nodot'], { name: 'x' })).outcome).toBe('error');
  expect((await call('state.single', ['test.fail_without_changes', 'n'])).outcome).toBe('failed');
});

test("state.sls_id runs that ID and the states its requisites name (as Salt's call_chunk), no other ID", async () => {
  const roots = path.join(tmp, 'roots');
  fs.mkdirSync(path.join(roots, 'app'));
  fs.writeFileSync(
    path.join(roots, 'app/init.sls'),
    [
      `${tmp}/one:\n  file.managed:\n    - contents: '1'`,
      `${tmp}/zero:\n  file.managed:\n    - contents: '0'\n    - require_in:\n      - file: ${tmp}/one`,
      `two:\n  file.managed:\n    - name: ${tmp}/two\n    - contents: '2'\n    - require:\n      - file: ${tmp}/one`,
      `${tmp}/other:\n  file.managed:\n    - contents: x\n    - require:\n      - file: two`,
      `${tmp}/listener:\n  file.managed:\n    - contents: l\n    - listen_in:\n      - file: two`,
      `${tmp}/pre:\n  file.managed:\n    - contents: p\n    - prereq:\n      - file: two`,
      '',
    ].join('\n'),
  );
  const r = await call('state.sls_id', ['two', 'app']);
  expect(r.outcome).toBe('ok');
  // Salt 3006.1 (salt-call --local state.sls_id two app) runs zero, one, pre (it prereqs two) and two.
  const keys = ['one', 'zero', 'pre'].map((f) => `file_|-${tmp}/${f}_|-${tmp}/${f}_|-managed`);
  expect(Object.keys(r.ret as Ret).sort()).toEqual([...keys, `file_|-two_|-${tmp}/two_|-managed`].sort());
  expect(['one', 'zero', 'pre', 'two'].map((f) => fs.existsSync(`${tmp}/${f}`))).toEqual([true, true, true, true]);
  expect(['other', 'listener'].map((f) => fs.existsSync(`${tmp}/${f}`))).toEqual([false, false]);
  // The SLS's first example: a requires b (in an included SLS), so both run.
  const web = await call('state.sls_id', [`${tmp}/a`, 'web']);
  expect(Object.keys(web.ret as Ret).sort()).toEqual([`file_|-${tmp}/a_|-${tmp}/a_|-managed`, `file_|-${tmp}/b_|-${tmp}/b_|-managed`]);
  const miss = await call('state.sls_id', ['nope', 'web']);
  expect([miss.outcome, miss.ret]).toEqual(['error', ["No matches for ID 'nope' found in SLS 'web' within saltenv 'base'"]]);
});

test('state.test is a dry run of the highstate or the SLS given', async () => {
  const r = await call('state.test');
  expect(Object.values(r.ret as Ret).map((s) => s.result)).toEqual([null, null]);
  expect(fs.readdirSync(tmp)).toEqual(['roots']);
  expect(Object.keys((await call('state.test', ['web.conf'])).ret as Ret)).toHaveLength(1);
});

test("show_state_usage (Salt's counts per saltenv), show_highstate (high data), running (no daemon: none)", async () => {
  expect((await call('state.show_state_usage')).ret).toEqual({ base: { count_all: 4, count_used: 1, count_unused: 3, used: ['web'], unused: ['top', 'unused', 'web.conf'] } });
  const high = (await call('state.show_highstate')).ret as Record<string, Record<string, unknown>>;
  expect(Object.keys(high).sort()).toEqual([`${tmp}/a`, `${tmp}/b`]);
  expect(high[`${tmp}/b`]).toMatchObject({ __sls__: 'web.conf', __env__: 'base' });
  expect((await call('state.running')).ret).toEqual([]);
  const withJobs = { ...env, hooks: { 'saltutil.running': async () => [{ jid: '1', fun: 'state.apply', pid: 42, started: 'then' }, { jid: '2', fun: 'cmd.run', pid: 43 }] } } as ExecEnv;
  expect((await call('state.running', [], {}, withJobs)).ret).toEqual(['The function "state.apply" is running as PID 42 and was started at then with jid 1']);
});

test("no top file: the highstate returns Salt's entry (its keys only), show_top {}, show_lowstate []; the log names the file", async () => {
  fs.rmSync(path.join(tmp, 'roots', 'top.sls'));
  const r = await call('state.highstate');
  expect(r.outcome).toBe('failed');
  expect(r.ret).toEqual({
    'no_|-states_|-states_|-None': { result: false, comment: 'No Top file or master_tops data matches found. Please see master log for details.', name: 'No States', changes: {}, __run_num__: 0 },
  });
  expect((await call('state.show_top')).ret).toEqual({});
  expect((await call('state.show_lowstate')).ret).toEqual([]);
  expect((await call('state.show_highstate')).ret).toEqual({});
  expect((env.log as MemoryLogger).lines.some((l) => l.level === 'warn' && l.msg.startsWith('No top file top.sls in the file roots'))).toBe(true);
});

test('every missing include is its own error, for show_sls and a run alike (Salt lists each)', async () => {
  fs.writeFileSync(path.join(tmp, 'roots', 'inc2.sls'), 'include:\n  - missing1\n  - missing2\n');
  for (const fun of ['state.show_sls', 'state.sls']) {
    const r = await call(fun, ['inc2']);
    expect(r.outcome).toBe('error');
    expect((r.ret as string[]).map((m) => m.replace(/^.*inc2\.sls/, 'inc2.sls').split(' (')[0])).toEqual([
      "inc2.sls:2: include: SLS 'missing1' is not in environment 'base'",
      "inc2.sls:3: include: SLS 'missing2' is not in environment 'base'",
    ]);
  }
});
