import { Backoff } from './backoff';

test('delays double up to the cap, each scaled by a jitter factor in [0.5, 1)', () => {
  const lo = new Backoff(1000, 8000, () => 0);
  expect([1, 2, 3, 4, 5].map(() => lo.next())).toEqual([500, 1000, 2000, 4000, 4000]);
  const hi = new Backoff(1000, 8000, () => 0.999);
  expect([1, 2, 3, 4, 5].map(() => hi.next())).toEqual([1000, 1999, 3998, 7996, 7996]);
  hi.reset();
  expect(hi.next()).toBe(1000);
});

test('a thousand minions do not retry in lock step', () => {
  const firsts = Array.from({ length: 1000 }, () => new Backoff(1000, 30000).next());
  const buckets = new Set(firsts.map((d) => Math.floor(d / 50)));
  expect(buckets.size).toBeGreaterThanOrEqual(9); // spread over 500..1000 ms in 50 ms buckets
});
