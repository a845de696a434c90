/**
 * Nothing hidden: damaged job cache files and keys are named, never read as "nothing"; a mistyped config dir is an
 * error; `-d` reports a daemon that could not start (with the address that is taken) and pid files go away.
 */
import * as fs from 'fs';
import * as path from 'path';
import { brine, brineAsync } from './helpers/cli';
import { acceptedFleet, json, masterLog, onMaster, onMasterAsync, removeFleet, waitFor, type Fleet } from './helpers/fleet';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await acceptedFleet('brine-damaged-', ['m1', 'm2']);
}, 60_000);

afterAll(() => removeFleet(fleet));

test('a damaged return or job.json: jobs show prints what is readable and names the damaged file', async () => {
  const r = await onMasterAsync(fleet, ['run', '*', 'test.echo', 'hello', '--out', 'json', '-t', '5']);
  expect(r.code).toBe(0);
  const jobs = path.join(fleet.masterDir, 'cache', 'jobs');
  const jid = fs.readdirSync(jobs).sort().pop()!;
  // m1's line of the job's returns file cut short: named by file and line.
  const file = path.join(jobs, jid, 'returns.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('{"id":"m1"'));
  expect(at).toBeGreaterThanOrEqual(0);
  lines[at] = '{"id":"m1","ret":"hel';
  fs.writeFileSync(file, lines.join('\n'));
  let shown = onMaster(fleet, ['jobs', 'show', jid, '--out', 'json']);
  expect(json(shown)).toEqual({ m2: 'hello', m1: 'Minion did not return.' });
  expect(shown.stderr).toContain(`${file}:${at + 1}`);
  expect(shown.code).toBe(1);

  const jobFile = path.join(jobs, jid, 'job.json');
  fs.writeFileSync(jobFile, '{"jid": ');
  shown = onMaster(fleet, ['jobs', 'show', jid, '--out', 'json']);
  expect(json(shown)).toEqual({ m2: 'hello' });
  expect(shown.stderr).toContain(jobFile);
  expect(shown.stderr).not.toMatch(/no job/);
  const listed = onMaster(fleet, ['jobs', 'list']);
  expect(listed.stderr).toContain(jobFile);
  expect(listed.code).toBe(1);
});

test('a truncated accepted key: the minion stays only under Accepted, and key finger names the file', async () => {
  const keyFile = path.join(fleet.masterDir, 'pki', 'minions', 'accepted', 'm2');
  const pem = fs.readFileSync(keyFile, 'utf8');
  fs.writeFileSync(keyFile, pem.slice(0, 120));
  await fleet.stopMinion('m2');
  fleet.startMinion('m2');
  await waitFor(() => masterLog(fleet).includes(`${keyFile} is damaged`), 20_000, 'the damaged key logged');
  const keys = json<Record<string, string[]>>(onMaster(fleet, ['key', 'list', '--out', 'json']));
  expect(keys['minions']).toContain('m2');
  expect(keys['minions_denied']).not.toContain('m2');
  const finger = onMaster(fleet, ['key', 'finger', 'm*']);
  expect(finger.code).toBe(1);
  expect(finger.stderr).toContain(keyFile);
  expect(finger.stdout).toMatch(/^m1: {2}[0-9a-f:]+$/m);
  fs.writeFileSync(keyFile, pem);
}, 60_000);

test('a missing config dir is an error, and nothing is created', () => {
  const typo = path.join(fleet.dir, 'no-such-dir');
  for (const args of [['key', 'list'], ['jobs', 'list'], ['run', '*', 'test.ping']]) {
    const r = brine(['-c', typo, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(typo);
  }
  expect(fs.existsSync(typo)).toBe(false);
});

test('-d reports a daemon that dies at once, naming the address in use; a daemon that runs removes its pid file when stopped', async () => {
  // A second master on the running master's ports.
  const twin = path.join(fleet.dir, 'twin');
  fs.mkdirSync(twin);
  const cfg = fs.readFileSync(path.join(fleet.masterDir, 'master'), 'utf8').replace(/^(pki_dir|cachedir|sock_dir|log_file): .*$/gm, (_m, k: string) => `${k}: ${k}-twin`);
  fs.writeFileSync(path.join(twin, 'master'), cfg);
  const dup = await brineAsync(['-c', twin, 'master', '-d', '--pid-file', path.join(twin, 'master.pid')]);
  expect(dup.code).toBe(1);
  expect(dup.stdout).not.toMatch(/started/);
  expect(dup.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:(${fleet.publishPort}|${fleet.requestPort})`));
  expect(fs.existsSync(path.join(twin, 'master.pid'))).toBe(false);

  // A minion that starts: "started", a pid file with its pid, removed on SIGTERM.
  fleet.configureMinion('m3');
  const pidFile = path.join(fleet.minionDir('m3'), 'm3.pid');
  const up = await brineAsync(['-c', fleet.minionDir('m3'), 'minion', '-d', '--pid-file', pidFile]);
  expect(up.code).toBe(0);
  expect(up.stdout).toMatch(/started in the background, pid (\d+)/);
  const pid = Number(/pid (\d+)/.exec(up.stdout)![1]);
  expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(String(pid));
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !fs.existsSync(pidFile), 10_000, 'pid file removed');
}, 60_000);
