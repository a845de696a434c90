/**
 * Orchestrate with a real master and three real minions: `brine orchestrate SLS` runs salt.state, salt.function and
 * salt.runner steps in requisite order (not file order), stops at a failed `failhard` step, runs onfail steps and
 * skips requisites of a failed step, and in test mode runs the state steps as dry runs on the minions while the
 * other steps only say what they would do. Every step writes to one log, so the order is read from it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BRINE } from './helpers/cli';
import { acceptAll, fleetTrees, json, onMasterAsync, removeFleet, startFleet, type Fleet } from './helpers/fleet';

const IDS = ['app1', 'app2', 'web1'];
let fleet: Fleet;
let out: string;
const log = () => path.join(out, 'order.log');
const lines = () => (fs.existsSync(log()) ? fs.readFileSync(log(), 'utf8').trim().split('\n').filter(Boolean) : []);

interface Step {
  result: boolean | null;
  comment: string;
  changes: Record<string, unknown>;
  __id__: string;
  __run_num__: number;
}

/** The steps of an orchestration's JSON output, by ID, and the master id it is keyed by. */
function steps(stdout: string): { master: string; byId: Record<string, Step> } {
  const data = JSON.parse(stdout) as Record<string, Record<string, Step>>;
  const master = Object.keys(data)[0]!;
  const byId: Record<string, Step> = {};
  for (const s of Object.values(data[master]!)) byId[s.__id__] = s;
  return { master, byId };
}

const orch = (args: string[]) => onMasterAsync(fleet, ['orchestrate', ...args]);

beforeAll(async () => {
  const t = fleetTrees('brine-orch-', (o) => ({
    tree: {
      'top.sls': 'base: {}\n',
      'app.sls': `app_ran:\n  cmd.run:\n    - name: echo "app {{ grains.id }}" >> ${o}/order.log\n`,
      'all.sls': `all_ran:\n  cmd.run:\n    - name: echo "all {{ grains.id }}" >> ${o}/order.log\n`,
      'broken.sls': 'broken_cmd:\n  cmd.run:\n    - name: exit 3\n',
      // File order is the reverse of the run order: the requisites decide.
      'orch/order.sls': [
        'everything:',
        '  salt.state:',
        "    - tgt: '*'",
        '    - sls: all',
        '    - require:',
        '      - salt: mark',
        'mark:',
        '  salt.function:',
        '    - name: cmd.run',
        '    - tgt: web1',
        '    - arg:',
        `      - echo mark >> ${o}/order.log`,
        '    - require:',
        '      - salt: app_tier',
        'app_tier:',
        '  salt.state:',
        "    - tgt: 'app*'",
        '    - sls: app',
        'who_is_up:',
        '  salt.runner:',
        '    - name: manage.up',
        '    - require:',
        '      - salt: everything',
        '',
      ].join('\n'),
      'orch/failhard.sls': [
        'broken:',
        '  salt.state:',
        '    - tgt: app1',
        '    - sls: broken',
        '    - failhard: True',
        'after:',
        '  salt.function:',
        '    - name: cmd.run',
        "    - tgt: '*'",
        '    - arg:',
        `      - echo after >> ${o}/order.log`,
        '',
      ].join('\n'),
      'orch/soft.sls': [
        'broken:',
        '  salt.state:',
        '    - tgt: app1',
        '    - sls: broken',
        'needs_broken:',
        '  salt.function:',
        '    - name: test.ping',
        "    - tgt: '*'",
        '    - require:',
        '      - salt: broken',
        'cleanup:',
        '  salt.function:',
        '    - name: cmd.run',
        '    - tgt: web1',
        '    - arg:',
        `      - echo cleanup >> ${o}/order.log`,
        '    - onfail:',
        '      - salt: broken',
        'unrelated:',
        '  salt.function:',
        '    - name: test.ping',
        '    - tgt: app2',
        '',
      ].join('\n'),
      'orch/bad.sls': 'oops:\n  salt.state:\n    - sls: app\n',
      // Fails on app1 only; app1 is named in fail_minions.
      'flaky.sls': "flaky:\n  cmd.run:\n    - name: {{ 'exit 3' if grains.id == 'app1' else 'echo ok' }}\n",
      'orch/tolerant.sls': [
        'tolerated:',
        '  salt.state:',
        "    - tgt: 'app*'",
        '    - sls: flaky',
        '    - fail_minions: app1',
        'not_tolerated:',
        '  salt.state:',
        "    - tgt: 'app*'",
        '    - sls: flaky',
        '',
      ].join('\n'),
      'orch/batch.sls': "pinged:\n  salt.function:\n    - name: test.ping\n    - tgt: '*'\n    - batch: 1\n",
      'orch/pillar.sls': "from_pillar:\n  salt.function:\n    - name: test.echo\n    - tgt: {{ pillar['target'] }}\n    - arg:\n      - {{ pillar['word'] }}\n",
      'orch/wait.sls': [
        // The event comes from web1 a moment after this step started it, through a salt-call style `brine call`.
        'kick:',
        '  salt.function:',
        '    - name: cmd.run',
        '    - tgt: web1',
        '    - arg:',
        '      - "(sleep 1; {{ pillar[\'call\'] }} event.send orch/ready) >/dev/null 2>&1 &"',
        'ready:',
        '  salt.wait_for_event:',
        '    - name: orch/*',
        '    - id_list: [web1]',
        '    - timeout: 60',
        '    - require:',
        '      - salt: kick',
        'never:',
        '  salt.wait_for_event:',
        '    - name: orch/never',
        '    - id_list: [web1]',
        '    - timeout: 1',
        '    - require:',
        '      - salt: ready',
        '',
      ].join('\n'),
    },
    pillar: { 'top.sls': 'base: {}\n' },
  }));
  out = t.out;
  fs.mkdirSync(out, { recursive: true });
  fleet = await startFleet({ dir: t.dir, minions: IDS, fileRoots: [t.tree], pillarRoots: [t.pillar] });
  await acceptAll(fleet, IDS);
}, 90_000);

