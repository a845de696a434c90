/**
 * Exit codes and daemons that go away: a command that exits non-zero fails the call as in Salt; a master killed
 * mid-job leaves the CLI saying so, with the jid (exit 3), the restarted master is reachable at once and gets the
 * returns; a minion killed mid-job is not reported as still running.
 */
import * as fs from 'fs';
import * as path from 'path';
import { brineAsync } from './helpers/cli';
import { acceptedFleet, cachedReturns, onMasterAsync, removeFleet, waitFor, type Fleet } from './helpers/fleet';

let fleet: Fleet;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fleet = await acceptedFleet('brine-crash-', ['m1', 'm2']);
}, 60_000);

afterAll(() => removeFleet(fleet));

test("a command exiting non-zero: `call --local` and `run` exit 1 and log the failure, like salt-call", async () => {
  const local = await brineAsync(['-c', fleet.minionDir('m1'), 'call', '--local', 'cmd.run', 'exit 3']);
  expect(local.code).toBe(1);
  expect(local.stderr).toMatch(/\[ERROR\] Command 'exit 3' failed with return code: 3/);
  const ok = await brineAsync(['-c', fleet.minionDir('m1'), 'call', '--local', 'cmd.run', 'exit 0']);
  expect(ok.code).toBe(0);

  const remote = await onMasterAsync(fleet, ['run', '*', 'cmd.run', 'echo out; exit 3', '-t', '10']);
  expect(remote.code).toBe(1);
  expect(remote.stdout).toMatch(/m1:\n\s+out/);
  expect(remote.stderr).toMatch(/non-zero exit code/);
  // Salt's retcode stays in the job cache as data.
  const jid = fs.readdirSync(path.join(fleet.masterDir, 'cache', 'jobs')).sort().pop()!;
  const rec = cachedReturns(fleet, jid).find((x) => x.id === 'm1');
  expect(rec).toMatchObject({ retcode: 3, outcome: 'error' });
}, 60_000);

test('a minion killed mid-job is reported as not returning, never as still running', async () => {
  const run = onMasterAsync(fleet, ['run', 'm2', 'test.sleep', '20', '-t', '2']);
  await sleep(2500); // m2 has acknowledged and sent a heartbeat
  await fleet.stopMinion('m2', 'SIGKILL');
  const r = await run;
  expect(r.code).toBe(3);
  expect(r.stdout).toMatch(/m2:\n\s+Minion did not return\. \[(Not connected|Timed out)\]/);
  expect(r.stdout).not.toMatch(/Still running/);
  fleet.startMinion('m2');
}, 60_000);

test('a master killed mid-job: the CLI says so with the jid (exit 3); right after the restart it works, and the returns arrive', async () => {
  await waitFor(async () => (await onMasterAsync(fleet, ['run', '*', 'test.ping', '-t', '3'])).code === 0, 30_000, 'both minions back');
  const started = Date.now();
  const run = onMasterAsync(fleet, ['run', '*', 'cmd.run', 'sleep 3; echo finished', '-t', '10']);
  await sleep(1500);
  await fleet.stopMaster('SIGKILL');
  const r = await run;
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(r.code).toBe(3);
  const jid = /job (\d{20})/.exec(r.stderr)?.[1];
  expect(jid).toBeDefined();
  expect(r.stderr).toMatch(/lost|stopped or crashed/);
  expect(r.stderr).toContain(`brine jobs show ${jid}`);

  // Restarted: the old token and socket are still there for a moment; the CLI must not answer "bad token".
  await fleet.startMaster();
  const after = await onMasterAsync(fleet, ['run', '*', 'test.ping', '-t', '5']);
  expect(after.stderr).not.toMatch(/bad token/);
  expect([0, 3]).toContain(after.code);

  // The minions finished while the master was away: their returns reach the job cache after it is back.
  await waitFor(() => cachedReturns(fleet, jid!).length === 2, 45_000, 'both returns after the restart');
  const shown = await onMasterAsync(fleet, ['jobs', 'show', jid!, '--out', 'json']);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toEqual({ m1: 'finished', m2: 'finished' });
}, 90_000);
