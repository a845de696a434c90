/** `brine key` takes salt-key's flags (-L, -a ID, -A, -r ID, -R, -d ID, -D, -f ID, -F) against a real master. */
import * as fs from 'fs';
import { json, onMaster, PEER, startFleet, tempDir, type Fleet } from './helpers/fleet';

const IDS = ['k1', 'k2', 'k3'];
let fleet: Fleet;
let dir: string;
const list = () => json<Record<string, string[]>>(onMaster(fleet, ['key', '-L', '--out', 'json']));

beforeAll(async () => {
  dir = tempDir('brine-keyflags-');
  fleet = await startFleet({ dir, minions: IDS, fileRoots: [PEER] });
  await fleet.waitForKeys(IDS, 'pending');
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('salt-key flags act as the verbs', () => {
  expect(list()['minions_pre']).toEqual(IDS);
  expect(onMaster(fleet, ['key', '-a', 'k1', '-y']).stdout).toMatch(/Key for minion k1 accepted/);
  expect(onMaster(fleet, ['key', '-r', 'k2', '-y']).code).toBe(0);
  expect(list()).toMatchObject({ minions: ['k1'], minions_pre: ['k3'], minions_rejected: ['k2'] });
  expect(json<Record<string, Record<string, string>>>(onMaster(fleet, ['key', '-f', 'k1', '--out', 'json']))['minions']!['k1']).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
  expect(onMaster(fleet, ['key', '-A', '-y']).stdout).toMatch(/Key for minion k3 accepted/);
  expect(onMaster(fleet, ['key', '-d', 'k1', '-y']).code).toBe(0);
  expect(list()).toMatchObject({ minions: ['k3'], minions_rejected: ['k2'] });
  expect(onMaster(fleet, ['key', '-D', '-y']).code).toBe(0);
  const after = list();
  expect(after).toMatchObject({ minions: [], minions_rejected: [] });
  // The minions still run: as with salt-key -D, they ask again at once and may already wait as pending.
  expect(IDS).toEqual(expect.arrayContaining(after['minions_pre'] ?? []));
  const both = onMaster(fleet, ['key', 'list', '-A']);
  expect(both.code).not.toBe(0);
  expect(both.stderr).toMatch(/one action/);
}, 60_000);
