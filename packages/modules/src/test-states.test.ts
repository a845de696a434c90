/**
 * Salt's test states through a real state run, with requisites (onchanges on a failed state, onfail): results,
 * changes and comments as Salt 3006.1's `salt-call --local --out json state.sls t` gave them, dry run and run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, MemoryLogger } from '@brine/core';
import { lookupFunction } from './registry';
import { CallResult, type ExecEnv } from './types';

const SLS = "a:\n  test.fail_without_changes: []\nb:\n  test.fail_with_changes: []\nc:\n  test.succeed_with_changes: []\nd:\n  test.succeed_without_changes:\n    - comment: hi\ne:\n  test.configurable_test_state: []\nf:\n  test.configurable_test_state:\n    - changes: False\ng:\n  test.configurable_test_state:\n    - changes: False\n    - result: False\n    - comment: nope\nh:\n  test.configurable_test_state:\n    - result: False\ni:\n  test.show_notification:\n    - text: hello there\nj:\n  test.nop: []\nk:\n  test.succeed_with_changes:\n    - onchanges:\n      - test: b\nl:\n  test.succeed_with_changes:\n    - onfail:\n      - test: a\n";
const C = { testing: { old: 'Unchanged', new: 'Something pretended to change' } };

let tmp: string;
let env: ExecEnv;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-teststates-'));
  fs.writeFileSync(path.join(tmp, 't.sls'), SLS);
  env = { id: 'm1', grains: { id: 'm1' }, pillar: {}, opts: {}, log: new MemoryLogger(), roots: new FileRoots([tmp]), providers: () => ({}) } as unknown as ExecEnv;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Without the run numbers (runNums, below, has them). */
async function run(test: boolean): Promise<unknown[]> {
  return (await runNums('t', SLS, test)).map((row) => (row as unknown[]).filter((_x, i) => i !== 1));
}

test('a dry run', async () => {
  expect(await run(true)).toEqual([
    ["a", false, {}, "If we weren't testing, this would be a failure!"],
    ["b", null, C, "If we weren't testing, this would be failed with changes"],
    ["c", null, C, "If we weren't testing, this would be successful with changes"],
    ["d", true, {}, "hi"],
    ["e", null, C, "This is a test"],
    ["f", true, {}, "This is a test"],
    ["g", true, {}, "nope"],
    ["h", null, C, "This is a test"],
    ["i", true, {}, "hello there"],
    ["j", true, {}, "Success!"],
    ["k", null, C, "If we weren't testing, this would be successful with changes"],
    ["l", null, C, "If we weren't testing, this would be successful with changes"],
  ]);
});

test('a run', async () => {
  expect(await run(false)).toEqual([
    ["a", false, {}, "Failure!"],
    ["b", false, C, "Failure!"],
    ["c", true, C, "Success!"],
    ["d", true, {}, "hi"],
    ["e", true, C, ""],
    ["f", true, {}, ""],
    ["g", false, {}, "nope"],
    ["h", false, C, ""],
    ["i", true, {}, "hello there"],
    ["j", true, {}, "Success!"],
    ["k", false, {}, "One or more requisite failed: t.b"],
    ["l", true, C, "Success!"],
  ]);
});

test('configurable_test_state refuses a changes or result that is not True, False or Random', async () => {
  fs.writeFileSync(path.join(tmp, 't.sls'), 'x:\n  test.configurable_test_state:\n    - result: maybe\n');
  const r = await lookupFunction('state.sls')(['t'], {}, env);
  expect(JSON.stringify((r as CallResult).ret)).toContain("You have specified the state option 'result' with invalid arguments. It must be either True, False, or 'Random'");
});

/**
 * The _any and _all requisites and test.mod_watch, against Salt 3006.1 on the same trees (run numbers included: a
 * mod_watch is Salt's second call of a state, so it takes two). Salt lists the failed targets of a failed requisite
 * from a Python set (its order changes between runs); Brine lists them in the order they were declared.
 */
async function runNums(sls: string, text: string, test: boolean): Promise<unknown[]> {
  fs.writeFileSync(path.join(tmp, `${sls}.sls`), text);
  const r = await lookupFunction('state.sls')([sls], { test }, env);
  const ret = (r instanceof CallResult ? r.ret : r) as Record<string, { __run_num__: number; result: unknown; changes: unknown; comment: string }>;
  return Object.entries(ret)
    .sort((a, b) => a[1].__run_num__ - b[1].__run_num__)
    .map(([tag, s]) => [tag.split('_|-')[1], s.__run_num__, s.result, s.changes, s.comment]);
}

