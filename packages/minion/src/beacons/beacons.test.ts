import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger, type Dict } from '@brine/core';
import { Beacons } from './beacons';
import { parseBeacons } from './config';
import { InotifyBeacon } from './inotify';
import { LoadBeacon } from './load';
import { ServiceBeacon } from './service';
import { DiskUsageBeacon, memPercent, mountPoints } from './usage';

test("Salt's list-of-dicts config: modules, beacon_module, interval, disable_during_state_run; bad beacons named", () => {
  const { specs, errors } = parseBeacons({
    service: [{ services: { nginx: { onchangeonly: true } } }, { interval: 5 }, { disable_during_state_run: true }],
    conf_watch: [{ beacon_module: 'inotify' }, { files: { '/etc/hosts': { mask: ['modify'] } } }],
    diskusage: [{ '/': '63%' }, { '/var.*': 80 }, { interval: 120 }],
    memusage: [{ percent: '70%' }],
    load: [{ averages: { '1m': [0.0, 2.0] } }, { onchangeonly: true }],
    off: [{ enabled: false }],
    nosuch: [{ x: 1 }],
    memusage_bad: [{ beacon_module: 'memusage' }, { percent: 'lots' }],
  });
  expect(errors).toEqual([
    "beacons: nosuch: no beacon module 'nosuch' (available: service, inotify, load, diskusage, memusage; name another module with beacon_module)",
    'beacons: memusage_bad: percent: must be a percentage such as 63% or 63, got "lots"',
  ]);
  expect(specs.map((s) => [s.name, s.module, s.intervalMs, s.disableDuringStateRun])).toEqual([
    ['service', 'service', 5000, true],
    ['conf_watch', 'inotify', 1000, false],
    ['diskusage', 'diskusage', 120_000, false],
    ['memusage', 'memusage', 1000, false],
    ['load', 'load', 1000, false],
  ]);
  expect(specs[1]).toMatchObject({ files: { '/etc/hosts': { mask: ['IN_MODIFY'], recurse: false } } });
  expect(specs[2]).toMatchObject({ mounts: [{ pattern: '/', percent: 63 }, { pattern: '/var.*', percent: 80 }] });
});

test('service: every check by default; with onchangeonly only changes (emitatstartup, delay)', async () => {
  let running = true;
  let now = 0;
  const status = async () => running;
  const every = new ServiceBeacon({ web: { onchangeonly: false, emitatstartup: true, delay: 0 } }, status);
  expect(await every.poll()).toEqual([{ tag: 'web', data: { web: { running: true }, service_name: 'web' } }]);
  expect(await every.poll()).toHaveLength(1);

  const change = new ServiceBeacon({ web: { onchangeonly: true, emitatstartup: false, delay: 0 } }, status, () => now);
  expect(await change.poll()).toEqual([]);
  expect(await change.poll()).toEqual([]);
  running = false;
  expect(await change.poll()).toEqual([{ tag: 'web', data: { web: { running: false }, service_name: 'web' } }]);
  expect(await change.poll()).toEqual([]);

  running = true;
  const delayed = new ServiceBeacon({ web: { onchangeonly: true, emitatstartup: false, delay: 5 } }, status, () => now);
  await delayed.poll();
  running = false;
  now = 1000;
  expect(await delayed.poll()).toEqual([]);
  now = 6000;
  expect(await delayed.poll()).toEqual([{ tag: 'web', data: { web: { running: false }, service_name: 'web' } }]);
  expect(await delayed.poll()).toEqual([]);
});

test('load: outside [low, high] at every check, or on crossing with onchangeonly', async () => {
  let avg = [0.5, 0.5, 0.5];
  const always = new LoadBeacon({ '1m': [0, 1] }, false, true, () => avg);
  expect(await always.poll()).toEqual([]);
  avg = [1.5, 0.5, 0.5];
  expect(await always.poll()).toEqual([{ data: { '1m': 1.5, '5m': 0.5, '15m': 0.5 } }]);
  const crossing = new LoadBeacon({ '1m': [0, 1] }, true, false, () => avg);
  expect(await crossing.poll()).toEqual([]);
  expect(await crossing.poll()).toEqual([]); // still above: no new crossing
  avg = [0.2, 0.5, 0.5];
  expect(await crossing.poll()).toEqual([]);
  avg = [1.2, 0.5, 0.5];
  expect(await crossing.poll()).toHaveLength(1);
});

