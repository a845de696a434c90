import { AuthPace } from './auth-pace';

test('slots are handed out at the rate, one after the other', () => {
  const p = new AuthPace(100); // 10 ms apart
  const now = 1_000_000;
  const slots = Array.from({ length: 5 }, () => p.slot(1000, now));
  expect(slots).toEqual([10, 20, 30, 40, 50]);
  // Time passing frees the slots behind it.
  expect(p.slot(1000, now + 1000)).toBe(10);
});

test('the horizon is bounded by the minions really waiting (strangers cannot push slots away)', () => {
  const p = new AuthPace(100);
  const now = 1_000_000;
  for (let i = 0; i < 10_000; i++) p.slot(3, now);
  expect(p.slot(3, now)).toBe(30);
  expect(p.slot(0, now)).toBe(10);
});