const RA = "a:\n  test.fail_without_changes: []\nb:\n  test.fail_without_changes: []\nc:\n  test.succeed_without_changes: []\nx_all_failed:\n  test.succeed_with_changes:\n    - require_any:\n      - test: a\n      - test: b\nx_one_ok:\n  test.succeed_with_changes:\n    - require_any:\n      - test: a\n      - test: c\nw_any:\n  test.succeed_without_changes:\n    - watch_any:\n      - test: a\n      - test: ch\nch:\n  test.succeed_with_changes: []\noc_any:\n  test.succeed_with_changes:\n    - onchanges_any:\n      - test: c\n      - test: ch\noc_none:\n  test.succeed_with_changes:\n    - onchanges_any:\n      - test: c\nof_any:\n  test.succeed_with_changes:\n    - onfail_any:\n      - test: a\n      - test: c\nof_all:\n  test.succeed_with_changes:\n    - onfail_all:\n      - test: a\n      - test: c\nof_plain:\n  test.succeed_with_changes:\n    - onfail:\n      - test: a\n      - test: c\n";
const WT = "src:\n  test.succeed_with_changes: []\nw:\n  test.succeed_without_changes:\n    - watch:\n      - test: src\nw2:\n  test.nop:\n    - comment: custom\n    - watch:\n      - test: src\n";
const W = (...r: string[]) => ({ 'Requisites with changes': r });

test('require_any, watch_any, onchanges_any, onfail_any, onfail_all: a run', async () => {
  expect(await runNums('ra', RA, false)).toEqual([
    ['a', 0, false, {}, 'Failure!'],
    ['b', 1, false, {}, 'Failure!'],
    ['c', 2, true, {}, 'Success!'],
    ['x_all_failed', 3, false, {}, 'One or more requisite failed: ra.a, ra.b'],
    ['x_one_ok', 4, true, C, 'Success!'],
    ['ch', 5, true, C, 'Success!'],
    ['w_any', 7, true, W(), 'Watch statement fired.'],
    ['oc_any', 8, true, C, 'Success!'],
    ['oc_none', 9, true, {}, 'State was not run because none of the onchanges reqs changed'],
    ['of_any', 10, true, C, 'Success!'],
    ['of_all', 11, true, {}, 'State was not run because onfail req did not change'],
    ['of_plain', 12, true, C, 'Success!'],
  ]);
});

test('the same, a dry run', async () => {
  const would = "If we weren't testing, this would be successful with changes";
  expect(await runNums('ra', RA, true)).toEqual([
    ['a', 0, false, {}, "If we weren't testing, this would be a failure!"],
    ['b', 1, false, {}, "If we weren't testing, this would be a failure!"],
    ['c', 2, true, {}, 'Success!'],
    ['x_all_failed', 3, false, {}, 'One or more requisite failed: ra.a, ra.b'],
    ['x_one_ok', 4, null, C, would],
    ['ch', 5, null, C, would],
    ['w_any', 7, true, W(), 'Watch statement fired.'],
    ['oc_any', 8, null, C, would],
    ['oc_none', 9, true, {}, 'State was not run because none of the onchanges reqs changed'],
    ['of_any', 10, null, C, would],
    ['of_all', 11, true, {}, 'State was not run because onfail req did not change'],
    ['of_plain', 12, null, C, would],
  ]);
});

test('test.mod_watch lists the watched states that changed, in a run and a dry run alike', async () => {
  const fired = [
    ['w', 2, true, W('test: src'), 'Watch statement fired.'],
    ['w2', 4, true, W('test: src'), 'custom'],
  ];
  expect(await runNums('wt', WT, false)).toEqual([['src', 0, true, C, 'Success!'], ...fired]);
  expect(await runNums('wt', WT, true)).toEqual([['src', 0, null, C, "If we weren't testing, this would be successful with changes"], ...fired]);
});

test("a dry run's mod_watch of cmd (watch and listen), file.touch and file.directory say what Salt 3006.1's do", async () => {
  const out = path.join(tmp, 'out');
  const sls = [
    `base_file:\n  file.managed:\n    - name: ${out}/a.conf\n    - makedirs: True\n    - contents: v1`,
    'watcher:\n  cmd.wait:\n    - name: echo watched\n    - watch:\n      - file: base_file',
    `multi:\n  file.touch:\n    - names:\n      - ${out}/n1`,
    `dir:\n  file.directory:\n    - name: ${out}/d\n    - mode: 750`,
    'listener:\n  cmd.run:\n    - name: echo listened\n    - listen:\n      - file: base_file',
  ].join('\n');
  const got = await runNums('q', `${sls}\n`, true);
  expect(got.slice(1)).toEqual([
    ['watcher', 2, null, { cmd: 'echo watched' }, 'Command "echo watched" would have been executed'],
    ['multi', 3, null, { new: `${out}/n1` }, `File ${out}/n1 is set to be created`],
    ['dir', 4, null, { [`${out}/d`]: { directory: 'new' } }, `The following files will be changed:\n${out}/d: directory - new\n`],
    ['listener', 5, null, { cmd: 'echo listened' }, 'Command "echo listened" would have been executed'],
    ['listener_listener', 6, null, { cmd: 'echo listened' }, 'Command "echo listened" would have been executed'],
  ]);
});
