/**
 * Beacons on a real minion, their events read from the real master's bus (`brine event listen`): Salt's tags
 * (`salt/beacon/<id>/<beacon>/<tag>`) and data for inotify, service, load, diskusage and memusage, and
 * `disable_during_state_run` (a beacon with it stays silent while a state run is in progress, one without keeps
 * firing).
 */
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, fleetTrees, onMasterAsync, removeFleet, startFleet, type Fleet } from './helpers/fleet';
import { Listener, type BusEvent } from './helpers/listener';

let fleet: Fleet;
let bus: Listener;
let watched: string;

const DAEMON = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);";

beforeAll(async () => {
  const t = fleetTrees('brine-beacons-', (o) => ({
    tree: {
      'top.sls': 'base: {}\n',
      'slow.sls': 'slow:\n  cmd.run:\n    - name: sleep 4\n',
      'svc.sls': 'beacond:\n  service.running: []\n',
    },
    pillar: { 'top.sls': 'base: {}\n' },
  }));
  watched = path.join(t.dir, 'watched');
  fs.mkdirSync(watched);
  fs.writeFileSync(path.join(t.dir, 'daemon.js'), DAEMON);
  fleet = await startFleet({
    dir: t.dir,
    minions: ['b1'],
    fileRoots: [t.tree],
    pillarRoots: [t.pillar],
    minion: (id) => {
      const services = path.join(t.dir, 'minions', id, 'services.d');
      fs.mkdirSync(services, { recursive: true });
      fs.writeFileSync(path.join(services, 'beacond.yaml'), JSON.stringify({ command: [process.execPath, path.join(t.dir, 'daemon.js')], restart: 'no' }));
      return {
        beacons: {
          inotify: [{ files: { [watched]: { mask: ['create', 'modify', 'delete'] } } }, { interval: 0.5 }],
          service: [{ services: { beacond: { onchangeonly: true } } }, { interval: 0.5 }],
          // Thresholds every host crosses: each check fires.
          load: [{ averages: { '1m': [1000, 2000] } }, { interval: 1 }],
          diskusage: [{ '/': '0%' }, { interval: 1 }],
          memusage: [{ percent: 0 }, { interval: 0.5 }, { disable_during_state_run: true }],
          memwatch: [{ beacon_module: 'memusage' }, { percent: 0 }, { interval: 0.5 }],
        },
      };
    },
  });
  bus = new Listener(fleet.masterDir);
  await acceptAll(fleet, ['b1']);
}, 90_000);

afterAll(async () => {
  await bus?.stop();
  await onMasterAsync(fleet, ['run', 'b1', 'service.stop', 'beacond']).catch(() => undefined);
  await removeFleet(fleet);
});

const from = (tag: string) => (e: BusEvent) => e.tag === tag;

test("load, diskusage and memusage fire Salt's data under salt/beacon/<id>/<beacon>/", async () => {
  const load = await bus.next(from('salt/beacon/b1/load/'), 20_000, 'load beacon');
  expect(Object.keys(load.data).sort()).toEqual(['15m', '1m', '5m', '_stamp', 'id']);
  expect(load.data['id']).toBe('b1');
  const disk = await bus.next(from('salt/beacon/b1/diskusage/'), 20_000, 'diskusage beacon');
  expect(disk.data).toMatchObject({ mount: '/', id: 'b1' });
  expect(typeof disk.data['diskusage']).toBe('number');
  const mem = await bus.next(from('salt/beacon/b1/memwatch/'), 20_000, 'memusage beacon named memwatch');
  expect(typeof mem.data['memusage']).toBe('number');
}, 60_000);

test('service: a change of status fires {<name>: {running}, service_name} tagged with the service', async () => {
  // At startup (emitatstartup) the stopped service was reported; starting it is a change.
  await bus.next((e) => e.tag === 'salt/beacon/b1/service/beacond' && (e.data['beacond'] as { running: boolean }).running === false, 20_000, 'beacond down at startup');
  expect((await onMasterAsync(fleet, ['run', 'b1', 'state.sls', 'svc', '--out', 'json'])).code).toBe(0);
  const up = await bus.next((e) => e.tag === 'salt/beacon/b1/service/beacond' && (e.data['beacond'] as { running: boolean }).running === true, 20_000, 'beacond up');
  expect(up.data).toMatchObject({ beacond: { running: true }, service_name: 'beacond', id: 'b1' });
}, 60_000);

test('inotify: a file created, modified and deleted in a watched directory', async () => {
  const f = path.join(watched, 'app.conf');
  fs.writeFileSync(f, 'a');
  const created = await bus.next((e) => e.tag === `salt/beacon/b1/inotify/${watched}` && e.data['change'] === 'IN_CREATE', 20_000, 'IN_CREATE');
  expect(created.data).toMatchObject({ path: f, change: 'IN_CREATE', id: 'b1' });
  fs.appendFileSync(f, 'b');
  await bus.next((e) => e.tag === `salt/beacon/b1/inotify/${watched}` && e.data['change'] === 'IN_MODIFY' && e.data['path'] === f, 20_000, 'IN_MODIFY');
  fs.rmSync(f);
  await bus.next((e) => e.tag === `salt/beacon/b1/inotify/${watched}` && e.data['change'] === 'IN_DELETE' && e.data['path'] === f, 20_000, 'IN_DELETE');
}, 60_000);

test('disable_during_state_run: silent while a state run is in progress, the same beacon without it keeps firing', async () => {
  const pub = await onMasterAsync(fleet, ['run', 'b1', 'state.sls', 'slow', '--async']);
  expect(pub.code).toBe(0);
  const jid = /job ID: (\d{20})/.exec(pub.stdout)![1]!;
  const ret = await bus.next(from(`salt/job/${jid}/ret/b1`), 30_000, 'the slow state run to return');
  const startIdx = bus.events.findIndex(from(`salt/job/${jid}/new`));
  const endIdx = bus.events.indexOf(ret);
  const stampMs = (e: BusEvent) => Date.parse(`${String(e.data['_stamp'])}Z`);
  const t0 = stampMs(bus.events[startIdx]!);
  const t1 = stampMs(ret);
  expect(t1 - t0).toBeGreaterThan(3000); // the run really took its 4 s, so the window below is not empty
  // The middle of the run (a second's margin at each end for the job being registered and removed on the minion).
  const during = bus.events.slice(startIdx, endIdx).filter((e) => stampMs(e) > t0 + 1000 && stampMs(e) < t1 - 1000);
  expect(during.filter(from('salt/beacon/b1/memwatch/')).length).toBeGreaterThan(0);
  expect(during.filter(from('salt/beacon/b1/memusage/'))).toEqual([]);
  // And it fires again once the run is over.
  const after = bus.events.length;
  await bus.next((e) => bus.events.indexOf(e) >= after && e.tag === 'salt/beacon/b1/memusage/', 20_000, 'memusage after the run');
}, 60_000);
