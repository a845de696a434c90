/** Execution modules through a real master and minions: grains.setval persisted and reported, file/status in a job. */
import * as fs from 'fs';
import * as path from 'path';
import { acceptedFleet, json, onMasterAsync, removeFleet, type Fleet } from './helpers/fleet';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await acceptedFleet('brine-execmods-', ['w1', 'w2']);
}, 90_000);
afterAll(() => removeFleet(fleet));

test('grains.setval: written to the minion grains file, and the master targets with it at once', async () => {
  const set = await onMasterAsync(fleet, ['run', 'w1', 'grains.setval', 'tier', 'edge', '--out', 'json']);
  expect(json(set)).toEqual({ w1: { tier: 'edge' } });
  expect(fs.readFileSync(path.join(fleet.minionDir('w1'), 'grains'), 'utf8')).toBe('tier: edge\n');
  const hit = await onMasterAsync(fleet, ['run', '-G', 'tier:edge', 'test.ping', '--out', 'json']);
  expect(json(hit)).toEqual({ w1: true });
}, 60_000);

test('file and status functions run on the minions', async () => {
  const r = await onMasterAsync(fleet, ['run', '*', 'file.directory_exists', fleet.dir, '--out', 'json']);
  expect(json(r)).toEqual({ w1: true, w2: true });
  const up = json<Record<string, { seconds: number }>>(await onMasterAsync(fleet, ['run', 'w2', 'status.uptime', '--out', 'json']));
  expect(up['w2']!.seconds).toBeGreaterThan(0);
}, 60_000);

test("through the minion: a result False return and an unknown keyword fail with Salt's retcode and words", async () => {
  const closed = await onMasterAsync(fleet, ['run', 'w1', 'network.connect', '127.0.0.1', '1', '--out', 'json']);
  expect(json<Record<string, { result: boolean }>>(closed)['w1']).toMatchObject({ result: false });
  expect(closed.code).toBe(1);
  const bogus = await onMasterAsync(fleet, ['run', 'w2', 'test.ping', 'bogus=1', '--out', 'json']);
  expect(json(bogus)).toEqual({ w2: "ERROR executing 'test.ping': The following keyword arguments are not valid: bogus=1" });
  expect(bogus.code).toBe(1);
  const echo = await onMasterAsync(fleet, ['run', 'w2', 'test.echo', 'text=hi', '--out', 'json']);
  expect([echo.code, json(echo)]).toEqual([0, { w2: 'hi' }]);
}, 60_000);
