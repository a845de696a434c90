import { nullLogger, type LowChunk, type RequisiteType, type StateReturn } from '@brine/core';
import { CompileError, runStates, type RunOptions } from './runner';
import { testState } from './states/test';
import type { HostReader, HostWriter, StateFunction } from './types';

let line = 0;
function chunk(id: string, fun: string, req: Partial<Record<RequisiteType, string[]>> = {}, extra: Partial<LowChunk> = {}): LowChunk {
  const requisites: LowChunk['requisites'] = {};
  for (const [t, ids] of Object.entries(req)) requisites[t as RequisiteType] = ids!.map((target) => ({ kind: 'test', target }));
  return { id, name: id, state: 'test', fun, sls: 'fixture', env: 'base', file: 'fixture.sls', line: ++line, order: line, args: {}, requisites, ...extra };
}

/** A state whose check/apply/watch calls are recorded, to see what ran. */
const calls: string[] = [];
const recorder: StateFunction<{ name: string; changes: boolean }> = {
  parse: (_r, a) => ({ name: String(a['name']), changes: Boolean(a['changes']) }),
  check: async (p) => (p.changes ? { x: { old: 1, new: 2 } } : {}),
  apply: async (p) => {
    calls.push(`apply:${p.name}`);
  },
  watch: async (p) => {
    calls.push(`watch:${p.name}`);
    return { changes: { restarted: true } };
  },
  recheck: false,
};

function opts(test = false, writerCalls = { n: 0 }): RunOptions {
  return {
    test,
    reader: {} as HostReader,
    makeWriter: () => {
      writerCalls.n++;
      return {} as HostWriter;
    },
    files: { fetch: () => null },
    template: { render: (t) => t },
    providers: {} as RunOptions['providers'],
    log: nullLogger,
    lookup: (s, f) => (s === 'rec' ? (recorder as StateFunction<unknown>) : s === 'test' ? (testState.functions[f] as StateFunction<unknown>) : undefined),
  };
}

const byId = (ret: StateReturn) => Object.fromEntries(Object.values(ret).map((r) => [r.__id__, r]));

beforeEach(() => (calls.length = 0));

test('require on a failed state fails the dependent without running it', async () => {
  const ret = byId(await runStates([chunk('a', 'fail_without_changes'), chunk('b', 'succeed_with_changes', { require: ['a'] })], opts()));
  expect(ret['a']!.result).toBe(false);
  expect(ret['b']!.result).toBe(false);
  expect(ret['b']!.comment).toBe('One or more requisite failed: fixture.a');
});

test('requisites pull a later state forward; run numbers follow execution order', async () => {
  const ret = byId(await runStates([chunk('first', 'succeed_without_changes', { require: ['second'] }), chunk('second', 'succeed_without_changes')], opts()));
  expect(ret['second']!.__run_num__).toBe(0);
  expect(ret['first']!.__run_num__).toBe(1);
});

test('onchanges runs only when a target changed', async () => {
  const ret = byId(
    await runStates(
      [chunk('quiet', 'succeed_without_changes'), chunk('noisy', 'succeed_with_changes'), chunk('on_quiet', 'succeed_with_changes', { onchanges: ['quiet'] }), chunk('on_noisy', 'succeed_with_changes', { onchanges: ['noisy'] })],
      opts(),
    ),
  );
  expect(ret['on_quiet']!.comment).toMatch(/none of the onchanges reqs changed/);
  expect(ret['on_quiet']!.changes).toEqual({});
  expect(ret['on_noisy']!.changes).not.toEqual({});
});

test('onchanges on a failed target fails the dependent without running it (as Salt does)', async () => {
  const ret = byId(await runStates([chunk('broken', 'fail_with_changes'), chunk('after', 'succeed_with_changes', { onchanges: ['broken'] })], opts()));
  expect(ret['after']!.result).toBe(false);
  expect(ret['after']!.changes).toEqual({});
  expect(ret['after']!.comment).toBe('One or more requisite failed: fixture.broken');
});

