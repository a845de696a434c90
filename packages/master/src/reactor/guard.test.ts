import { CauseTracker } from './guard';

const jid = (i: number) => `2026120216451234${String(i).padStart(4, '0')}`;

test('independent events are never limited, however many', () => {
  const g = new CauseTracker(2);
  for (let i = 0; i < 1000; i++) {
    const cause = g.causeOf('salt/auth', { id: `m${i}`, act: 'pend' }, undefined);
    expect(cause).toBeUndefined();
    expect(g.admit(cause).reaction).toEqual({ depth: 1, chain: expect.any(Number) });
  }
  // Returns of jobs nobody's reaction started: independent too.
  expect(g.causeOf(`salt/job/${jid(1)}/ret/m1`, { jid: jid(1) }, undefined)).toBeUndefined();
  expect(g.refused).toBe(0);
});

test('a chain through the jobs reactions publish is stopped beyond the limit, flagged once per chain', () => {
  const g = new CauseTracker(3);
  // The operator's job returns: a reaction at depth 1 publishes job 1 (its `new` event fired in the reaction's
  // context marks it); its return causes depth 2, and so on.
  let cause = g.causeOf(`salt/job/${jid(0)}/ret/m1`, {}, undefined);
  const depths: number[] = [];
  for (let i = 1; i <= 3; i++) {
    const a = g.admit(cause);
    if (!a.reaction) throw new Error('refused too early');
    depths.push(a.reaction.depth);
    expect(g.causeOf(`salt/job/${jid(i)}/new`, { jid: jid(i), user: 'Reactor' }, a.reaction)).toBe(a.reaction);
    cause = g.causeOf(`salt/job/${jid(i)}/ret/m1`, { jid: jid(i) }, undefined);
    expect(cause).toEqual(a.reaction);
  }
  expect(depths).toEqual([1, 2, 3]);
  expect(g.admit(cause)).toEqual({ reaction: null, depth: 4, firstInChain: true });
  expect(g.admit(cause)).toEqual({ reaction: null, depth: 4, firstInChain: false });
  expect(g.refused).toBe(2);
  // Another chain's first refusal is flagged again; an independent event is still admitted meanwhile.
  const other = { depth: 3, chain: cause!.chain + 100 };
  expect(g.admit(other)).toMatchObject({ reaction: null, firstInChain: true });
  expect(g.admit(undefined).reaction).toMatchObject({ depth: 1 });
});

test('attribution: runner jids, data.jid, events fired in a reaction context; minion events stay independent', () => {
  const g = new CauseTracker(10);
  const r = { depth: 2, chain: 7 };
  expect(g.causeOf(`salt/run/${jid(5)}/new`, {}, r)).toBe(r);
  expect(g.causeOf(`salt/run/${jid(5)}/ret`, {}, undefined)).toBe(r);
  expect(g.causeOf('myco/custom', { jid: jid(5) }, undefined)).toBe(r);
  expect(g.causeOf('salt/key', { id: 'm1', act: 'accept' }, r)).toBe(r);
  // A `ret` fired in a reaction's context does not mark anything: only `new` events do.
  g.causeOf(`salt/job/${jid(6)}/ret/m1`, {}, r);
  expect(g.causeOf(`salt/job/${jid(6)}/ret/m2`, {}, undefined)).toBeUndefined();
  expect(g.causeOf('salt/beacon/m1/service/nginx', { id: 'm1' }, undefined)).toBeUndefined();
});
