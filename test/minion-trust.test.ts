/**
 * What the master trusts from an accepted minion, with a real master and minions.
 * - Grains are claims: `roles` comes from the master's pins only (`minion_grains` in its config, or
 *   `<config>/minion_grains/<id>.yaml`). A minion that claims `roles: [kdct]` but is pinned otherwise (or not pinned)
 *   gets no keepalived pillar from the shipped pillar, cannot read a mine function allowed to `roles:kdct`, and its
 *   return to a `-G roles:kdct` job is not accepted.
 * - Quotas: a minion sending many large scheduled returns stays under its job cache quota; the refusals are logged
 *   with a count, rate-limited. Grains over their quota are refused without stopping the minion's pillar.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cachedReturns, json, masterLog, onMasterAsync, startFleet, tempDir, waitFor, writeFiles, type Fleet } from './helpers/fleet';

const REPO = path.resolve(__dirname, '..');
const IDS = ['kdct1', 'rogue', 'flooder'];
const JOB_QUOTA = 1024 * 1024;
const BIG = 'x'.repeat(100_000);
let fleet: Fleet;
let dir: string;

const run = (args: string[]) => onMasterAsync(fleet, args);
interface LogLine {
  level: string;
  message: string;
  minion?: string;
  refused?: number;
  refused_total?: number;
  used?: number;
  size?: number;
  limit?: number;
}
const masterLines = (): LogLine[] =>
  masterLog(fleet)
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });

beforeAll(async () => {
  dir = tempDir('brine-trust-');
  writeFiles(path.join(dir, 'tree'), { 'top.sls': 'base: {}\n' });
  // The operator's word for rogue, in its own file: it claims kdct in its config.
  writeFiles(path.join(dir, 'master', 'minion_grains'), { 'rogue.yaml': 'roles: [app]\n' });
  fleet = await startFleet({
    dir,
    minions: IDS,
    fileRoots: [path.join(dir, 'tree')],
    // The shipped pillar (keepalived's auth_pass for roles:kdct).
    pillarRoots: [path.join(REPO, 'pillar')],
    master: {
      minion_grains: { 'kdct*': { roles: ['kdct'] } },
      minion_quota_job_cache_bytes: JOB_QUOTA,
      minion_quota_grains_bytes: 64 * 1024,
    },
    minion: (id) => ({
      // Every one of them claims kdct; flooder is not pinned at all, and its grains are over the grains quota.
      grains: { roles: ['kdct'], ...(id === 'flooder' ? { big: BIG } : {}) },
      mine_functions: { vrrp: [{ mine_function: 'grains.get' }, 'id', { allow_tgt: 'roles:kdct', allow_tgt_type: 'grain' }] },
      ...(id === 'flooder' ? { schedule: { flood: { function: 'test.echo', args: [BIG], seconds: 1, run_on_start: true } } } : {}),
    }),
  });
  await fleet.waitForKeys(IDS, 'pending');
  const acc = await run(['key', 'accept', '--all', '-y']);
  expect(acc.code).toBe(0);
  await waitFor(() => IDS.every((id) => fs.existsSync(path.join(fleet.masterDir, 'cache', 'mine', `${id}.json`))), 30_000, 'mine data of every minion');
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a minion claiming roles: [kdct] gets no secret pillar, no kdct-only mine data, and no say in -G roles:kdct jobs', async () => {
  const pillar = json<Record<string, Record<string, unknown>>>(await run(['run', '*', 'pillar.items', '--out', 'json', '-t', '20']));
  expect((pillar['kdct1']!['keepalived'] as Record<string, unknown>)['auth_pass']).toBe('br1neHA');
  for (const id of ['rogue', 'flooder']) {
    expect(pillar[id]).toBeDefined();
    expect(pillar[id]!['keepalived']).toBeUndefined();
    expect(pillar[id]!['conntrackd']).toBeUndefined();
    expect(JSON.stringify(pillar[id])).not.toContain('br1neHA');
  }

  const mine = json<Record<string, unknown>>(await run(['run', '*', 'mine.get', '*', 'vrrp', '--out', 'json', '-t', '20']));
  expect(mine['kdct1']).toEqual({ flooder: 'flooder', kdct1: 'kdct1', rogue: 'rogue' }); // the only minion the master knows as kdct
  expect(mine['rogue']).toEqual({});
  expect(mine['flooder']).toEqual({});

  // Every minion matches itself on its own (claimed) grains and runs the job; the master keeps kdct1's return only.
  const r = await run(['run', '-G', 'roles:kdct', 'test.echo', 'hello', '--out', 'json', '-t', '10']);
  expect(Object.keys(json(r))).toEqual(['kdct1']);
  await waitFor(() => masterLines().some((l) => l.message === 'return from a minion the job did not target dropped' && l.minion === 'rogue'), 15_000, "rogue's return dropped");
  const jobs = json<{ jobs: Record<string, { Function: string; Target: string }> }>(await run(['jobs', 'list', '--out', 'json']));
  const jid = Object.entries(jobs.jobs).find(([, j]) => j.Function === 'test.echo' && j.Target === 'roles:kdct')![0];
  expect(cachedReturns(fleet, jid).map((x) => x.id)).toEqual(['kdct1']);
}, 60_000);

test('large scheduled returns stay within the minion job cache quota; refusals are logged with a count', async () => {
  const refusals = () => masterLines().filter((l) => l.message.startsWith('quota: job cache write refused') && l.minion === 'flooder');
  // The first refusal is logged at once; the next line comes 10 s later with what was refused meanwhile.
  await waitFor(() => refusals().length >= 2, 40_000, 'two quota log lines for flooder');
  const lines = refusals();
  expect(lines[0]).toMatchObject({ level: 'warn', refused: 1, limit: JOB_QUOTA });
  expect(lines[1]!.refused).toBeGreaterThan(1);
  expect(lines[1]!.refused_total).toBe(1 + lines[1]!.refused!);

  // What flooder holds in the job cache: its returns and the records of its scheduled jobs.
  const jobsDir = path.join(fleet.masterDir, 'cache', 'jobs');
  let bytes = 0;
  let returns = 0;
  for (const jid of fs.readdirSync(jobsDir).filter((n) => /^\d{20}$/.test(n))) {
    // Every line of flooder's in the job's returns file (a return sent again is a line more), and the job's record.
    const file = path.join(jobsDir, jid, 'returns.jsonl');
    const mine = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"id":"flooder"')) : [];
    if (mine.length === 0) continue;
    returns++;
    bytes += mine.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + fs.statSync(path.join(jobsDir, jid, 'job.json')).size;
  }
  expect(returns).toBeGreaterThan(3);
  expect(bytes).toBeLessThanOrEqual(JOB_QUOTA);

  // Other minions are not affected: kdct1's returns still land.
  const r = await run(['run', 'kdct1', 'test.ping', '--out', 'json', '-t', '10']);
  expect(json(r)).toEqual({ kdct1: true });

  // flooder's grains (over 64 KiB) were refused and logged, and it still got its pillar and schedule (above).
  expect(masterLines().some((l) => l.message.startsWith('quota: grains write refused') && l.minion === 'flooder')).toBe(true);
}, 60_000);
