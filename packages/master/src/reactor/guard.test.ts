import { foldTag, LoopGuard } from './guard';

test('jids are folded out of tags, nothing else is', () => {
  expect(foldTag('salt/job/20261202164512345678/ret/web1')).toBe('salt/job/<jid>/ret/web1');
  expect(foldTag('salt/job/20261202164512345678/new')).toBe('salt/job/<jid>/new');
  expect(foldTag('salt/beacon/web1/service/nginx')).toBe('salt/beacon/web1/service/nginx');
  expect(foldTag('myco/12345/x')).toBe('myco/12345/x');
});

test('a key is allowed `limit` times per window, refused after (first refusal flagged once), free again after the window', () => {
  let now = 0;
  const g = new LoopGuard(3, 10_000, () => now);
  const tag = (jid: string) => `salt/job/${jid}/ret/m1`;
  expect([1, 2, 3].map((i) => g.check('salt://r.sls', tag(`2026120216451234567${i}`)).allowed)).toEqual([true, true, true]);
  const r4 = g.check('salt://r.sls', tag('20261202164512345674'));
  expect(r4).toEqual({ allowed: false, count: 4, firstRefusal: true });
  expect(g.check('salt://r.sls', tag('20261202164512345675')).firstRefusal).toBe(false);
  // Other minions, other files: their own budgets.
  expect(g.check('salt://r.sls', 'salt/job/20261202164512345676/ret/m2').allowed).toBe(true);
  expect(g.check('salt://other.sls', tag('20261202164512345677')).allowed).toBe(true);
  expect(g.refused).toBe(2);
  now = 10_001;
  expect(g.check('salt://r.sls', tag('20261202164512345678')).allowed).toBe(true);
});
