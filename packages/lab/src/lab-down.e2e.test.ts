/**
 * `brine lab down` after a partial `up`: the topology was built and a process started in one node, but nothing else
 * (no master, no minions, as when `up` fails half way). `down` must still remove every namespace and kill the
 * process by pid. Its own prefix, subnet and state dir, so it never touches the main lab e2e.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { buildTopology, down, labConfig, nodeSpawn, status, type LabOptions } from '@brine/lab';

const OPTS: LabOptions = { prefix: 'brd-', subnet: '10.213.9', stateDir: '/run/brine-lab-down-e2e' };

const alive = (pid: number): boolean => {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('down after a partial up removes every namespace and kills the processes it started', async () => {
  await down(OPTS); // leftovers of an interrupted run
  const c = labConfig(OPTS);
  await buildTopology(OPTS);
  const sleeper = await nodeSpawn(c, 'app1', ['/bin/sleep', '300'], { name: 'sleeper' });
  expect(alive(sleeper.pid)).toBe(true);
  expect((await status(OPTS)).nodes.filter((n) => n.present).length).toBeGreaterThan(6);

  const r = await down(OPTS);
  expect(r.killed).toContain(sleeper.pid);
  expect(alive(sleeper.pid)).toBe(false);
  expect((await status(OPTS)).nodes.filter((n) => n.present)).toEqual([]);
  expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/^brd-/m);
  expect(fs.existsSync(c.stateDir)).toBe(false);
}, 60_000);
