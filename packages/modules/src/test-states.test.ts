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

async function run(test: boolean): Promise<unknown[]> {
  const r = await lookupFunction('state.sls')(['t'], { test }, env);
  const ret = (r instanceof CallResult ? r.ret : r) as Record<string, { __run_num__: number; result: unknown; changes: unknown; comment: string }>;
  return Object.entries(ret)
    .sort((a, b) => a[1].__run_num__ - b[1].__run_num__)
    .map(([tag, s]) => [tag.split('_|-')[1], s.result, s.changes, s.comment]);
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
