import { acceptNoticeDelay, buildAcceptNotices, NOTICE_IDS, openAcceptNotice } from './accept-notice';
import { createKeyPair } from './crypto/keys';
import { decode, encode } from './codec';
import type { AcceptNotice } from './messages';

const master = createKeyPair();
const other = createKeyPair();
const half = () => 0.5;

test('one signature per group of ids; each listed minion can verify its notice after the wire', () => {
  const ids = Array.from({ length: NOTICE_IDS + 3 }, (_, i) => `m${i}`);
  const notices = buildAcceptNotices(master.privatePem, ids, { fromMs: 100, stepMs: 10 });
  expect(notices.map((n) => n.ids.length)).toEqual([NOTICE_IDS, 3]);
  const wire = decode(encode(notices[1]!)) as AcceptNotice;
  // The group after the first 64 slots; its third id in the middle of the third slot.
  expect(openAcceptNotice(wire, master.publicPem, `m${NOTICE_IDS + 2}`, Date.now(), half)).toBe(100 + NOTICE_IDS * 10 + 25);
});

test('each listed minion comes in its own slot: evenly at the reserved rate, in order, never two in one slot', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `m${i}`);
  const notices = buildAcceptNotices(master.privatePem, ids, { fromMs: 50, stepMs: 4 });
  for (const rand of [() => 0, () => 0.999]) {
    const delays = notices.flatMap((n) => n.ids.map((id) => openAcceptNotice(n, master.publicPem, id, Date.now(), rand)!));
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(50 + i * 4);
      expect(d).toBeLessThan(50 + (i + 1) * 4);
    });
  }
});

test('refused: not listed, another key, edited ids or spread, stale', () => {
  const [n] = buildAcceptNotices(master.privatePem, ['a', 'b'], { fromMs: 0, stepMs: 500 });
  expect(openAcceptNotice(n!, master.publicPem, 'c')).toBeUndefined();
  expect(openAcceptNotice(n!, other.publicPem, 'a')).toBeUndefined();
  expect(openAcceptNotice({ ...n!, ids: ['a', 'c'] }, master.publicPem, 'c')).toBeUndefined();
  expect(openAcceptNotice({ ...n!, spreadMs: 0 }, master.publicPem, 'a')).toBeUndefined();
  expect(openAcceptNotice({ ...n!, fromMs: 5 }, master.publicPem, 'a')).toBeUndefined();
  const [old] = buildAcceptNotices(master.privatePem, ['a'], { fromMs: 0, stepMs: 1000 }, Date.now() - 3600_000);
  expect(openAcceptNotice(old!, master.publicPem, 'a')).toBeUndefined();
  const [forged] = buildAcceptNotices(other.privatePem, ['a'], { fromMs: 0, stepMs: 1000 });
  expect(openAcceptNotice(forged!, master.publicPem, 'a')).toBeUndefined();
});

test('without a key to check with (first contact, answered busy): a fresh notice naming the minion is a prompt, anything else is not', () => {
  const [n] = buildAcceptNotices(other.privatePem, ['a', 'b'], { fromMs: 0, stepMs: 500 });
  expect(acceptNoticeDelay(n!, 'a', Date.now(), half)).toBe(250);
  expect(acceptNoticeDelay(n!, 'b', Date.now(), half)).toBe(750);
  expect(acceptNoticeDelay(n!, 'c')).toBeUndefined();
  expect(acceptNoticeDelay({ ...n!, ts: Date.now() - 3600_000 }, 'a')).toBeUndefined();
  expect(acceptNoticeDelay({ ...n!, spreadMs: -1 }, 'a')).toBeUndefined();
  expect(acceptNoticeDelay({ ...n!, fromMs: -1 }, 'a')).toBeUndefined();
  expect(acceptNoticeDelay({ ...n!, spreadMs: 1e12 }, 'a', Date.now(), half)).toBe(150_000);
  expect(acceptNoticeDelay({ ...n!, fromMs: 1e12, spreadMs: 1e12 }, 'b', Date.now(), half)).toBe(1_050_000);
  expect(acceptNoticeDelay({ ...n!, ids: 'a' as unknown as string[] }, 'a')).toBeUndefined();
});
