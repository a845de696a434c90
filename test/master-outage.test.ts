/**
 * A minion re-authenticates within a few seconds of its master's return, however long the outage: libzmq's
 * reconnect interval doubles after each failed attempt, and capped at 30 s a minion came back up to 30 s late
 * (26.5 s after a 61 s outage). The minion runs with the default ping_interval and random_reauth_delay.
 */
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, json, minionLog, onMasterAsync, startFleet, tempDir, waitFor, writeFiles, type Fleet } from './helpers/fleet';

let fleet: Fleet;
let dir: string;

beforeAll(async () => {
  dir = tempDir('brine-outage-');
  writeFiles(path.join(dir, 'tree'), { 'top.sls': 'base: {}\n' });
  writeFiles(path.join(dir, 'pillar'), { 'top.sls': 'base: {}\n' });
  fleet = await startFleet({ dir, minions: ['m1'], fileRoots: [path.join(dir, 'tree')], minion: () => ({ ping_interval: 10, random_reauth_delay: 10 }) });
  await acceptAll(fleet, ['m1']);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

const authentications = () => minionLog(fleet, 'm1').split('\n').filter((l) => l.includes('"authenticated with the master"')).length;

test('after a 33 s master outage the minion is back within 5 s of the master', async () => {
  const before = authentications();
  await fleet.stopMaster('SIGKILL');
  // Long enough for a 30 s reconnect cap to matter: attempts at 1, 3, 7, 15, 31 s, the next one at 61 s.
  await new Promise((r) => setTimeout(r, 33_000));
  await fleet.startMaster();
  const back = Date.now();
  await waitFor(() => authentications() > before, 20_000, 'm1 re-authenticated');
  const took = Date.now() - back;
  expect(took).toBeLessThan(5000);
  const r = await onMasterAsync(fleet, ['run', 'm1', 'test.ping', '--out', 'json', '-t', '10']);
  expect(json(r)).toEqual({ m1: true });
}, 90_000);
