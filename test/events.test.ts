/**
 * The master's event bus against a real master and minions: Salt's tags for auth, keys, minion start, a job and its
 * returns (in order), events minions send up (`event.send`, `event.fire_master`) filed under their own id, and the
 * refusal of a minion that tries to speak as another or as the master.
 */
import * as fs from 'fs';
import * as path from 'path';
import { json, onMaster, onMasterAsync, startFleet, tempDir, waitFor, writeFiles, type Fleet } from './helpers/fleet';
import { Listener, type BusEvent } from './helpers/listener';
import { brine } from './helpers/cli';

const IDS = ['e1', 'e2'];
let fleet: Fleet;
let dir: string;
let bus: Listener;

beforeAll(async () => {
  dir = tempDir('brine-events-');
  writeFiles(path.join(dir, 'tree'), { 'top.sls': 'base: {}\n' });
  writeFiles(path.join(dir, 'pillar'), { 'top.sls': 'base: {}\n' });
  fleet = await startFleet({ dir, minions: IDS, fileRoots: [path.join(dir, 'tree')], master: { presence_events: true, loop_interval: 1 } });
  await fleet.waitForKeys(IDS, 'pending');
  bus = new Listener(fleet.masterDir);
}, 60_000);

afterAll(async () => {
  await bus?.stop();
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tagged = (tag: string, id?: string) => (e: BusEvent) => e.tag === tag && (id === undefined || e.data['id'] === id);

test('auth, key and minion start events', async () => {
  // Pending minions keep asking: their salt/auth `pend` events also show the listener is subscribed.
  const pend = await bus.next((e) => e.tag === 'salt/auth' && e.data['act'] === 'pend' && e.data['id'] === 'e1', 20_000, 'salt/auth pend');
  expect(pend.data).toMatchObject({ result: true, id: 'e1' });
  expect(String(pend.data['fingerprint'])).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
  expect(pend.data).not.toHaveProperty('pub'); // the fingerprint only, never the key
  expect(typeof pend.data['_stamp']).toBe('string');
  expect(onMaster(fleet, ['key', 'accept', '--all', '-y']).code).toBe(0);
  for (const id of IDS) {
    await bus.next((e) => e.tag === 'salt/key' && e.data['id'] === id && e.data['act'] === 'accept', 10_000, `salt/key accept ${id}`);
    await bus.next((e) => e.tag === 'salt/auth' && e.data['id'] === id && e.data['act'] === 'accept', 20_000, `salt/auth accept ${id}`);
    const start = await bus.next(tagged(`salt/minion/${id}/start`, id), 20_000, `salt/minion/${id}/start`);
    expect(start.data).toMatchObject({ cmd: '_minion_event', tag: `salt/minion/${id}/start` });
    expect(String(start.data['data'])).toMatch(new RegExp(`^Minion ${id} started at `));
  }
  // Presence (presence_events: True): both minions come in as `new`.
  await waitFor(() => {
    const added = bus.events.filter((e) => e.tag === 'salt/presence/change').flatMap((e) => e.data['new'] as string[]);
    return IDS.every((id) => added.includes(id));
  }, 20_000, 'salt/presence/change new');
  expect(bus.events.some((e) => e.tag === 'salt/presence/present')).toBe(true);
  // The key event comes before the minion's accepted auth.
  const idx = (p: (e: BusEvent) => boolean) => bus.events.findIndex(p);
  expect(idx((e) => e.tag === 'salt/key' && e.data['id'] === 'e1')).toBeLessThan(idx((e) => e.tag === 'salt/auth' && e.data['id'] === 'e1' && e.data['act'] === 'accept'));
  await waitFor(async () => {
    const r = await onMasterAsync(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
    return r.code === 0 && Object.keys(json(r)).length === IDS.length;
  }, 30_000, 'all minions answering');
}, 90_000);

test("one job's events: salt/job/<jid>/new, then a ret per minion, with Salt's fields", async () => {
  const pub = onMaster(fleet, ['run', '*', 'test.arg', 'a1', 'k=v', '--async']);
  expect(pub.code).toBe(0);
  const jid = /job ID: (\d{20})/.exec(pub.stdout)![1]!;
  const rets = await Promise.all(IDS.map((id) => bus.next(tagged(`salt/job/${jid}/ret/${id}`), 20_000, `ret ${id}`)));
  const mine = bus.events.filter((e) => e.tag.startsWith(`salt/job/${jid}/`));
  expect(mine.map((e) => e.tag)).toEqual([`salt/job/${jid}/new`, ...mine.slice(1).map((e) => e.tag)]);
  expect(mine.slice(1).map((e) => e.tag).sort()).toEqual(IDS.map((id) => `salt/job/${jid}/ret/${id}`));
  expect(mine[0]!.data).toMatchObject({ jid, tgt: '*', tgt_type: 'glob', fun: 'test.arg', arg: ['a1', { k: 'v', __kwarg__: true }], minions: IDS, user: 'root' });
  for (const [i, r] of rets.entries()) {
    expect(r.data).toMatchObject({ id: IDS[i], jid, fun: 'test.arg', fun_args: ['a1', { k: 'v', __kwarg__: true }], retcode: 0, success: true });
    expect(r.data['return']).toMatchObject({ args: ['a1'] });
  }
}, 60_000);

test('event.send and event.fire_master land under the sender id', async () => {
  const sent = json<Record<string, unknown>>(onMaster(fleet, ['run', 'e1', 'event.send', 'myco/app/deploy', 'foo=bar', 'with_grains=[id]', '--out', 'json']));
  expect(sent).toEqual({ e1: true });
  const e = await bus.next(tagged('myco/app/deploy', 'e1'), 10_000, 'myco/app/deploy');
  expect(e.data).toMatchObject({ id: 'e1', cmd: '_minion_event', tag: 'myco/app/deploy', data: { foo: 'bar', grains: { id: 'e1' } } });

  expect(json(onMaster(fleet, ['run', 'e2', 'event.fire_master', '{"x": 1}', 'myco/fm', '--out', 'json']))).toEqual({ e2: true });
  expect((await bus.next(tagged('myco/fm', 'e2'), 10_000, 'myco/fm')).data['data']).toEqual({ x: 1 });

  // An `id` in the data cannot change who sent it.
  onMaster(fleet, ['run', 'e1', 'event.fire_master', '{"id": "e2"}', 'myco/spoof', '--out', 'json']);
  const spoof = await bus.next((x) => x.tag === 'myco/spoof', 10_000, 'myco/spoof');
  expect(spoof.data).toMatchObject({ id: 'e1', data: { id: 'e2' } });

  // A beacon of its own is allowed, flat as Salt's beacon events, with the sender's id forced.
  onMaster(fleet, ['run', 'e1', 'event.fire_master', '{"id": "e2", "service": "nginx"}', 'salt/beacon/e1/service/', '--out', 'json']);
  expect((await bus.next((x) => x.tag === 'salt/beacon/e1/service/', 10_000, 'beacon')).data).toMatchObject({ id: 'e1', service: 'nginx' });
}, 60_000);

test('a minion cannot fire as another minion or as the master', async () => {
  const before = bus.events.length;
  for (const tag of ['salt/minion/e2/start', 'salt/beacon/e2/service/', 'salt/auth', `salt/job/20990101000000000000/ret/e2`, 'salt/key']) {
    const r = onMaster(fleet, ['run', 'e1', 'event.fire_master', '{}', tag, '--out', 'json']);
    expect(r.code).not.toBe(0);
    expect(JSON.stringify(json(r)['e1'])).toMatch(/may not fire/);
  }
  // Fired after the refusals: once it is here, anything refused would have arrived before it.
  onMaster(fleet, ['run', 'e1', 'event.send', 'myco/after']);
  await bus.next((x) => x.tag === 'myco/after', 10_000, 'myco/after');
  const fromE1 = bus.events.slice(before).filter((x) => x.data['id'] === 'e1' && x.tag.startsWith('salt/') && !x.tag.startsWith('salt/job/') && !x.tag.startsWith('salt/auth'));
  expect(fromE1).toEqual([]);
  expect(bus.events.slice(before).some((x) => x.tag === 'salt/minion/e2/start' || x.tag === 'salt/beacon/e2/service/' || x.tag === 'salt/key')).toBe(false);
}, 60_000);

test('a minion that stops says so; one killed outright is lost from presence', async () => {
  await fleet.stopMinion('e2');
  const stop = await bus.next(tagged('salt/minion/e2/stop', 'e2'), 10_000, 'salt/minion/e2/stop');
  expect(String(stop.data['data'])).toMatch(/^Minion e2 stopped at /);
  await bus.next((e) => e.tag === 'salt/presence/change' && (e.data['lost'] as string[]).includes('e2'), 20_000, 'e2 lost');
  fleet.startMinion('e2');
  await bus.next((e) => e.tag === 'salt/presence/change' && (e.data['new'] as string[]).includes('e2') && bus.events.indexOf(e) > bus.events.indexOf(stop), 30_000, 'e2 back');
  const from = bus.events.length;
  await fleet.stopMinion('e2', 'SIGKILL');
  await bus.next((e) => e.tag === 'salt/presence/change' && (e.data['lost'] as string[]).includes('e2') && bus.events.indexOf(e) >= from, 20_000, 'e2 lost after SIGKILL');
  expect(bus.events.slice(from).some((e) => e.tag === 'salt/minion/e2/stop')).toBe(false);
}, 90_000);

test('brine event listen: a tag glob, --count, and the pretty form', async () => {
  const pretty = onMasterAsync(fleet, ['event', 'listen', 'myco/pretty/*', '--count', '1']);
  // The listener subscribes as its request arrives: fire until it has taken one.
  let out: { code: number; stdout: string } | undefined;
  void pretty.then((r) => (out = r));
  await waitFor(async () => {
    onMaster(fleet, ['run', 'e1', 'event.send', 'myco/pretty/one', 'a=1']);
    await new Promise((r) => setTimeout(r, 300));
    return out !== undefined;
  }, 20_000, 'the pretty listener to end');
  expect(out!.code).toBe(0);
  const [tag, body] = out!.stdout.split('\t');
  expect(tag).toBe('myco/pretty/one');
  expect(body).toMatch(/^\{\n {4}"_stamp": /); // sorted keys, indented by four, as salt-run state.event pretty=True
  expect(JSON.parse(body!)).toMatchObject({ id: 'e1', data: { a: 1 } });
  expect(onMaster(fleet, ['event', 'listen', '--count', 'x']).stderr).toMatch(/--count/);
  expect(onMaster(fleet, ['event', 'hear']).stderr).toMatch(/unknown action 'hear'/);
}, 60_000);

test('brine call event.send on a minion host (like salt-call) fires under that minion id', async () => {
  const call = brine(['-c', fleet.minionDir('e1'), 'call', 'event.send', 'myco/from/call', 'via=call', '--out', 'json']);
  expect(json(call)).toEqual({ local: true });
  expect(call.code).toBe(0);
  expect((await bus.next((e) => e.tag === 'myco/from/call', 10_000, 'myco/from/call')).data).toMatchObject({ id: 'e1', data: { via: 'call' } });
}, 60_000);
