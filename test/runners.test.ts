/**
 * Every runner (`brine runner FUN`, like salt-run) against a real master and minions, `brine cp` (like salt-cp), and
 * the master's side of `cp.push` (file_recv: confined under cachedir/minions/<id>/files, size-limited).
 */
import * as fs from 'fs';
import * as path from 'path';
import { json, onMaster, onMasterAsync, startFleet, tempDir, waitFor, writeFiles, type Fleet } from './helpers/fleet';
import type { CliResult } from './helpers/cli';

const IDS = ['r1', 'r2'];
let fleet: Fleet;
let dir: string;

const runner = (...args: string[]) => onMaster(fleet, ['runner', ...args]);
const runnerJson = <T = Record<string, unknown>>(...args: string[]): T => {
  const r = runner(...args, '--out', 'json');
  if (r.code !== 0) throw new Error(`brine runner ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return json<T>(r);
};

beforeAll(async () => {
  dir = tempDir('brine-runners-');
  writeFiles(path.join(dir, 'tree'), {
    'top.sls': 'base: {}\n',
    'web/init.sls': 'a: {test.nop: []}\n',
    'web/files/x.conf': 'x\n',
    // Orchestrations run through `brine runner state.orchestrate` / `state.orch`.
    'orch/ok.sls': ['pinged:', '  salt.function:', '    - name: test.ping', '    - tgt: r1', 'who:', '  salt.runner:', '    - name: manage.up', '    - tgt: r1', '    - require:', '      - salt: pinged', ''].join('\n'),
    'orch/bad.sls': ['fails:', '  salt.function:', '    - name: cmd.run', '    - tgt: r1', '    - arg:', '      - exit 3', 'after:', '  salt.function:', '    - name: test.ping', '    - tgt: r1', '    - require:', '      - salt: fails', ''].join('\n'),
  });
  writeFiles(path.join(dir, 'pillar'), { 'top.sls': "base:\n  '*':\n    - common\n", 'common.sls': 'site: lab\n' });
  fleet = await startFleet({
    dir,
    minions: [...IDS, 'r3'],
    fileRoots: [path.join(dir, 'tree')],
    master: { file_recv: true, file_recv_max_size: 0.001 },
    minion: (id) => ({ grains: { roles: [`role-${id}`] }, mine_functions: { ident: { mine_function: 'grains.get', key: 'id' } } }),
  });
  await fleet.waitForKeys([...IDS, 'r3'], 'pending');
  expect(onMaster(fleet, ['key', 'accept', 'r*', '-y']).code).toBe(0);
  // r3 comes back later (key.* test); for now only r1 and r2 are accepted and running.
  await fleet.stopMinion('r3');
  expect(runnerJson('key.delete', 'r3')).toEqual({});
  await waitFor(async () => {
    const r = await onMasterAsync(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
    return r.code === 0 && Object.keys(json(r)).length === IDS.length;
  }, 30_000, 'r1 and r2 answering');
  await waitFor(() => IDS.every((id) => fs.existsSync(path.join(fleet.masterDir, 'cache', 'mine', `${id}.json`))), 20_000, 'mine data');
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('manage.up, status, present, then down and not_present once a minion stops', async () => {
  expect(runnerJson('manage.up')).toEqual(IDS);
  expect(runner('manage.up').stdout).toBe('- r1\n- r2\n'); // salt-run's nested output
  expect(runnerJson('manage.status', 'tgt=r1')).toEqual({ up: ['r1'], down: [] });
  expect(runnerJson('manage.present')).toEqual(IDS);
  expect(runnerJson('manage.not_present')).toEqual([]);
  expect(runnerJson('manage.down')).toEqual([]);
  await fleet.stopMinion('r2');
  expect(runnerJson('manage.down', 'timeout=1')).toEqual(['r2']);
  expect(runnerJson('manage.status', 'timeout=1')).toEqual({ up: ['r1'], down: ['r2'] });
  await waitFor(() => {
    const r = runner('manage.not_present', '--out', 'json');
    return r.code === 0 && JSON.stringify(json(r)) === '["r2"]';
  }, 20_000, 'r2 not present');
  expect(runnerJson('manage.present')).toEqual(['r1']);
  // Salt's positional order: up(tgt, tgt_type, timeout, gather_job_timeout), status/down(output|removekeys, tgt, ...).
  expect(runnerJson('manage.up', '*', 'glob', '1', '2')).toEqual(['r1']);
  expect(runnerJson('manage.down', 'False', 'r*', 'glob', '1')).toEqual(['r2']);
  expect(runnerJson('manage.status', 'True', 'r2', 'glob', '1')).toEqual({ up: [], down: ['r2'] });
  // present/not_present(subset, show_ip): subset is a list of ids (or a comma-separated string).
  expect(runnerJson('manage.not_present', 'r1')).toEqual([]);
  expect(runnerJson('manage.not_present', '[r1, r2]')).toEqual(['r2']);
  expect(runnerJson('manage.present', 'r1,r2')).toEqual(['r1']);
  fleet.startMinion('r2');
  await waitFor(() => JSON.stringify(runnerJson('manage.up', 'timeout=1')) === JSON.stringify(IDS), 30_000, 'r2 back up');
}, 90_000);

test('manage.*: arguments outside Salt\'s signatures are refused, not ignored', () => {
  // Salt's manage runner has no `exclude`; salt-run says "'exclude' is an invalid keyword argument".
  const ex = runner('manage.up', 'exclude=r2');
  expect(ex.code).toBe(1);
  expect(ex.stderr).toMatch(/'exclude' is an invalid keyword argument for 'manage\.up'/);
  const many = runner('manage.up', '*', 'glob', '1', '2', '3');
  expect(many.code).toBe(1);
  expect(many.stderr).toMatch(/manage\.up takes at most 4 positional arguments \(tgt, tgt_type, timeout, gather_job_timeout\), got 5/);
  expect(runner('manage.status', 'True', 'r1', 'tgt=r2').stderr).toMatch(/argument 'tgt' given twice/);
  expect(runner('manage.present', 'show_ip=True').stderr).toMatch(/show_ip=True is not supported/);
  expect(runner('manage.down', 'timeout=soon').stderr).toMatch(/argument 'timeout': expected a number/);
});

test('jobs.list_jobs, lookup_jid, print_job and active', async () => {
  const r = onMaster(fleet, ['run', '*', 'test.arg', 'x', 'k=v', '--async']);
  const jid = /job ID: (\d{20})/.exec(r.stdout)![1]!;
  await waitFor(() => Object.keys(runnerJson('jobs.lookup_jid', jid)).length === 2, 20_000, 'both returns');
  expect(runnerJson('jobs.lookup_jid', jid)).toEqual({ r1: { args: ['x'], kwargs: expect.objectContaining({ k: 'v' }) }, r2: { args: ['x'], kwargs: expect.objectContaining({ k: 'v' }) } });
  const listed = runnerJson<Record<string, Record<string, unknown>>>('jobs.list_jobs', 'search_function=test.arg');
  expect(listed[jid]).toEqual({ Function: 'test.arg', Arguments: ['x', { k: 'v', __kwarg__: true }], Target: '*', 'Target-type': 'glob', User: 'root', StartTime: expect.stringMatching(/^\d{4}, [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/) });
  expect(Object.values(listed).every((j) => j['Function'] === 'test.arg')).toBe(true);
  const printed = runnerJson<Record<string, Record<string, unknown>>>('jobs.print_job', jid);
  expect(printed[jid]).toMatchObject({ Function: 'test.arg', Minions: IDS, Result: { r1: { return: { args: ['x'] }, retcode: 0, success: true } } });

  const slow = onMaster(fleet, ['run', 'r1', 'test.sleep', '4', '--async']);
  const sjid = /job ID: (\d{20})/.exec(slow.stdout)![1]!;
  await waitFor(() => sjid in runnerJson('jobs.active'), 10_000, 'the sleep job active');
  expect(runnerJson<Record<string, Record<string, unknown>>>('jobs.active')[sjid]).toMatchObject({ Function: 'test.sleep', Running: [{ r1: null }], Returned: [] });
  await waitFor(() => !(sjid in runnerJson('jobs.active')), 15_000, 'the sleep job done');
  // A job in a job process: Running carries that process's pid (alive while the job runs, not the daemon's).
  const cmd = onMaster(fleet, ['run', 'r1', 'cmd.run', 'sleep 4', '--async']);
  const cjid = /job ID: (\d{20})/.exec(cmd.stdout)![1]!;
  const pidOf = () => ((runnerJson<Record<string, { Running: Record<string, number | null>[] }>>('jobs.active')[cjid]?.Running ?? [])[0] ?? {})['r1'];
  await waitFor(() => typeof pidOf() === 'number', 10_000, 'the cmd job active with a pid');
  const pid = pidOf() as number;
  expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/node/);
  expect(pid).not.toBe(fleet.minions.get('r1')!.pid);
  // Its parent is the minion daemon: the job process, not some other node.
  expect(Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1])).toBe(fleet.minions.get('r1')!.pid);
  await waitFor(() => !(cjid in runnerJson('jobs.active')), 15_000, 'the cmd job done');

  const bad = runner('jobs.lookup_jid', 'nope');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/not a job id/);
}, 90_000);

test('jobs.lookup_jid of a state run answers with the highstate outputter', async () => {
  const r = onMaster(fleet, ['run', 'r1', 'state.sls', 'web', '--async']);
  const jid = /job ID: (\d{20})/.exec(r.stdout)![1]!;
  await waitFor(() => {
    const x = runner('jobs.lookup_jid', jid, '--out', 'json');
    return x.code === 0 && 'r1' in json(x);
  }, 30_000, 'the state return');
  // `{outputter: highstate, data}`: printed as a highstate (with --out json, the data alone, as salt-run does).
  expect(runnerJson('jobs.lookup_jid', jid)).toEqual({ r1: expect.any(Object) });
  expect(runner('jobs.lookup_jid', jid).stdout).toMatch(/^r1:\n-{10}\n {10}ID: a\n/m);
}, 60_000);

test('fileserver.file_list and cache.grains|pillar|mine', () => {
  expect(runnerJson('fileserver.file_list')).toEqual(['orch/bad.sls', 'orch/ok.sls', 'top.sls', 'web/files/x.conf', 'web/init.sls']);
  expect(runner('fileserver.file_list', 'saltenv=prod').stderr).toMatch(/no saltenv 'prod'/);
  const grains = runnerJson<Record<string, Record<string, unknown>>>('cache.grains');
  expect(Object.keys(grains)).toEqual(IDS);
  expect(grains['r1']).toMatchObject({ id: 'r1' });
  expect(Object.keys(runnerJson('cache.grains', 'r2'))).toEqual(['r2']);
  expect(runnerJson('cache.pillar')).toEqual({ r1: { site: 'lab' }, r2: { site: 'lab' } });
  expect(runnerJson('cache.mine', 'tgt=r1')).toEqual({ r1: { ident: 'r1' } });
});

test('key.* mirror brine key', async () => {
  const all = runnerJson<Record<string, string[]>>('key.list_all');
  expect(all).toMatchObject({ minions: IDS, minions_pre: [], minions_rejected: [], minions_denied: [] });
  expect(all['local']).toEqual(['master.pem', 'master.pub']);
  expect(runnerJson('key.list', 'acc')).toEqual({ minions: IDS });
  fleet.startMinion('r3');
  await fleet.waitForKeys(['r3'], 'pending');
  expect(runnerJson('key.list', 'pre')).toEqual({ minions_pre: ['r3'] });
  expect(runnerJson('key.reject', 'r3')).toEqual({ minions_rejected: ['r3'] });
  expect(runnerJson('key.accept', 'r3')).toEqual({ minions: [] }); // rejected keys need include_rejected
  expect(runnerJson('key.accept', 'r3', 'include_rejected=True')).toEqual({ minions: ['r3'] });
  const fingers = runnerJson<Record<string, Record<string, string>>>('key.finger', 'r*');
  expect(Object.keys(fingers['minions']!)).toEqual(['r1', 'r2', 'r3']);
  expect(fingers['minions']!['r1']).toBe(json<Record<string, Record<string, string>>>(onMaster(fleet, ['key', 'finger', 'r1', '--out', 'json']))['minions']!['r1']);
  expect(runnerJson<Record<string, Record<string, string>>>('key.finger_master')['local']!['master.pub']).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
  expect(runnerJson<Record<string, Record<string, string>>>('key.key_str', 'r3')['minions']!['r3']).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  expect(runnerJson('key.delete', 'r3')).toEqual({});
  expect(runnerJson<Record<string, string[]>>('key.list_all')['minions']).toEqual(IDS);
  // Deleted in the master: r3 is no longer targeted.
  const ping = onMaster(fleet, ['run', 'r3', 'test.ping', '--out', 'json', '-t', '2']);
  expect(ping.stderr).toMatch(/No minions matched/);
  await fleet.stopMinion('r3');
  expect(runner('key.accept').stderr).toMatch(/missing argument 'match'/);
}, 90_000);

test('state.event streams matching events until count', async () => {
  let out: CliResult | undefined;
  void onMasterAsync(fleet, ['runner', 'state.event', 'tagmatch=myco/run/*', 'count=2', '--out', 'json']).then((r) => (out = r));
  await waitFor(async () => {
    onMaster(fleet, ['run', 'r1', 'event.send', 'myco/run/x', 'n=1']);
    return out !== undefined;
  }, 30_000, 'state.event to end');
  expect(out!.code).toBe(0);
  const lines = out!.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tag: string; data: Record<string, unknown> });
  expect(lines).toHaveLength(2);
  expect(lines.every((l) => l.tag === 'myco/run/x' && l.data['id'] === 'r1')).toBe(true);
}, 60_000);

test('event.send fires on the master bus, tag as given', async () => {
  let out: CliResult | undefined;
  void onMasterAsync(fleet, ['runner', 'state.event', 'tagmatch=ops/*', 'count=1', '--out', 'json']).then((r) => (out = r));
  await waitFor(() => {
    expect(runnerJson('event.send', 'ops/deploy', '{"v": 2}')).toBe(true);
    return out !== undefined;
  }, 30_000, 'state.event to see the runner event');
  expect(JSON.parse(out!.stdout.trim().split('\n')[0]!)).toMatchObject({ tag: 'ops/deploy', data: { v: 2 } });
  // Runners fire Salt's salt/run/<jid>/new and /ret around themselves.
  let runs: CliResult | undefined;
  void onMasterAsync(fleet, ['runner', 'state.event', 'tagmatch=salt/run/*', 'count=4', '--out', 'json']).then((r) => (runs = r));
  await waitFor(() => {
    runner('fileserver.envs');
    return runs !== undefined;
  }, 30_000, 'runner events');
  const evs = runs!.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tag: string; data: Record<string, unknown> });
  const envs = evs.filter((e) => e.data['fun'] === 'runner.fileserver.envs');
  // Four events in a row hold at least one whole run (the first may have started before the listener).
  const jid = String(envs.find((e) => e.tag.endsWith('/new'))!.data['jid']);
  const run = envs.filter((e) => e.data['jid'] === jid);
  expect(run.map((e) => e.tag)).toEqual([`salt/run/${jid}/new`, `salt/run/${jid}/ret`]);
  expect(run[1]!.data).toMatchObject({ fun_args: [], return: ['base'], success: true, user: 'root' });
  expect(runner('event.send', 'ops/x', 'notamap').stderr).toMatch(/data must be a mapping/);
}, 60_000);

test('state.orchestrate and state.orch run an orchestrate SLS: highstate data under the master id, exit code by outcome', async () => {
  const ok = await onMasterAsync(fleet, ['runner', 'state.orchestrate', 'orch.ok', '--out', 'json']);
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  const data = JSON.parse(ok.stdout) as Record<string, Record<string, { __id__: string; result: boolean; comment: string; changes: Record<string, unknown> }>>;
  const master = Object.keys(data);
  expect(master).toHaveLength(1);
  expect(master[0]).toMatch(/_master$/);
  const byId = Object.fromEntries(Object.values(data[master[0]!]!).map((s) => [s.__id__, s]));
  expect(byId['pinged']).toMatchObject({ result: true, changes: { ret: { r1: true } } });
  expect(byId['who']).toMatchObject({ result: true, comment: "Runner function 'manage.up' executed.", changes: { return: ['r1'] } });
  // The default output is Salt's highstate of the orchestration.
  const text = await onMasterAsync(fleet, ['runner', 'state.orch', 'orch.ok']);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^ {10}ID: pinged$/m);
  expect(text.stdout).toMatch(/^Succeeded: 2 \(changed=2\)$/m);
  // A failed step: the step requiring it fails too, and the command exits 2, as `brine orchestrate` does.
  const bad = await onMasterAsync(fleet, ['runner', 'state.orchestrate', 'orch.bad', '--out', 'json']);
  expect(bad.code).toBe(2);
  const badData = JSON.parse(bad.stdout) as Record<string, Record<string, { __id__: string; result: boolean; comment: string }>>;
  const badById = Object.fromEntries(Object.values(Object.values(badData)[0]!).map((s) => [s.__id__, s]));
  expect(badById['fails']!.result).toBe(false);
  expect(badById['after']!.result).toBe(false);
  expect(badById['after']!.comment).toMatch(/requisite/i);
  expect(runner('state.orchestrate', 'orch.nope').code).not.toBe(0);
}, 90_000);

test('an unknown runner is refused with suggestions', () => {
  const r = runner('manage.upp');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/'manage\.upp' is not available \(did you mean manage\.up/);
});

test('brine cp copies files to the targeted minions', () => {
  const src = path.join(dir, 'src');
  writeFiles(src, { 'a.txt': 'alpha\n', 'b.bin': '\u0000\u0001binary' });
  const dest = path.join(dir, 'dest');
  fs.mkdirSync(dest);
  const one = onMaster(fleet, ['cp', 'r1', path.join(src, 'a.txt'), path.join(dest, 'one.txt'), '--out', 'json']);
  expect(one.code).toBe(0);
  expect(json(one)).toEqual({ r1: { [path.join(dest, 'one.txt')]: true } });
  expect(fs.readFileSync(path.join(dest, 'one.txt'), 'utf8')).toBe('alpha\n');
  const two = onMaster(fleet, ['cp', 'r2', path.join(src, 'a.txt'), path.join(src, 'b.bin'), dest, '--out', 'json']);
  expect(json(two)).toEqual({ r2: { [path.join(dest, 'a.txt')]: true, [path.join(dest, 'b.bin')]: true } });
  expect(fs.readFileSync(path.join(dest, 'b.bin'))).toEqual(fs.readFileSync(path.join(src, 'b.bin')));
  const missing = onMaster(fleet, ['cp', 'r1', path.join(src, 'a.txt'), path.join(dir, 'no', 'such', 'dir', 'x'), '--out', 'json']);
  expect(missing.code).not.toBe(0);
  expect(json(missing)['r1']).toBe('Destination unavailable');
  expect(onMaster(fleet, ['cp', 'r1', path.join(src, 'nope'), dest]).stderr).toMatch(/no such file/);
});

test('cp.push lands under cachedir/minions/<id>/files, confined and size-limited', () => {
  const src = path.join(dir, 'push');
  writeFiles(src, { 'small.txt': 'pushed\n', 'big.txt': 'x'.repeat(2000) });
  const files = path.join(fleet.masterDir, 'cache', 'minions', 'r1', 'files');
  expect(json(onMaster(fleet, ['run', 'r1', 'cp.push', path.join(src, 'small.txt'), '--out', 'json']))).toEqual({ r1: true });
  expect(fs.readFileSync(path.join(files, src, 'small.txt'), 'utf8')).toBe('pushed\n');
  // Over file_recv_max_size (0.001 MB here): refused, nothing stored.
  const big = json(onMaster(fleet, ['run', 'r1', 'cp.push', path.join(src, 'big.txt'), '--out', 'json']));
  expect(big['r1']).not.toBe(true);
  expect(fs.existsSync(path.join(files, src, 'big.txt'))).toBe(false);
  // An upload path that climbs out is refused; nothing lands outside the minion's files directory.
  const escape = json(onMaster(fleet, ['run', 'r1', 'cp.push', path.join(src, 'small.txt'), 'upload_path=../../r2/files/evil.txt', '--out', 'json']));
  expect(escape['r1']).not.toBe(true);
  expect(fs.existsSync(path.join(fleet.masterDir, 'cache', 'minions', 'r2', 'files', 'evil.txt'))).toBe(false);
  expect(fs.readFileSync(path.join(fleet.masterDir, 'master.log'), 'utf8')).toMatch(/climbs out|file_recv_max_size/);
});