test('onfail runs only when a target failed, and its failing target does not fail it', async () => {
  const ret = byId(await runStates([chunk('bad', 'fail_without_changes'), chunk('good', 'succeed_without_changes'), chunk('rescue', 'succeed_with_changes', { onfail: ['bad'] }), chunk('idle', 'succeed_with_changes', { onfail: ['good'] })], opts()));
  expect(ret['rescue']!.result).toBe(true);
  expect(ret['rescue']!.changes).not.toEqual({});
  expect(ret['idle']!.comment).toMatch(/onfail req did not change/);
});

test('watch calls mod_watch when the watched state changed, and not otherwise', async () => {
  const c1 = { ...chunk('conf', 'succeed_with_changes') };
  const svc = { ...chunk('svc', 'x', { watch: ['conf'] }), state: 'rec', requisites: { watch: [{ kind: 'test', target: 'conf' }] } };
  const svc2 = { ...chunk('svc2', 'x'), state: 'rec', requisites: { watch: [{ kind: 'test', target: 'calm' }] } };
  const ret = byId(await runStates([c1, chunk('calm', 'succeed_without_changes'), svc, svc2], opts()));
  expect(calls).toEqual(['watch:svc']);
  expect(ret['svc']!.changes).toEqual({ restarted: true });
  expect(ret['svc2']!.changes).toEqual({});
});

test('a watched state whose guard says skip is Clean in a dry run too, and its mod_watch does not run', async () => {
  const guarded: StateFunction<{ skip?: string }> = {
    parse: () => ({}),
    check: async (p) => {
      p.skip = 'unless condition is true';
      return {};
    },
    apply: async () => undefined,
    watch: async () => {
      calls.push('watch:guarded');
      return { changes: { ran: true } };
    },
    watchSkipped: (p) => p.skip,
  };
  const o = (test: boolean) => ({ ...opts(test), lookup: (s: string, f: string) => (s === 'guard' ? (guarded as StateFunction<unknown>) : opts().lookup(s, f)) });
  const chunks = () => [chunk('conf', 'succeed_with_changes'), { ...chunk('cmd', 'run'), state: 'guard', requisites: { watch: [{ kind: 'test', target: 'conf' }] } }];
  for (const test of [true, false]) {
    const ret = byId(await runStates(chunks(), o(test)));
    expect([ret['cmd']!.result, ret['cmd']!.comment, ret['cmd']!.changes]).toEqual([true, 'unless condition is true', {}]);
  }
  expect(calls).toEqual([]);
});

test('prereq runs the declaring state first, and only if the target would change', async () => {
  const will = { ...chunk('will', 'x', {}, { args: { changes: true } }), state: 'rec' };
  const wont = { ...chunk('wont', 'x'), state: 'rec' };
  const before1 = { ...chunk('before_will', 'x', {}, { args: { changes: true } }), state: 'rec', requisites: { prereq: [{ kind: 'rec', target: 'will' }] } };
  const before2 = { ...chunk('before_wont', 'x', {}, { args: { changes: true } }), state: 'rec', requisites: { prereq: [{ kind: 'rec', target: 'wont' }] } };
  const ret = byId(await runStates([will, wont, before1, before2], opts()));
  expect(calls).toEqual(['apply:before_will', 'apply:will']);
  expect(ret['before_wont']!.comment).toBe('No changes detected');
});

test('failhard stops the run at the first failure', async () => {
  const ret = byId(await runStates([chunk('a', 'fail_without_changes', {}, { failhard: true }), chunk('b', 'succeed_with_changes')], opts()));
  expect(ret['a']!.result).toBe(false);
  expect(ret['b']).toBeUndefined();
});

test('test mode never constructs a writer and reports pending changes as None', async () => {
  const w = { n: 0 };
  const ret = byId(await runStates([chunk('a', 'succeed_with_changes'), chunk('b', 'succeed_without_changes')], opts(true, w)));
  expect(w.n).toBe(0);
  expect(ret['a']!.result).toBeNull();
  expect(ret['a']!.changes).not.toEqual({});
  expect(ret['b']!.result).toBe(true);
});

test('a requisite cycle is reported, not looped', async () => {
  const ret = byId(await runStates([chunk('a', 'succeed_without_changes', { require: ['b'] }), chunk('b', 'succeed_without_changes', { require: ['a'] })], opts()));
  expect(Object.values(ret).some((r) => r.result === false && /Recursive requisite/.test(r.comment))).toBe(true);
});

