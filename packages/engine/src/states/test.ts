/**
 * Salt's `test` states (salt/states/test.py, 3006): fixtures for requisites and outputters. succeed/fail with/without
 * changes, nop, configurable_test_state (changes and result True, False or "Random"), show_notification.
 */
import { StateArgError, type Changes } from '@brine/core';
import { StateFailure, type StateFunction, type StateModule } from '../types';

/** Salt's dummy change. */
const CHANGE: Changes = { testing: { old: 'Unchanged', new: 'Something pretended to change' } };

interface P {
  name: string;
  changes: boolean;
  fail: boolean;
  /** Salt's `comment` argument (default Success! / Failure!). */
  comment?: string;
}

/** Salt 3006's test-mode comment for each. */
function testComment(changes: boolean, fail: boolean): string {
  if (changes) return fail ? "If we weren't testing, this would be failed with changes" : "If we weren't testing, this would be successful with changes";
  return fail ? "If we weren't testing, this would be a failure!" : 'Success!';
}

/**
 * A state that changes something (`changes`) and/or fails (`fail`). Something is pending whenever it changes or
 * fails, so a run reaches apply (which fails with the state's changes, as Salt's) and a dry run reports it: None with
 * the change, or, for a failure without changes, False and nothing (Salt's fail_without_changes in test mode).
 */
function fixed(changes: boolean, fail: boolean): StateFunction<P> {
  return {
    parse: (_ref, args) => ({ name: String(args['name']), changes, fail, ...(args['comment'] !== undefined && args['comment'] !== null ? { comment: String(args['comment']) } : {}) }),
    async check(p): Promise<Changes> {
      return p.changes || p.fail ? CHANGE : {};
    },
    async apply(p) {
      if (p.fail) throw new StateFailure(p.comment ?? 'Failure!', p.changes ? CHANGE : {});
      return { changes: CHANGE, comment: p.comment ?? 'Success!' };
    },
    recheck: false,
    okComment: (p) => p.comment ?? 'Success!',
    testComment: () => testComment(changes, fail),
    testChanges: (p) => (p.changes ? CHANGE : {}),
    testResult: (p) => (p.changes ? null : false),
  };
}

interface Configurable {
  name: string;
  changes: boolean;
  result: boolean;
  comment: string;
}

/** True, False, or "Random" (any case): one of the two, chosen when the state is read. */
function trueFalseRandom(ref: string, args: Record<string, unknown>, key: 'changes' | 'result'): boolean {
  const v = args[key];
  if (v === undefined || v === null || v === true) return true;
  if (v === false) return false;
  if (String(v).toLowerCase() === 'random') return Math.random() < 0.5;
  throw new StateArgError(ref, key, `You have specified the state option '${key}' with invalid arguments. It must be either True, False, or 'Random'`);
}

/**
 * configurable_test_state: `changes` and `result` as given. In test mode Salt reports True when there are no changes,
 * else None, whatever `result` says, with the comment "This is a test" when none is given.
 */
const configurable: StateFunction<Configurable> = {
  parse(ref, args) {
    if (args['warnings'] !== undefined && args['warnings'] !== null) throw new StateArgError(ref, 'warnings', 'is not supported by Brine (Salt adds them to the return)');
    const comment = args['comment'];
    return { name: String(args['name']), changes: trueFalseRandom(ref, args, 'changes'), result: trueFalseRandom(ref, args, 'result'), comment: comment === undefined || comment === null ? '' : String(comment) };
  },
  async check(p): Promise<Changes> {
    return p.changes || !p.result ? CHANGE : {};
  },
  async apply(p) {
    if (!p.result) throw new StateFailure(p.comment, p.changes ? CHANGE : {});
    return { changes: CHANGE, comment: p.comment };
  },
  recheck: false,
  okComment: (p) => p.comment,
  testOkComment: (p) => p.comment || 'This is a test',
  testComment: (p) => p.comment || 'This is a test',
  testChanges: (p) => (p.changes ? CHANGE : {}),
  testResult: (p) => (p.changes ? null : true),
};

/** show_notification: its `text` as the comment, nothing else, in a run and a dry run alike. */
const showNotification: StateFunction<{ text: string }> = {
  parse(ref, args) {
    const text = args['text'];
    if (text === undefined || text === null) throw new StateArgError(ref, 'text', 'Missing required argument text.');
    return { text: String(text) };
  },
  check: async () => ({}),
  apply: async () => ({}),
  recheck: false,
  okComment: (p) => p.text,
};

/**
 * Salt's test.mod_watch, for every test state: True, the `comment` argument or "Watch statement fired.", and the
 * `watch` targets that changed; it touches nothing, so a dry run says the same.
 */
function withModWatch<P extends { comment?: string }>(f: StateFunction<P>): StateFunction<P> {
  const fire = async (p: P, ctx: { watched?: string[] }) => ({ changes: { 'Requisites with changes': ctx.watched ?? [] }, comment: p.comment || 'Watch statement fired.' });
  return { ...f, watch: fire, watchDry: fire };
}

export const testState: StateModule = {
  name: 'test',
  functions: {
    nop: withModWatch(fixed(false, false)),
    succeed_without_changes: withModWatch(fixed(false, false)),
    succeed_with_changes: withModWatch(fixed(true, false)),
    fail_without_changes: withModWatch(fixed(false, true)),
    fail_with_changes: withModWatch(fixed(true, true)),
    configurable_test_state: withModWatch(configurable),
    show_notification: withModWatch(showNotification as StateFunction<{ text: string; comment?: string }>),
  },
};
