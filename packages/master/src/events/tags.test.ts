/** Who may fire what on the master's bus, the shape of minion events, and salt/key events from key store changes. */
import { EventBus, type BrineEvent } from './bus';
import { KeyEvents } from './key-events';
import { Presence } from './presence';
import { minionEventData, minionTagRefusal } from './tags';

test("a minion fires its own tags and any outside salt/, never the master's or another minion's", () => {
  expect(minionTagRefusal('web1', 'myco/deploy/done')).toBeNull();
  expect(minionTagRefusal('web1', 'salt/minion/web1/start')).toBeNull();
  expect(minionTagRefusal('web1', 'salt/beacon/web1/service/')).toBeNull();
  for (const t of ['salt/minion/web2/start', 'salt/minion/web1x/start', 'salt/beacon/web2/service/', 'salt/auth', 'salt/key', 'salt/job/1/ret/web1', 'salt/minion/web1']) {
    expect(minionTagRefusal('web1', t)).toMatch(/may not fire/);
  }
  expect(minionTagRefusal('web1', 'a\nb')).toMatch(/control characters/);
});

test("minion events carry the sender's id: Salt's _minion_event load, or flat for beacons", () => {
  expect(minionEventData('web1', 'myco/x', { id: 'web2', a: 1 })).toEqual({ id: 'web1', cmd: '_minion_event', tag: 'myco/x', data: { id: 'web2', a: 1 }, pretag: null });
  expect(minionEventData('web1', 'salt/beacon/web1/load/', { id: 'web2', '1m': 3 })).toEqual({ id: 'web1', '1m': 3 });
  expect(minionEventData('web1', 'salt/beacon/web1/load/', 'text')).toMatchObject({ id: 'web1', data: 'text' });
});

test('salt/key events follow the key store, from the second look on', () => {
  const bus = new EventBus();
  const seen: BrineEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  const k = new KeyEvents(bus);
  k.check({ accepted: ['a'], pending: ['b', 'c'], rejected: [], denied: [] });
  expect(seen).toEqual([]);
  k.check({ accepted: ['a', 'b'], pending: [], rejected: ['c'], denied: [] });
  k.check({ accepted: ['b'], pending: [], rejected: ['c'], denied: [] });
  expect(seen.map((e) => [e.tag, e.data['id'], e.data['act']])).toEqual([
    ['salt/key', 'b', 'accept'],
    ['salt/key', 'c', 'reject'],
    ['salt/key', 'a', 'delete'],
  ]);
});

test('presence: change on a difference, present every interval', () => {
  const bus = new EventBus();
  const seen: BrineEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  const p = new Presence(bus, 60_000);
  p.check(['a', 'b'], 0);
  p.check(['b', 'a'], 2000);
  p.check(['b', 'c'], 4000);
  p.check(['b', 'c'], 61_000);
  expect(seen.map((e) => [e.tag, e.data['new'] ?? e.data['present'], e.data['lost']])).toEqual([
    ['salt/presence/change', ['a', 'b'], []],
    ['salt/presence/present', ['a', 'b'], undefined],
    ['salt/presence/change', ['c'], ['a']],
    ['salt/presence/present', ['b', 'c'], undefined],
  ]);
});