test('unknown state functions are compile errors naming file and line, and nothing runs', async () => {
  const bad = { ...chunk('x', 'nope'), state: 'nosuch', file: 'web/init.sls', line: 7 };
  const w = { n: 0 };
  await expect(runStates([chunk('ok', 'succeed_with_changes'), bad], opts(false, w))).rejects.toThrow(CompileError);
  await expect(runStates([bad], opts())).rejects.toThrow(/web\/init.sls:7: x: state function 'nosuch.nope' is not available/);
  expect(w.n).toBe(0);
});

test('a requisite to a missing ID is an error naming the declaring state', async () => {
  await expect(runStates([chunk('a', 'succeed_without_changes', { require: ['ghost'] })], opts())).rejects.toThrow(/fixture.sls:\d+: .*ghost.*matches no state/);
});

test('requisites are matched when running: by name or ID, globs, whole SLS globs', async () => {
  const a = { ...chunk('conf_a', 'succeed_with_changes'), name: '/etc/app/a.conf' };
  const b = { ...chunk('conf_b', 'succeed_with_changes'), name: '/etc/app/b.conf', sls: 'app.extra' };
  const svc = { ...chunk('svc', 'x'), state: 'rec', requisites: { watch: [{ kind: 'test', target: '/etc/app/*.conf' }], require: [{ kind: 'sls', target: 'app.*' }] } };
  const ret = byId(await runStates([svc, a, b], opts()));
  expect(calls).toEqual(['watch:svc']);
  // require (the sls glob: conf_b) runs before watch (the name glob: conf_a, conf_b); svc's mod_watch is its second
  // call (Salt calls the state, then mod_watch, and keeps the second run number)
  expect([ret['conf_a']!.__run_num__, ret['conf_b']!.__run_num__, ret['svc']!.__run_num__]).toEqual([1, 0, 3]);
});

test('`_in` requisites are inverted when running: require_in, watch_in, onchanges_in, listen_in', async () => {
  const conf = { ...chunk('conf', 'succeed_with_changes'), requisites: { watch_in: [{ kind: 'rec', target: 'svc' }], listen_in: [{ kind: 'rec', target: 'late' }] } };
  const svc = { ...chunk('svc', 'x'), state: 'rec' };
  const late = { ...chunk('late', 'x'), state: 'rec' };
  const first = { ...chunk('first', 'succeed_without_changes'), requisites: { require_in: [{ kind: 'id', target: 'conf' }] } };
  const quiet = { ...chunk('quiet', 'succeed_with_changes'), requisites: { onchanges_in: [{ kind: 'test', target: 'first' }] } };
  const ret = byId(await runStates([svc, late, conf, first, quiet], opts()));
  expect(calls).toEqual(['watch:svc', 'watch:late']);
  // The listener's run is Salt's `listener_<ID>` (tag and __id__), after the others (svc's mod_watch took two numbers).
  expect(ret['listener_late']!.__run_num__).toBe(6);
  expect(ret['first']!.__run_num__).toBeLessThan(ret['conf']!.__run_num__);
  expect(ret['svc']!.__run_num__).toBeGreaterThan(ret['conf']!.__run_num__);
});

test("requisites that match nothing fail the run before anything runs, in Salt's words, all of them", async () => {
  const w = { n: 0 };
  const bad = chunk('bad', 'succeed_with_changes', {}, { requisites: { require: [{ kind: 'pkg', target: 'not-here' }, { kind: 'sls', target: 'also.not.here' }], watch: [{ kind: 'file', target: '/etc/none/*' }] } });
  const run = runStates([chunk('ok', 'succeed_with_changes'), bad], opts(false, w));
  await expect(run).rejects.toThrow(CompileError);
  await run.catch((e: CompileError) =>
    expect(e.errors).toEqual([
      `fixture.sls:${bad.line}: bad: The following requisites were not found: require: pkg: not-here; require: sls: also.not.here; watch: file: /etc/none/* (matches no state in this run: check the ID, name or SLS, and that its SLS is included)`,
    ]),
  );
  expect(w.n).toBe(0);
});
