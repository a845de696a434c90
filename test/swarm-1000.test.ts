/**
 * Correctness at scale: 1,000 simulated minions (bench/swarm-worker.js: real RSA keys, real sessions, the
 * daemon's liveness ping) in five processes against a real master. Every minion must be accounted for: each key
 * pending, then each minion authenticated after `key accept --all`, then each one's test.ping return. No timing is
 * asserted (the swarm benchmark measures that); the waits are only generous upper bounds, and nothing is retried.
 */
import { type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { json, onMasterAsync, PEER, startFleet, tempDir, waitFor, type Fleet } from './helpers/fleet';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureKeys } = require('../bench/keys') as { ensureKeys: (dir: string, ids: string[], parallel?: number) => Promise<number> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { forkSwarm, startSwarm } = require('../bench/proc') as { forkSwarm: (argvs: string[][], nice?: number) => Promise<ChildProcess[]>; startSwarm: (workers: ChildProcess[]) => void };

const N = 1000;
const PER_PROCESS = 200;
const ids = Array.from({ length: N }, (_, i) => `s${String(i + 1).padStart(5, '0')}`);
const keysDir = path.join(os.tmpdir(), 'brine-bench-keys');

interface WorkerStatus {
  accepted: number;
  notAccepted: string[];
  /** Accepted minions whose last liveness ping the master did not answer `subscribed: true`. */
  notSubscribed: string[];
  pending: number;
}

let fleet: Fleet;
let dir: string;
const workers: ChildProcess[] = [];

function status(w: ChildProcess): Promise<WorkerStatus> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (m && typeof m === 'object' && 'accepted' in m) {
        w.off('message', on);
        resolve(m as WorkerStatus);
      }
    };
    w.on('message', on);
    w.send('status');
  });
}

const all = async (): Promise<WorkerStatus[]> => Promise.all(workers.map(status));

beforeAll(async () => {
  // Keys are cached between runs (the benchmark's cache): generating 1,000 RSA keys takes minutes of CPU.
  await ensureKeys(keysDir, ids);
  for (const id of ids) fs.rmSync(path.join(keysDir, id, 'minion_master.pub'), { force: true });
  dir = tempDir('brine-swarm1000-');
  fleet = await startFleet({ dir, minions: [], fileRoots: [PEER], master: { max_pending_keys: N + 100 } });
  const argvs: string[][] = [];
  for (let i = 0; i < N; i += PER_PROCESS) argvs.push(['127.0.0.1', String(fleet.publishPort), String(fleet.requestPort), keysDir, '2', ...ids.slice(i, i + PER_PROCESS)]);
  workers.push(...(await forkSwarm(argvs)));
  startSwarm(workers);
}, 900_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await fleet?.stop();
  if (dir && !process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

test('1,000 minions: every key pending, every minion authenticated after accept, every test.ping returned', async () => {
  const pendingDir = path.join(fleet.masterDir, 'pki', 'minions', 'pending');
  await waitFor(() => fs.readdirSync(pendingDir).filter((n) => !n.includes('.tmp-')).length >= N, 300_000, 'every key pending');
  expect(fs.readdirSync(pendingDir).filter((n) => !n.includes('.tmp-')).sort()).toEqual(ids);

  const accept = await onMasterAsync(fleet, ['key', 'accept', '--all', '-y']);
  expect(accept.code).toBe(0);
  expect(fs.readdirSync(path.join(fleet.masterDir, 'pki', 'minions', 'accepted')).sort()).toEqual(ids);
  await waitFor(async () => (await all()).every((s) => s.notAccepted.length === 0), 300_000, 'every minion authenticated');
  const st = await all();
  expect(st.flatMap((s) => s.notAccepted)).toEqual([]);
  expect(st.reduce((a, s) => a + s.accepted, 0)).toBe(N);

  // Publications reach a minion once its subscription arrived: wait until each one's liveness ping (every 2 s here)
  // says the master sees it, then one test.ping must reach and hear back from every one of them.
  await waitFor(async () => (await all()).every((s) => s.notSubscribed.length === 0), 300_000, 'every minion subscribed');
  const r = await onMasterAsync(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '60']);
  const returned = json(r) as Record<string, unknown>;
  expect(Object.keys(returned).sort()).toEqual(ids);
  expect(Object.entries(returned).filter(([, v]) => v !== true)).toEqual([]);
  expect(r.code).toBe(0);
}, 900_000);
