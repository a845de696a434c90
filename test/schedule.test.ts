/**
 * The per-minion scheduler on real processes: a `seconds: 5, splay: 3` highstate fires inside its window and
 * returns into the master's job cache; with the master stopped it still converges a drifted file from the cached
 * state tree and pillar, and the delayed return reaches the job cache once the master is back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, fleetTrees, json, minionLog, onMasterAsync, startFleet, waitFor, type Fleet } from './helpers/fleet';

const IDS = ['m1', 'm2', 'm3'];
let fleet: Fleet;
let dir: string;
let out: string;

type Jobs = { jobs: Record<string, { Function: string; Target: unknown; User: string; Returned: number }> };
type StateRet = Record<string, { result: boolean | null; changes: Record<string, unknown> }>;

const run = (args: string[]) => onMasterAsync(fleet, args);
const conf = () => path.join(out, 'm1', 'app.conf');
const CONVERGED = 'token = tok-m1\npeers = m1,m2,m3\n';

interface LogLine {
  message: string;
  timestamp: string;
  jid?: string;
  name?: string;
}
function logLines(id: string): LogLine[] {
  return minionLog(fleet, id)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogLine);
}
const firings = () => logLines('m1').filter((l) => l.message === 'scheduled job started' && l.name === 'hs');
const scheduleJobs = async () => {
  const r = await run(['jobs', 'list', '--out', 'json']);
  return Object.entries(json<Jobs>(r).jobs).filter(([, j]) => j.User === 'schedule:hs');
};

beforeAll(async () => {
  let tree: string;
  ({ dir, out, tree } = fleetTrees('brine-sched-', (out) => ({
    tree: {
      'top.sls': "base:\n  '*':\n    - conf\n",
      // The peers line reads the mine: offline, the minion must render the last answers, not an empty list.
      'conf.sls':
        "app_conf:\n  file.managed:\n    - name: {{ pillar['out'] }}/{{ grains['id'] }}/app.conf\n" +
        "    - contents: \"token = {{ pillar['token'] }}\\npeers = {% for id, v in salt['mine.get']('*', 'role_tag') | dictsort %}{{ v }}{{ ',' if not loop.last }}{% endfor %}\"\n" +
        '    - makedirs: True\n',
    },
    pillar: {
      'top.sls': "base:\n  '*':\n    - common\n  m2:\n    - sched\n",
      // mine_functions in Salt's alias form with a positional argument: role_tag = grains.get('id')
      'common.sls': `out: ${out}\ntoken: tok-{{ grains['id'] }}\nmine_functions:\n  role_tag:\n    - mine_function: grains.get\n    - id\n`,
      'sched.sls': 'schedule:\n  tick:\n    function: test.echo\n    args: [tick]\n    minutes: 10\n    run_on_start: False\n',
    },
  })));
  fleet = await startFleet({
    dir,
    minions: IDS,
    fileRoots: [tree],
    minion: (id) => (id === 'm1' ? { schedule: { hs: { function: 'state.highstate', seconds: 5, splay: 3, run_on_start: false } } } : {}),
  });
  await acceptAll(fleet, IDS);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('seconds: 5 with splay: 3 fires every 5-8 s and each run lands in the job cache as schedule:hs', async () => {
  await waitFor(() => firings().length >= 3, 30_000, 'three scheduled highstates on m1');
  const f = firings();
  const started = Date.parse(logLines('m1').find((l) => l.message === 'minion started')!.timestamp);
  const times = [started, ...f.map((l) => Date.parse(l.timestamp))];
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  // run_on_start: False, so the first firing is one interval (plus splay) after the start, too.
  for (const g of gaps) {
    expect(g).toBeGreaterThanOrEqual(5000 - 5);
    expect(g).toBeLessThanOrEqual(8000 + 200);
  }
  // The splay is applied: with a uniform 0-3 s splay, all three gaps under 5.1 s has odds of 1 in 27,000.
  expect(Math.max(...gaps)).toBeGreaterThan(5100);
  // Only m1 has the schedule.
  expect(logLines('m2').filter((l) => l.message === 'scheduled job started')).toHaveLength(0);

  // Every firing's return is in the master's job cache under its jid, recorded for the schedule.
  await waitFor(async () => (await scheduleJobs()).filter(([, j]) => j.Returned === 1).length >= 3, 10_000, 'scheduled returns in the job cache');
  const jobs = Object.fromEntries(await scheduleJobs());
  for (const l of f.slice(0, 3)) {
    expect(jobs[l.jid!]).toMatchObject({ Function: 'state.highstate', User: 'schedule:hs', Target: 'm1', Returned: 1 });
    const shown = json<Record<string, StateRet>>(await run(['jobs', 'show', l.jid!, '--out', 'json']));
    expect(Object.keys(shown)).toEqual(['m1']);
    expect(Object.values(shown['m1']!).every((s) => s.result === true)).toBe(true);
  }
  expect(fs.readFileSync(conf(), 'utf8')).toBe(CONVERGED);
  // No other minion converged: nothing published a highstate.
  expect(fs.existsSync(path.join(out, 'm2'))).toBe(false);
}, 45_000);

test('schedule.list and schedule.run_job', async () => {
  const list = json<Record<string, Record<string, Record<string, unknown>>>>(await run(['run', '*', 'schedule.list', '--out', 'json']));
  expect(list['m1']!['hs']).toMatchObject({ function: 'state.highstate', seconds: 5, splay: { start: 0, end: 3 }, run_on_start: false, maxrunning: 1 });
  expect(Date.parse(String(list['m1']!['hs']!['next_fire_time']))).toBeGreaterThan(Date.now() - 1000);
  expect(list['m2']).toEqual({ tick: expect.objectContaining({ function: 'test.echo', args: ['tick'], seconds: 600 }) }); // from pillar
  expect(list['m3']).toEqual({});

  // Right after a scheduled run returned (so maxrunning does not skip ours): drift, then run_job converges it.
  const n = (await scheduleJobs()).length;
  await waitFor(async () => (await scheduleJobs()).filter(([, j]) => j.Returned === 1).length > n, 15_000, 'the next scheduled return');
  fs.writeFileSync(conf(), 'drifted\n');
  const r = await run(['run', 'm1', 'schedule.run_job', 'hs', '--out', 'json', '-t', '10']);
  expect(r.code).toBe(0);
  const ret = json<Record<string, StateRet>>(r)['m1']!;
  expect(Object.values(ret)).toEqual([expect.objectContaining({ result: true, changes: expect.objectContaining({ diff: expect.any(String) }) })]);
  expect(fs.readFileSync(conf(), 'utf8')).toBe(CONVERGED);
  const bad = await run(['run', 'm1', 'schedule.run_job', 'nope', '--out', 'json', '-t', '10']);
  expect(bad.code).not.toBe(0);
  expect(JSON.stringify(json(bad))).toMatch(/no job named 'nope'/);
}, 30_000);

test('with the master stopped the scheduled highstate still converges; the return arrives when it is back', async () => {
  await fleet.stopMaster();
  const stoppedAt = Date.now();
  const n = firings().length;
  fs.writeFileSync(conf(), 'drifted while the master is away\n');
  await waitFor(() => fs.readFileSync(conf(), 'utf8') === CONVERGED, 20_000, 'the offline scheduled highstate restoring app.conf');
  expect(Date.now() - stoppedAt).toBeLessThan(15_000); // one interval + splay + the short reachability probe
  const ranOffline = () => new Set(logLines('m1').filter((l) => l.message.startsWith('scheduled job ran without the master')).map((l) => l.jid));
  await waitFor(() => firings().slice(n).some((l) => ranOffline().has(l.jid)), 5000, 'the minion saying it ran without the master');
  expect(minionLog(fleet, 'm1')).toMatch(/master unreachable: converging with the last state tree and pillar from the local cache/);
  const offline = firings().slice(n).map((l) => l.jid!).filter((j) => ranOffline().has(j));
  expect(fleet.master).toBeUndefined();

  // Back: the kept returns reach the job cache; the run that restored the file reports its change.
  await fleet.startMaster();
  await waitFor(async () => {
    const jobs = Object.fromEntries(await scheduleJobs());
    return offline.every((jid) => jobs[jid]?.Returned === 1);
  }, 30_000, 'the delayed returns in the job cache');
  const rets = await Promise.all(offline.map(async (jid) => json<Record<string, StateRet>>(await run(['jobs', 'show', jid, '--out', 'json']))['m1']!));
  for (const r of rets) expect(Object.values(r).every((st) => st.result === true)).toBe(true);
  const changed = rets.filter((r) => Object.values(r).some((st) => Object.keys(st.changes).length > 0));
  expect(changed).toHaveLength(1);
  expect(minionLog(fleet, 'm1')).toMatch(/delayed return delivered/);
}, 60_000);

test('a pillar that fails to render on the master fails the run (named file:line); it is not taken for an outage', async () => {
  // The master was restarted by the test before: wait until every minion is back (re-authenticated).
  await waitFor(async () => Object.values(json<Record<string, unknown>>(await run(['run', '*', 'test.ping', '--out', 'json', '-t', '2']))).filter((v) => v === true).length === 3, 30_000, 'all minions back');
  const common = path.join(dir, 'pillar', 'common.sls');
  const good = fs.readFileSync(common, 'utf8');
  fs.writeFileSync(common, good + 'broken: {{ nope }}\n');
  try {
    const r = await run(['run', 'm3', 'state.highstate', '--out', 'json', '-t', '15']);
    expect(r.code).toBe(1); // a render error, as for a malformed SLS
    expect(JSON.stringify(json(r))).toMatch(/pillar: .*common\.sls:\d+: .*'nope' is undefined/);
    expect(minionLog(fleet, 'm3')).not.toMatch(/master unreachable/);
    const refresh = await run(['run', 'm3', 'saltutil.refresh_pillar', '--out', 'json', '-t', '15']);
    expect(refresh.code).not.toBe(0);
  } finally {
    fs.writeFileSync(common, good);
  }
  expect((await run(['run', 'm3', 'state.highstate', '--out', 'json', '-t', '15'])).code).toBe(0);
}, 60_000);

test('a schedule from pillar changes at saltutil.refresh_pillar, without a restart', async () => {
  const sched = path.join(dir, 'pillar', 'sched.sls');
  fs.writeFileSync(sched, fs.readFileSync(sched, 'utf8').replace('minutes: 10', 'minutes: 20'));
  expect(json(await run(['run', 'm2', 'saltutil.refresh_pillar', '--out', 'json', '-t', '10']))).toEqual({ m2: true });
  const list = json<Record<string, Record<string, Record<string, unknown>>>>(await run(['run', 'm2', 'schedule.list', '--out', 'json', '-t', '10']));
  expect(list['m2']!['tick']).toMatchObject({ function: 'test.echo', seconds: 1200 });
}, 30_000);
