/**
 * A real master and minion: a job rendering a 20 MB SLS runs in a job process, so the minion daemon answers a
 * test.ping published meanwhile within a second, and the big job still returns its result (here a compile error
 * on the file's last ID, after everything before it rendered).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, json, minionLog, onMaster, onMasterAsync, startFleet, tempDir, waitFor, type Fleet } from './helpers/fleet';

let fleet: Fleet;
let dir: string;
let lastLine: number;

beforeAll(async () => {
  dir = tempDir('brine-large-sls-');
  const tree = path.join(dir, 'tree');
  const gen = spawnSync(process.execPath, [path.join(__dirname, '../bench/large-sls.js'), 'write', path.join(tree, 'big.sls'), '20', '--broken-last'], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`generating the SLS failed: ${gen.stderr}`);
  lastLine = fs.readFileSync(path.join(tree, 'big.sls'), 'utf8').split('\n').length - 2; // `broken_last:`, before the last line and the final newline
  fs.mkdirSync(path.join(dir, 'pillar'));
  fleet = await startFleet({ dir, minions: ['m1'], fileRoots: [tree], minion: () => ({ log_level: 'debug' }) });
  await acceptAll(fleet, ['m1']);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  if (process.env.BRINE_KEEP_TEST_DIRS) process.stderr.write(`kept ${dir}\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
});

test('the minion answers test.ping within a second while a 20 MB SLS renders; the big job then returns', async () => {
  let bigDone = false;
  const big = onMasterAsync(fleet, ['run', 'm1', 'state.sls', 'big', 'test=True', '--out', 'json', '-t', '300']).then((r) => {
    bigDone = true;
    return r;
  });
  // The job process has started: the tree is synced and the render is under way.
  await waitFor(() => /job process started.*state\.sls|state\.sls.*job process started/.test(minionLog(fleet, 'm1')), 60_000, 'the job process of state.sls');
  const ping = onMaster(fleet, ['run', 'm1', 'test.ping', '-t', '1', '--out', 'json']);
  expect(bigDone).toBe(false);
  expect(ping.code).toBe(0);
  expect(json(ping)).toEqual({ m1: true });

  const r = await big;
  expect(r.code).not.toBe(0);
  const ret = JSON.stringify(json(r)['m1']);
  expect(ret).toContain(`big.sls:${lastLine}:`);
  expect(ret).toMatch(/State 'broken_last' in SLS 'big' is not formed as a list/);
}, 180_000);
