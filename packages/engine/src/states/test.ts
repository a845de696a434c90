/** Salt's `test` states: fixtures for requisites and outputters (succeed/fail, with/without changes, nop). */
import type { Changes } from '@brine/core';
import type { StateFunction, StateModule } from '../types';

interface P {
  name: string;
  changes: boolean;
  fail: boolean;
}

function fixed(changes: boolean, fail: boolean): StateFunction<P> {
  return {
    parse: (_ref, args) => ({ name: String(args['name']), changes, fail }),
    async check(p): Promise<Changes> {
      return p.changes || p.fail ? { testing: { old: 'Unchanged', new: 'Something pretended to change' } } : {};
    },
    async apply(p) {
      if (p.fail) throw new Error('Failure!');
      return { comment: 'Success!' };
    },
    recheck: false,
    okComment: () => 'Success!',
    testComment: () => 'If we weren\'t testing, this would be a change',
  };
}

export const testState: StateModule = {
  name: 'test',
  functions: {
    nop: fixed(false, false),
    succeed_without_changes: fixed(false, false),
    succeed_with_changes: fixed(true, false),
    fail_without_changes: fixed(false, true),
    fail_with_changes: fixed(true, true),
  },
};
