import { AuthLimiter } from './auth-limit';
import { AuthPace, MAX_SLOT_S } from './auth-pace';

test('slots are handed out at the rate, one after the other', () => {
  const p = new AuthPace(100); // 10 ms apart
  const now = 1_000_000;
  const slots = Array.from({ length: 5 }, () => p.slot(1000, now));
  expect(slots).toEqual([10, 20, 30, 40, 50]);
  // Time passing frees the slots behind it.
  expect(p.slot(1000, now + 1000)).toBe(10);
});

test('a reserved block (a mass accept) comes after the slots handed out, and later slots after the block', () => {
  const p = new AuthPace(100);
  const now = 1_000_000;
  expect(p.reserve(5, now)).toBe(0);
  expect(p.slot(1000, now)).toBe(60);
  expect(p.reserve(3, now)).toBe(60);
  expect(p.slot(1000, now)).toBe(100);
  // Once the block has passed, a reservation starts now.
  expect(p.reserve(1, now + 1000)).toBe(0);
});

test('the horizon is bounded by the minions really waiting (strangers cannot push slots away)', () => {
  const p = new AuthPace(100);
  const now = 1_000_000;
  for (let i = 0; i < 10_000; i++) p.slot(3, now);
  expect(p.slot(3, now)).toBe(30);
  expect(p.slot(0, now)).toBe(10);
});

test('no slot is further than a minute away, however large the crowd', () => {
  const p = new AuthPace(1);
  const now = 1_000_000;
  for (let i = 0; i < 500; i++) p.slot(10_000, now);
  expect(p.slot(10_000, now)).toBe(MAX_SLOT_S * 1000);
  // A crowd of unknown size: the same bound.
  expect(p.slot(undefined, now)).toBe(MAX_SLOT_S * 1000);
});

test('a refusal says which limit: the connection\'s own, or everyone\'s (the crowd, given a slot)', () => {
  const l = new AuthLimiter({ perSecond: 1, perPeerPerSecond: 100 });
  // Checks overall: 4 a second, bursts of 8, whichever connection asks.
  const overall = Array.from({ length: 12 }, (_, i) => l.admit(`peer${i}`));
  expect(overall.slice(0, 8)).toEqual(Array(8).fill(undefined));
  expect(overall.slice(8)).toEqual(Array(4).fill('overall'));
  const own = new AuthLimiter({ perSecond: 100, perPeerPerSecond: 1 });
  expect([own.admit('p'), own.admit('p'), own.admit('p')]).toEqual([undefined, undefined, 'peer']);
  expect(own.checksPerSecond).toBe(400);
  expect(own.signsPerSecond).toBe(20);
});
