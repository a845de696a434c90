/** Salt's `test` states: fixtures for requisites and outputters (succeed/fail, with/without changes, nop). */
import type { Changes } from '@brine/core';
import type { StateFunction, StateModule } from '../types';

interface P {
  name: string;
  changes: boolean;
  fail: boolean;
  /** Salt's `comment` argument (default Success! / Failure!). */
  comment?: string;
}

/** Salt 3006's test-mode comment for each (salt/states/test.py). */
function testComment(changes: boolean, fail: boolean): string {
  if (changes) return fail ? "If we weren't testing, this would be failed with changes" : "If we weren't testing, this would be successful with changes";
  return fail ? "If we weren't testing, this would be a failure!" : 'Success!';
}

function fixed(changes: boolean, fail: boolean): StateFunction<P> {
  return {
    parse: (_ref, args) => ({ name: String(args['name']), changes, fail, ...(args['comment'] !== undefined && args['comment'] !== null ? { comment: String(args['comment']) } : {}) }),
    async check(p): Promise<Changes> {
      return p.changes || p.fail ? { testing: { old: 'Unchanged', new: 'Something pretended to change' } } : {};
    },
    async apply(p) {
      if (p.fail) throw new Error(p.comment ?? 'Failure!');
      return { comment: p.comment ?? 'Success!' };
    },
    recheck: false,
    okComment: (p) => p.comment ?? 'Success!',
    testComment: () => testComment(changes, fail),
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
