/**
 * A real master and five real minion processes on 127.0.0.1: the key flow, highstate of the shared peer workload,
 * a deleted key cut off, a master restart survived without operator action.
 */
import * as fs from 'fs';
import * as path from 'path';
import { json, masterLog, minionLog, onMaster, onMasterAsync, PEER, startFleet, tempDir, waitFor, type Fleet } from './helpers/fleet';

const IDS = ['m1', 'm2', 'm3', 'm4', 'm5'];
let fleet: Fleet;
let dir: string;

type StateRet = Record<string, { result: boolean | null; changes: Record<string, unknown> }>;
const changes = (r: StateRet) => Object.values(r).filter((s) => Object.keys(s.changes).length > 0).length;

beforeAll(async () => {
  dir = tempDir('brine-fleet-');
  fs.mkdirSync(path.join(dir, 'pillar'));
  fs.writeFileSync(path.join(dir, 'pillar/top.sls'), "base:\n  '*':\n    - bench\n");
  fs.writeFileSync(path.join(dir, 'pillar/bench.sls'), `bench_root: ${dir}/out\n`);
  fleet = await startFleet({ dir, minions: IDS, fileRoots: [PEER], master: { nodegroups: { pair: 'L@m1,m2', webby: ['m3', 'm4'] } } });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  if (process.env.BRINE_KEEP_TEST_DIRS) process.stderr.write(`kept ${dir}\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
});

test('key flow: pending, nothing flows before acceptance, accept/reject/finger, then every minion answers', async () => {
  await fleet.waitForKeys(IDS, 'pending');
  const listed = json<Record<string, string[]>>(onMaster(fleet, ['key', 'list', '--out', 'json']));
  expect(listed['minions_pre']).toEqual(IDS);
  expect(listed['minions']).toEqual([]);

  // Nothing is published to unaccepted minions.
  const none = onMaster(fleet, ['run', '*', 'test.ping']);
  expect(none.code).toBe(1);
  expect(none.stderr).toMatch(/No minions matched/);

  expect(onMaster(fleet, ['key', 'reject', 'm5', '-y']).code).toBe(0);
  const acc = onMaster(fleet, ['key', 'accept', 'm[1-4]', '-y']);
  expect(acc.code).toBe(0);
  expect(acc.stdout).toMatch(/Key for minion m1 accepted/);
  let keys = json<Record<string, string[]>>(onMaster(fleet, ['key', 'list', '--out', 'json']));
  expect(keys['minions']).toEqual(['m1', 'm2', 'm3', 'm4']);
  expect(keys['minions_rejected']).toEqual(['m5']);

  // A rejected key stays rejected until accepted explicitly with --include-rejected.
  expect(onMaster(fleet, ['key', 'accept', 'm5', '-y']).code).toBe(1);
  expect(onMaster(fleet, ['key', 'accept', 'm5', '-y', '--include-rejected']).code).toBe(0);
  keys = json<Record<string, string[]>>(onMaster(fleet, ['key', 'list', '--out', 'json']));
  expect(keys['minions']).toEqual(IDS);

  const finger = json<Record<string, Record<string, string>>>(onMaster(fleet, ['key', 'finger', 'm1', '--out', 'json']));
  expect(finger['minions']!['m1']).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
  // The master's own fingerprint (for master_finger), as the running master announces it.
  const local = json<Record<string, Record<string, string>>>(onMaster(fleet, ['key', 'finger', 'master', '--out', 'json']))['local']!;
  const started = masterLog(fleet).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string; fingerprint?: string }).find((l) => l.message === 'master started');
  expect(local['master.pub']).toBe(started!.fingerprint);
  expect(onMaster(fleet, ['key', 'finger']).stdout).toMatch(/^Local Keys:\nmaster\.pub: {2}([0-9a-f]{2}:){31}[0-9a-f]{2}\nAccepted Keys:/);
  const minionPub = fs.readFileSync(path.join(fleet.minionDir('m1'), 'pki', 'minion.pub'), 'utf8');
  expect(fs.readFileSync(path.join(fleet.masterDir, 'pki', 'minions', 'accepted', 'm1'), 'utf8').replace(/\s/g, '')).toBe(minionPub.replace(/\s/g, ''));
  expect(fs.statSync(path.join(fleet.minionDir('m1'), 'pki', 'minion.pem')).mode & 0o777).toBe(0o400);

  await waitFor(() => {
    const r = onMaster(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '3']);
    return r.code === 0 && Object.keys(json(r)).length === 5;
  }, 30_000, 'all minions answering test.ping');
}, 90_000);

test('highstate of the peer workload on all five: 4 changes each, then 0', async () => {
  const first = onMaster(fleet, ['state', 'highstate', '*', '--out', 'json', '-t', '20']);
  expect(first.code).toBe(0);
  const r1 = json<Record<string, StateRet>>(first);
  expect(Object.keys(r1).sort()).toEqual(IDS);
  for (const id of IDS) expect(changes(r1[id]!)).toBe(4);
  expect(fs.readFileSync(path.join(dir, 'out/m3/app.conf'), 'utf8')).toMatch(/^id = m3$/m);

  const second = onMaster(fleet, ['state', 'highstate', '*', '--out', 'json', '-t', '20']);
  expect(second.code).toBe(0);
  const r2 = json<Record<string, StateRet>>(second);
  for (const id of IDS) {
    expect(changes(r2[id]!)).toBe(0);
    expect(Object.values(r2[id]!).every((s) => s.result === true)).toBe(true);
  }
  // The job cache holds both runs.
  const jobs = onMaster(fleet, ['jobs', 'list', '--out', 'json']);
  expect(Object.values(json<{ jobs: Record<string, { Function: string; Returned: number }> }>(jobs).jobs).filter((j) => j.Function === 'state.highstate' && j.Returned === 5)).toHaveLength(2);
}, 90_000);

test('targeting: list, glob, grain, compound, and the outputs scripts use', () => {
  expect(Object.keys(json(onMaster(fleet, ['run', '-L', 'm1,m3', 'test.ping', '--out', 'json'])))).toEqual(expect.arrayContaining(['m1', 'm3']));
  expect(Object.keys(json(onMaster(fleet, ['run', 'm[12]', 'test.ping', '--out', 'json']))).sort()).toEqual(['m1', 'm2']);
  expect(Object.keys(json(onMaster(fleet, ['run', '-G', 'id:m4', 'test.ping', '--out', 'json'])))).toEqual(['m4']);
  expect(Object.keys(json(onMaster(fleet, ['run', '-C', 'G@os_family:Debian and not L@m1,m2', 'test.ping', '--out', 'json']))).sort()).toEqual(['m3', 'm4', 'm5']);
  const echo = onMaster(fleet, ['run', 'm2', 'cmd.run', 'echo hello from $(hostname)']);
  expect(echo.stdout).toMatch(/^m2:\n {4}hello from /);
  const yaml = onMaster(fleet, ['run', 'm2', 'test.echo', 'hi', '--out', 'yaml']);
  expect(yaml.stdout.trim()).toBe('m2: hi');
  // Target first, as in Salt: `state apply TARGET SLS` runs SLS on TARGET only; `state sls TARGET` without an SLS is
  // a usage error, and a key=value word never becomes the target.
  const applied = json<Record<string, StateRet>>(onMaster(fleet, ['state', 'apply', 'm3', 'peer', 'test=True', '--out', 'json', '-t', '20']));
  expect(Object.keys(applied)).toEqual(['m3']);
  expect(Object.keys(applied['m3']!)).toHaveLength(4);
  expect(Object.values(applied['m3']!).every((s) => s.result === true)).toBe(true);
  const listed = json<Record<string, StateRet>>(onMaster(fleet, ['state', 'sls', '-L', 'm1,m2', 'peer', '--out', 'json', '-t', '20']));
  expect(Object.keys(listed).sort()).toEqual(['m1', 'm2']);
  const noSls = onMaster(fleet, ['state', 'sls', 'm1']);
  expect(noSls.code).toBe(1);
  expect(noSls.stderr).toMatch(/missing required argument 'sls'/);
  const kvOnly = onMaster(fleet, ['state', 'sls', 'm1', 'test=True']);
  expect(kvOnly.code).toBe(1);
  expect(kvOnly.stderr).toMatch(/name the SLS after the target/);
});

test('batches, nodegroups and brine call on a minion host (like salt-call, through its master)', async () => {
  // A sliding window of 2: every minion gets its turn, never more than 2 at work, and 2 side by side.
  const spans = path.join(dir, 'spans.log');
  const b = onMaster(fleet, ['run', '*', 'cmd.run', `echo "+ $(date +%s%N)" >> ${spans}; sleep 0.4; echo "- $(date +%s%N)" >> ${spans}`, '-b', '2', '--out', 'json', '-t', '10']);
  expect(b.code).toBe(0);
  expect((b.stderr.match(/Executing run on/g) ?? []).length).toBe(5);
  expect(Object.keys(json(b)).sort()).toEqual(IDS);
  const events = fs.readFileSync(spans, 'utf8').trim().split('\n').map((l) => [l[0] === '+' ? 1 : -1, BigInt(l.slice(2))] as const);
  events.sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[0] - y[0]));
  let now = 0;
  let most = 0;
  for (const [d] of events) most = Math.max(most, (now += d));
  expect([events.length, most]).toEqual([10, 2]);
  const pct = onMaster(fleet, ['run', '*', 'test.ping', '-b', '40%']);
  expect((pct.stderr.match(/Executing run on/g) ?? []).length).toBe(5);
  expect(Object.keys(json(onMaster(fleet, ['run', '-N', 'pair', 'test.ping', '--out', 'json']))).sort()).toEqual(['m1', 'm2']);
  expect(Object.keys(json(onMaster(fleet, ['run', '-C', 'N@webby or m5', 'test.ping', '--out', 'json']))).sort()).toEqual(['m3', 'm4', 'm5']);
  const { brine } = await import('./helpers/cli');
  const call = brine(['-c', fleet.minionDir('m2'), 'call', 'state.apply', 'peer', '--out', 'json']);
  expect(call.code).toBe(0);
  const ret = json<{ local: StateRet }>(call).local;
  expect(Object.keys(ret)).toHaveLength(4);
  expect(changes(ret)).toBe(0);
  expect(brine(['-c', fleet.minionDir('m2'), 'call', 'pillar.get', 'bench_root']).stdout).toBe(`local:\n    ${dir}/out\n`);
}, 60_000);

test('a deleted key receives nothing afterwards and the others keep working', async () => {
  const accepts = (id: string) => (minionLog(fleet, id).match(/authenticated with the master/g) ?? []).length;
  const before = ['m1', 'm2', 'm3', 'm4'].map(accepts);
  expect(onMaster(fleet, ['key', 'delete', 'm5', '-y']).code).toBe(0);
  const marker = path.join(dir, 'after-delete');
  const r = onMaster(fleet, ['run', '*', 'cmd.run', `touch ${marker}-$(cat /proc/sys/kernel/random/uuid | cut -c1-4); echo done`, '--out', 'json', '-t', '5']);
  expect(Object.keys(json(r)).sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
  const jid = /"jid":"(\d+)"/.exec(fs.readFileSync(path.join(fleet.masterDir, 'master.log'), 'utf8').split('\n').reverse().find((l) => l.includes('job published')) ?? '')?.[1];
  expect(jid).toBeDefined();
  // m5 never ran it: no "job received" for that jid in its log; the job's files came from four minions only.
  expect(minionLog(fleet, 'm5')).not.toContain(jid!);
  expect(fs.readdirSync(dir).filter((n) => n.startsWith('after-delete-'))).toHaveLength(4);
  // m5 comes back as a pending key, not as an accepted one (no auth storm: the others were rekeyed, not re-authenticated).
  await fleet.waitForKeys(['m5'], 'pending', 20_000);
  expect(['m1', 'm2', 'm3', 'm4'].map(accepts)).toEqual(before);
  expect(onMaster(fleet, ['key', 'accept', 'm5', '-y']).code).toBe(0);
  await waitFor(() => {
    const p = onMaster(fleet, ['run', 'm5', 'test.ping', '--out', 'json', '-t', '2']);
    return p.code === 0;
  }, 30_000, 'm5 back after re-acceptance');
}, 90_000);

test('on a terminal a live line counts the returns while waiting', async () => {
  const { spawnSync } = await import('child_process');
  const { BRINE } = await import('./helpers/cli');
  // `script` gives the CLI a pseudo-terminal, as an operator's shell would.
  const r = spawnSync('script', ['-qec', `${process.execPath} ${BRINE} -c ${fleet.masterDir} run '*' test.sleep 1`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/\[brine\] returned 0\/5, failed 0, pending 5/);
  expect(r.stdout).toMatch(/\[brine\] returned 5\/5, failed 0, pending 0/);
  expect(r.stdout).toMatch(/m3:\r?\n {4}True/);
}, 60_000);

test('live progress and missing minions: a stopped minion is reported as not returning, with exit code 3', async () => {
  await fleet.stopMinion('m4');
  const r = await onMasterAsync(fleet, ['run', '*', 'test.ping', '-t', '2']);
  expect(r.code).toBe(3);
  expect(r.stdout).toMatch(/m4:\n {4}Minion did not return\. \[(Not connected|Timed out)\]/);
  expect(r.stdout).toMatch(/m1:\n {4}True/);
  fleet.startMinion('m4');
  await waitFor(() => onMaster(fleet, ['run', 'm4', 'test.ping', '--out', 'json', '-t', '2']).code === 0, 30_000, 'm4 back');
}, 60_000);

test('the master restarts and every minion comes back without operator action', async () => {
  await fleet.stopMaster();
  await fleet.startMaster();
  await waitFor(() => {
    const r = onMaster(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
    return r.code === 0 && Object.keys(json(r)).length === 5;
  }, 40_000, 'all five minions answering after a master restart');
}, 60_000);

test('a master with a different key is refused loudly by every minion', async () => {
  await fleet.stopMaster();
  for (const f of ['master.pem', 'master.pub']) fs.rmSync(path.join(fleet.masterDir, 'pki', f));
  await fleet.startMaster();
  await waitFor(() => IDS.every((id) => /MASTER KEY CHANGED/.test(minionLog(fleet, id))), 30_000, 'every minion refusing the new master key');
  const r = onMaster(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
  expect(r.code).toBe(3);
  expect(Object.values(json(r)).every((v) => String(v).startsWith('Minion did not return'))).toBe(true);
}, 60_000);
