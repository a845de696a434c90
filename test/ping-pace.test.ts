/**
 * Ping pacing on a real master with real minion daemons: the master asks for a longer liveness-ping interval when
 * its sessions would otherwise exceed `max_ping_rate` (master/src/ping-pace.ts), the minions follow it
 * (minion/src/ping-pacer.ts), and every minion still counts as connected and runs jobs.
 *
 * Four minions with a 1 s `ping_interval` against `max_ping_rate: 1` are asked for 4 s: about one ping a second in
 * all instead of four. The count comes from the master's /metrics (its ping handler's histogram).
 */
import * as fs from 'fs';
import * as http from 'http';
import { parseExposition, sampleValue, type ParsedFamily } from '../packages/master/src/metrics/parse';
import { freePort } from '../packages/cli/src/fleet/fleet';
import { acceptAll, onMaster, PEER, startFleet, tempDir, type Fleet } from './helpers/fleet';

const IDS = ['pp1', 'pp2', 'pp3', 'pp4'];
let fleet: Fleet;
let dir: string;
let port: number;

function scrape(): Promise<ParsedFamily[]> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(parseExposition(text)));
      })
      .on('error', reject);
  });
}

const pings = async (): Promise<number> => sampleValue(await scrape(), 'brine_request_duration_seconds_count', { kind: 'ping' }) ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = tempDir('brine-ping-pace-');
  port = await freePort();
  fleet = await startFleet({ dir, minions: IDS, fileRoots: [PEER], master: { metrics_port: port, max_ping_rate: 1 }, minion: () => ({ ping_interval: 1 }) });
  await acceptAll(fleet, IDS);
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('minions ping at the interval the master asks for, and stay connected', async () => {
  // Every minion has had an answer asking for 4 s (its first pings came at its own 1 s).
  await sleep(6_000);
  const p0 = await pings();
  await sleep(16_000);
  const n = (await pings()) - p0;
  // Asked for 4 s, spread over 3-5 s: 4 minions x 16 s / 3-5 s = 12.8-21.3 pings (their own 1 s: 64).
  expect(n).toBeGreaterThanOrEqual(10);
  expect(n).toBeLessThanOrEqual(26);
  expect(sampleValue(await scrape(), 'brine_minions_connected')).toBe(4);
  const r = onMaster(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(Object.fromEntries(IDS.map((id) => [id, true])));
}, 60_000);
