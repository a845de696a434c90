/** The master and a minion over IPv6 loopback: ports bound on ::1, the minion connecting to [::1]. */
import * as fs from 'fs';
import { acceptAll, json, onMasterAsync, PEER, startFleet, type Fleet } from './helpers/fleet';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ minions: ['v6'], fileRoots: [PEER], master: { interface: '::1', ipv6: true }, minion: () => ({ master: '::1', ipv6: true }) });
  await acceptAll(fleet, ['v6']);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(fleet.dir, { recursive: true, force: true });
});

test('jobs and returns flow over IPv6', async () => {
  const r = await onMasterAsync(fleet, ['run', 'v6', 'grains.get', 'id', '--out', 'json']);
  expect(r.code).toBe(0);
  expect(json(r)).toEqual({ v6: 'v6' });
  const ss = fs.readFileSync('/proc/net/tcp6', 'utf8');
  const port = fleet.requestPort.toString(16).toUpperCase().padStart(4, '0');
  // The request port is listening on ::1 (00000000000000000000000001000000 in /proc's byte order).
  expect(ss).toMatch(new RegExp(`00000000000000000000000001000000:${port} 00000000000000000000000000000000:0000 0A`));
});