afterAll(async () => {
  await removeFleet(fleet);
});

beforeEach(() => fs.rmSync(log(), { force: true }));

test('steps run in requisite order: app tier, then the function, then everything, then the runner', async () => {
  const r = await orch(['orch.order', '--out', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const l = lines();
  expect(l.slice(0, 2).sort()).toEqual(['app app1', 'app app2']);
  expect(l[2]).toBe('mark');
  expect(l.slice(3).sort()).toEqual(['all app1', 'all app2', 'all web1']);
  const { master, byId } = steps(r.stdout);
  expect(master).toMatch(/_master$/);
  expect(byId['app_tier']!.result).toBe(true);
  expect(byId['app_tier']!.comment).toBe('States ran successfully. Updating app1, app2.');
  // Each minion's highstate return nested in the step's changes, as Salt nests them.
  const nestedRet = (byId['app_tier']!.changes as { out: string; ret: Record<string, Record<string, { result: boolean }>> });
  expect(nestedRet.out).toBe('highstate');
  expect(Object.keys(nestedRet.ret).sort()).toEqual(['app1', 'app2']);
  expect(Object.values(nestedRet.ret['app1']!)[0]!.result).toBe(true);
  expect(byId['mark']!.comment).toBe('Function ran successfully. Function cmd.run ran on web1.');
  expect(byId['who_is_up']!.changes).toEqual({ return: IDS });
  expect(byId['who_is_up']!.comment).toBe("Runner function 'manage.up' executed.");
  const order = ['app_tier', 'mark', 'everything', 'who_is_up'].map((id) => byId[id]!.__run_num__);
  expect(order).toEqual([...order].sort((a, b) => a - b));
}, 90_000);

test('the highstate output nests each minion\'s return under its step and ends with the summary', async () => {
  const r = await orch(['orch.order']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^\S+_master:\n/);
  expect(r.stdout).toMatch(/\n {10}ID: app_tier\n {4}Function: salt\.state\n/);
  // app1's own highstate block, indented under the step's Changes.
  expect(r.stdout).toMatch(/\n {14}app1:\n {14}-{10}\n {24}ID: app_ran\n/);
  expect(r.stdout).toMatch(/\n {14}Summary for app1\n/);
  expect(r.stdout).toMatch(/Summary for \S+_master\n-{12}\nSucceeded: 4 \(changed=4\)\nFailed: {4}0\n/);
}, 90_000);

test('a failed failhard step stops the orchestration and exits with the failed code', async () => {
  const r = await orch(['orch.failhard', '--out', 'json']);
  expect(r.code).toBe(2);
  const { byId } = steps(r.stdout);
  expect(byId['broken']!.result).toBe(false);
  expect(byId['broken']!.comment).toBe('Run failed on minions: app1');
  expect(byId['after']).toBeUndefined();
  expect(lines()).toEqual([]);
}, 90_000);

test('without failhard: requisites of the failed step fail, onfail runs, the rest runs', async () => {
  const r = await orch(['orch.soft', '--out', 'json']);
  expect(r.code).toBe(2);
  const { byId } = steps(r.stdout);
  expect(byId['broken']!.result).toBe(false);
  expect(byId['needs_broken']!.result).toBe(false);
  expect(byId['needs_broken']!.comment).toMatch(/^One or more requisite failed/);
  expect(byId['cleanup']!.result).toBe(true);
  expect(byId['unrelated']!.result).toBe(true);
  expect(lines()).toEqual(['cleanup']);
}, 90_000);

test('test=True: state steps are dry runs on the minions, other steps only say what they would do', async () => {
  const r = await orch(['orch.order', 'test=True', '--out', 'json']);
  expect(r.code).toBe(0);
  const { byId } = steps(r.stdout);
  expect(byId['app_tier']!.result).toBeNull();
  const ret = (byId['app_tier']!.changes as { ret: Record<string, Record<string, { result: boolean | null }>> }).ret;
  expect(Object.values(ret['app1']!)[0]!.result).toBeNull();
  expect(byId['mark']!.result).toBeNull();
  expect(byId['mark']!.comment).toBe('Function cmd.run would be executed on target web1');
  expect(byId['mark']!.changes).toEqual({});
  expect(byId['who_is_up']!.comment).toBe("Runner function 'manage.up' would be executed.");
  expect(byId['everything']!.result).toBeNull();
  expect(lines()).toEqual([]);
}, 90_000);

test('fail_minions: a failure on a named minion does not fail the step; the same failure elsewhere does', async () => {
  const r = await orch(['orch.tolerant', '--out', 'json']);
  expect(r.code).toBe(2);
  const { byId } = steps(r.stdout);
  expect(byId['tolerated']!.result).toBe(true);
  expect(byId['tolerated']!.comment).toBe('States ran successfully. Updating app1, app2.');
  expect(byId['not_tolerated']!.result).toBe(false);
  expect(byId['not_tolerated']!.comment).toBe('Run failed on minions: app1');
}, 90_000);

test('batch: every targeted minion runs, one at a time', async () => {
  const r = await orch(['orch.batch', '--out', 'json']);
  expect(r.code).toBe(0);
  const { byId } = steps(r.stdout);
  expect(byId['pinged']!.changes).toEqual({ ret: { app1: true, app2: true, web1: true } });
}, 90_000);

test('pillar= reaches the orchestrate SLS templates', async () => {
  const r = await orch(['orch.pillar', 'pillar={"target": "app2", "word": "hello"}', '--out', 'json']);
  expect(r.code).toBe(0);
  expect(steps(r.stdout).byId['from_pillar']!.changes).toEqual({ ret: { app2: 'hello' } });
}, 90_000);

test('salt.wait_for_event: waits for the id_list on the bus; without the event it times out and fails', async () => {
  const call = `${process.execPath} ${BRINE} -c ${fleet.minionDir('web1')} call`;
  const r = await orch(['orch.wait', `pillar=${JSON.stringify({ call })}`, '--out', 'json']);
  const { byId } = steps(r.stdout);
  expect(byId['ready']!.result).toBe(true);
  expect(byId['ready']!.changes).toEqual({ minions_seen: ['web1'] });
  expect(byId['ready']!.comment).toMatch(/^All events seen in [\d.]+ seconds\.$/);
  expect(byId['never']!.result).toBe(false);
  expect(byId['never']!.comment).toBe('Timeout value reached.');
  expect(r.code).toBe(2);
}, 90_000);

test('an orchestrate SLS with a bad step fails before anything runs, naming the file and line', async () => {
  const r = await orch(['orch.bad', '--out', 'json']);
  expect(r.code).toBe(1);
  const data = json<Record<string, string[]>>(r);
  const errors = Object.values(data)[0]!;
  expect(errors.join('\n')).toMatch(/orch\/bad\.sls:1: .*tgt: is required/);
  const missing = await orch(['orch.nothere', '--out', 'json']);
  expect(missing.code).toBe(1);
  expect(missing.stdout).toMatch(/orch\.nothere/);
}, 90_000);
