/**
 * Missing SLS: Salt's render_state notes each missing include and goes on, so a run reports every one (Salt 3006.1's
 * `state.show_sls inc2` with `include: [missing1, missing2]` lists two errors). Brine's messages name file:line.
 */
import * as path from 'path';
import { FileRoots } from '@brine/core';
import { HighBuilder, loadSlsFile, MissingSlsError, MissingSlsErrors } from './collect';
import { tempTree } from '../salt/testkit';

function build(files: Record<string, string>, ...sls: string[]) {
  const roots = new FileRoots([tempTree(files)]);
  const b = new HighBuilder((s, env, from) => loadSlsFile(roots, env, s, from, (_f, text) => text));
  for (const s of sls) b.add(s);
  return b.finish();
}

test('every missing include is reported, each with its line; what exists is still rendered', () => {
  let err: unknown;
  try {
    build({ 'inc2.sls': 'include:\n  - missing1\n  - present\n  - missing2\nx: {test.nop: []}\n', 'present.sls': 'p: {test.nop: []}\n' }, 'inc2');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MissingSlsErrors);
  const errors = (err as MissingSlsErrors).errors.map((e) => e.message.replace(/^.*inc2\.sls/, 'inc2.sls'));
  expect(errors).toEqual([
    "inc2.sls:2: include: SLS 'missing1' is not in environment 'base' (no missing1.sls or missing1/init.sls in the file roots; fix the name or add the file)",
    "inc2.sls:4: include: SLS 'missing2' is not in environment 'base' (no missing2.sls or missing2/init.sls in the file roots; fix the name or add the file)",
  ]);
});

test('one missing SLS is that one error; SLS named on the command line are each reported', () => {
  expect(() => build({ 'a.sls': 'include:\n  - gone\n' }, 'a')).toThrow(MissingSlsError);
  let err: unknown;
  try {
    build({ 'a.sls': 'a: {test.nop: []}\n' }, 'x', 'a', 'y');
  } catch (e) {
    err = e;
  }
  expect((err as MissingSlsErrors).errors.map((e) => path.basename(e.message.split(':')[0]!))).toEqual(['x.sls', 'y.sls']);
});