test('diskusage and memusage read the real host', async () => {
  expect(mountPoints()).toContain('/');
  const disk = new DiskUsageBeacon([{ pattern: '/', percent: 0 }]);
  const events = await disk.poll();
  expect(events).toHaveLength(1);
  expect(events[0]!.data['mount']).toBe('/');
  expect(typeof events[0]!.data['diskusage']).toBe('number');
  expect(await new DiskUsageBeacon([{ pattern: '/', percent: 100.1 }]).poll()).toEqual([]);
  expect(memPercent('MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n')).toBe(75);
  const m = memPercent();
  expect(m).toBeGreaterThan(0);
  expect(m).toBeLessThan(100);
});

test('inotify: creates, modifies and deletes under a watched directory, with Salt mask names, each once per check', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-inotify-'));
  const b = new InotifyBeacon({ [dir]: { mask: ['IN_CREATE', 'IN_MODIFY', 'IN_DELETE'], recurse: false, exclude: [path.join(dir, 'skip')] } });
  try {
    const f = path.join(dir, 'app.conf');
    const collect = async (want: string, got: Dict[] = []): Promise<Dict[]> => {
      const end = Date.now() + 5000;
      while (!got.some((e) => e['change'] === want) && Date.now() < end) {
        got.push(...(await b.poll()).map((e) => ({ ...e.data, tag: e.tag })));
        await new Promise((r) => setTimeout(r, 50));
      }
      return got;
    };
    fs.writeFileSync(f, 'a');
    fs.writeFileSync(path.join(dir, 'skip'), 'x');
    const created = await collect('IN_CREATE');
    expect(created).toContainEqual({ path: f, change: 'IN_CREATE', tag: dir });
    expect(created.some((e) => e['path'] === path.join(dir, 'skip'))).toBe(false);
    fs.appendFileSync(f, 'b');
    expect(await collect('IN_MODIFY')).toContainEqual({ path: f, change: 'IN_MODIFY', tag: dir });
    fs.rmSync(f);
    expect(await collect('IN_DELETE')).toContainEqual({ path: f, change: 'IN_DELETE', tag: dir });
  } finally {
    b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the loop: interval, disable_during_state_run, tags salt/beacon/<id>/<name>/<tag> with the id, errors as events', async () => {
  const fired: [string, Dict][] = [];
  let stateRun = false;
  const log = new MemoryLogger();
  const b = new Beacons(
    { service: [{ services: { web: {} } }, { interval: 2 }, { disable_during_state_run: true }], memusage: [{ percent: 0 }] },
    { id: 'm1', serviceStatus: async () => true, stateRunning: () => stateRun, fire: async (tag, data) => void fired.push([tag, data]) },
    log,
  );
  await b.tick(0);
  expect(fired.map(([t]) => t).sort()).toEqual(['salt/beacon/m1/memusage/', 'salt/beacon/m1/service/web']);
  expect(fired.find(([t]) => t.endsWith('/web'))![1]).toEqual({ web: { running: true }, service_name: 'web', id: 'm1' });
  fired.length = 0;
  await b.tick(1000); // service: its interval has not passed
  expect(fired.map(([t]) => t)).toEqual(['salt/beacon/m1/memusage/']);
  fired.length = 0;
  stateRun = true;
  await b.tick(2000); // service: due, but a state run is in progress
  expect(fired.map(([t]) => t)).toEqual(['salt/beacon/m1/memusage/']);
  fired.length = 0;
  stateRun = false;
  await b.tick(4000);
  expect(fired.map(([t]) => t).sort()).toEqual(['salt/beacon/m1/memusage/', 'salt/beacon/m1/service/web']);

  const broken = new Beacons({ service: [{ services: { web: {} } }] }, { id: 'm1', serviceStatus: async () => { throw new Error('no provider'); }, stateRunning: () => false, fire: async (tag, data) => void fired.push([tag, data]) }, log);
  fired.length = 0;
  await broken.tick(0);
  expect(fired).toEqual([['salt/beacon/m1/service/', { error: 'no provider', id: 'm1' }]]);
  b.stop();
  broken.stop();
});
