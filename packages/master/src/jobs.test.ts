import { JobWatch, type WatchSink } from './jobs';
import type { ReturnRecord } from './jobcache';

function sink(): WatchSink & { events: Record<string, unknown>[]; ended?: Record<string, unknown> } {
  const s = {
    events: [] as Record<string, unknown>[],
    ended: undefined as Record<string, unknown> | undefined,
    event: (d: Record<string, unknown>) => void s.events.push(d),
    end: (d: Record<string, unknown>) => void (s.ended = d),
  };
  return s;
}

const ret = (id: string): ReturnRecord => ({ id, jid: 'j', fun: 'test.ping', ret: true, retcode: 0, success: true, received: '' });

test('ends when every expected minion returned; a return from anyone else does not count', () => {
  const s = sink();
  const ids = Array.from({ length: 1000 }, (_, i) => `m${i}`);
  let ended = 0;
  const w = new JobWatch('j', ids, s, 60_000, 60_000, () => true, () => ended++);
  w.onReturn(ret('stranger'));
  for (const id of ids.slice(0, 999)) w.onReturn(ret(id));
  w.onReturn(ret('m0')); // twice
  expect(w.finished).toBe(false);
  expect(w.expects('m5')).toBe(true);
  expect(w.expects('stranger')).toBe(false);
  w.onReturn(ret('m999'));
  expect(w.finished).toBe(true);
  expect(ended).toBe(1);
  expect(s.ended).toEqual({ ok: true, jid: 'j', missing: {} });
});

test('ends early once the minions still missing are not connected, and names them', () => {
  const s = sink();
  const connected = new Set(['a', 'b', 'c']);
  const w = new JobWatch('j', ['a', 'b', 'c', 'd'], s, 60_000, 60_000, (id) => connected.has(id), () => undefined);
  w.onReturn(ret('a'));
  connected.delete('c');
  w.onReturn(ret('b'));
  expect(w.finished).toBe(true);
  expect(s.ended).toEqual({ ok: true, jid: 'j', missing: { c: 'Not connected', d: 'Not connected' } });
});

test('a connected minion that has not returned keeps the watch open', () => {
  const s = sink();
  const w = new JobWatch('j', ['a', 'b', 'c'], s, 60_000, 60_000, (id) => id !== 'a', () => undefined);
  w.onReturn(ret('c'));
  expect(w.finished).toBe(false);
  w.finish();
  expect(s.ended).toEqual({ ok: true, jid: 'j', missing: { a: 'Not connected', b: 'Timed out' } });
});
