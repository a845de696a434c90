/**
 * Custom modules (`_modules`, `_states`, `_grains` in the file roots) synced by saltutil.sync_* and at highstate into
 * the minion's extension cache, then called, as a user does with `brine call --local` (a real CLI process per call).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { brine, json, type CliResult } from './helpers/cli';

let tmp: string;
let conf: string;
let roots: string;
let cache: string;

const HELLO = `module.exports = {
  docs: { greet: 'Say hello.' },
  functions: {
    greet(args, kwargs, env) { return 'hi ' + args[0] + (kwargs.punct || '') + ' from ' + env.id; },
    async slow(args) { return new Promise((r) => setTimeout(() => r(args.length), 10)); },
  },
};
`;
const MOTD = `const fs = require('fs');
module.exports = {
  functions: {
    present: {
      parse(ref, args) {
        if (typeof args.text !== 'string') throw new Error(ref + ': text is required');
        return { name: String(args.name), text: args.text };
      },
      async check(p, ctx) {
        const cur = await ctx.host.readFile(p.name);
        return cur !== null && cur.toString() === p.text ? {} : { text: { old: cur === null ? null : cur.toString(), new: p.text } };
      },
      async apply(p, pending, ctx) {
        await ctx.host.writeFileAtomic(p.name, p.text);
        return { comment: 'motd written' };
      },
      okComment: (p) => p.name + ' is right',
    },
  },
};
`;
const SITE = `module.exports = {
  site(grains) { return { site: 'lab', site_os: grains.kernel, roles: ['from-module'] }; },
};
`;

function cli(...args: string[]): CliResult {
  return brine(['-c', conf, 'call', '--local', '--out', 'json', ...args]);
}
const local = <T = unknown>(r: CliResult): T => json<{ local: T }>(r).local;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-custom-'));
  conf = path.join(tmp, 'conf');
  roots = path.join(tmp, 'roots');
  cache = path.join(tmp, 'cache');
  for (const d of [conf, path.join(roots, '_modules'), path.join(roots, '_states'), path.join(roots, '_grains')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(conf, 'minion'), `id: m1\ncachedir: ${cache}\nfile_roots: {base: [${roots}]}\npillar_roots: {base: [${path.join(tmp, 'pillar')}]}\ngrains: {roles: [from-config]}\n`);
  fs.writeFileSync(path.join(roots, '_modules/hello.js'), HELLO);
  fs.writeFileSync(path.join(roots, '_states/motd.js'), MOTD);
  fs.writeFileSync(path.join(roots, '_grains/site.js'), SITE);
  fs.writeFileSync(path.join(roots, 'top.sls'), "base:\n  '*':\n    - motd\n");
  fs.writeFileSync(path.join(roots, 'motd.sls'), `${path.join(tmp, 'motd')}:\n  motd.present:\n    - text: "welcome to {{ grains['site'] }}"\n`);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('saltutil.sync_all copies each kind into <cachedir>/extmods and reports what changed; the next sync reports nothing', () => {
  const r = cli('saltutil.sync_all');
  expect(r.code).toBe(0);
  const kinds = ['clouds', 'beacons', 'modules', 'states', 'sdb', 'grains', 'renderers', 'returners', 'output', 'utils', 'log_handlers', 'executors', 'proxymodules', 'engines', 'thorium', 'serializers', 'matchers', 'pillar'];
  const empty = Object.fromEntries(kinds.map((k) => [k, []]));
  // Salt 3006's keys, in its order
  expect(Object.keys(local<Record<string, string[]>>(r))).toEqual(kinds);
  expect(local(r)).toEqual({ ...empty, modules: ['modules.hello'], states: ['states.motd'], grains: ['grains.site'] });
  expect(fs.readFileSync(path.join(cache, 'extmods/modules/hello.js'), 'utf8')).toBe(HELLO);
  expect(fs.existsSync(path.join(cache, 'extmods/states/motd.js'))).toBe(true);
  expect(fs.existsSync(path.join(cache, 'extmods/grains/site.js'))).toBe(true);
  expect(local(cli('saltutil.sync_all'))).toEqual(empty);
  // a module removed from the roots is removed from the cache, and is no longer callable
  fs.rmSync(path.join(roots, '_modules/hello.js'));
  expect(local(cli('saltutil.sync_modules'))).toEqual([]);
  expect(fs.existsSync(path.join(cache, 'extmods/modules/hello.js'))).toBe(false);
  const gone = cli('hello.greet', 'x');
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/'hello.greet' is not available/);
});

test('a synced custom execution module is called like a built-in (sync and async functions, sys.doc)', () => {
  expect(cli('hello.greet', 'x').code).toBe(1); // not synced yet
  expect(local(cli('saltutil.sync_modules'))).toEqual(['modules.hello']);
  expect(local(cli('hello.greet', 'world', 'punct=!'))).toBe('hi world! from m1');
  expect(local(cli('hello.slow', 'a', 'b', 'c'))).toBe(3);
  expect(local(cli('sys.doc', 'hello.greet'))).toEqual({ 'hello.greet': 'Say hello.' });
  // and from a template
  fs.writeFileSync(path.join(roots, 'greet.sls'), `${path.join(tmp, 'greeting')}:\n  file.managed:\n    - contents: {{ salt['hello.greet']('tpl') }}\n`);
  expect(cli('state.apply', 'greet').code).toBe(0);
  expect(fs.readFileSync(path.join(tmp, 'greeting'), 'utf8')).toBe('hi tpl from m1\n');
});

test("brine call: exit 1 for a return whose result is False, and Salt's refusal of keyword arguments a function does not take", () => {
  const closed = cli('network.connect', '127.0.0.1', '1');
  expect(local(closed)).toMatchObject({ result: false });
  expect(closed.code).toBe(1); // salt-call network.connect 127.0.0.1 1 exits 1
  const bogus = cli('test.ping', 'bogus=1');
  expect(bogus.code).toBe(1);
  expect(bogus.stderr).toContain('The following keyword arguments are not valid: bogus=1');
  expect(local(cli('test.echo', 'text=hi'))).toBe('hi');
  // A custom module declares its keyword arguments with `params`; a function it does not list takes any.
  fs.writeFileSync(path.join(roots, '_modules/strict.js'), "module.exports = { params: { only: ['who'] }, functions: { only(a, k) { return k.who; }, any(a, k) { return Object.keys(k).length; } } };\n");
  expect(local(cli('saltutil.sync_modules'))).toEqual(expect.arrayContaining(['modules.strict']));
  expect(local(cli('strict.only', 'who=me'))).toBe('me');
  const refused = cli('strict.only', 'whom=me');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('The following keyword arguments are not valid: whom=me');
  expect(local(cli('strict.any', 'whom=me'))).toBe(1);
});

test("custom grains merge over the core grains, the minion config's grains over them", () => {
  expect(local(cli('grains.get', 'site'))).toBe('');
  expect(local(cli('saltutil.sync_grains'))).toEqual(['grains.site']);
  expect(local(cli('grains.item', 'site', 'site_os', 'roles'))).toEqual({ site: 'lab', site_os: 'Linux', roles: ['from-config'] });
  expect(local(cli('saltutil.refresh_grains'))).toBe(true);
});

test('state.highstate syncs custom states, grains and modules first, then runs the custom state kind (and test=True)', () => {
  const motd = path.join(tmp, 'motd');
  const dry = cli('state.highstate', 'test=True');
  expect(dry.code).toBe(0);
  const dryRet = Object.values(local<Record<string, { result: boolean | null; changes: unknown }>>(dry));
  expect(dryRet.map((s) => s.result)).toEqual([null]);
  expect(fs.existsSync(motd)).toBe(false);
  const run = cli('state.highstate');
  expect(run.code).toBe(0);
  expect(local(run)).toMatchObject({ [`motd_|-${motd}_|-${motd}_|-present`]: { result: true, comment: 'motd written', changes: { text: { old: null, new: 'welcome to lab' } } } });
  expect(fs.readFileSync(motd, 'utf8')).toBe('welcome to lab');
  const again = local<Record<string, { result: boolean; comment: string; changes: unknown }>>(cli('state.highstate'));
  expect(Object.values(again)[0]).toMatchObject({ result: true, comment: `${motd} is right`, changes: {} });
  expect(local(cli('hello.greet', 'after-highstate'))).toBe('hi after-highstate from m1');
  expect(local(cli('sys.list_state_functions', 'motd'))).toEqual(['motd.present']);
  // a bad state argument fails at compile time with the module's own message
  fs.writeFileSync(path.join(roots, 'motd.sls'), `${motd}:\n  motd.present: []\n`);
  const bad = cli('state.highstate');
  expect(bad.code).not.toBe(0);
  expect(bad.stdout + bad.stderr).toMatch(/text is required/);
});

test('a custom module that does not load is logged and skipped; the rest keep working', () => {
  fs.writeFileSync(path.join(roots, '_modules/broken.js'), 'module.exports = { functions: { oops() {} } ');
  fs.writeFileSync(path.join(roots, '_modules/shapeless.js'), 'module.exports = 42;');
  const r = cli('saltutil.sync_modules');
  expect(r.code).toBe(0);
  expect(local(r)).toEqual(['modules.broken', 'modules.hello', 'modules.shapeless']);
  const ok = cli('hello.greet', 'still');
  expect(ok.code).toBe(0);
  expect(local(ok)).toBe('hi still from m1');
  expect(ok.stderr).toMatch(/custom module _modules\/broken.js did not load/);
  expect(ok.stderr).toMatch(/shapeless.js must export \{ functions/);
});

describe('on a real minion (master, minion daemon, job process)', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fleetHelpers = require('./helpers/fleet') as typeof import('./helpers/fleet');
  let fleet: import('./helpers/fleet').Fleet;
  beforeAll(async () => {
    fleet = await fleetHelpers.acceptedFleet('brine-custom-fleet-', ['c1']);
    const tree = path.join(fleet.dir, 'tree');
    fs.mkdirSync(path.join(tree, '_modules'), { recursive: true });
    fs.mkdirSync(path.join(tree, '_grains'), { recursive: true });
    fs.writeFileSync(path.join(tree, '_modules/hello.js'), HELLO);
    fs.writeFileSync(path.join(tree, '_grains/site.js'), SITE);
    fs.writeFileSync(path.join(tree, 'slow.sls'), 'slow:\n  cmd.run:\n    - name: sleep 31.3\n');
  }, 90_000);
  afterAll(() => fleetHelpers.removeFleet(fleet));
  const run = async (...args: string[]) => fleetHelpers.json<Record<string, unknown>>(await fleetHelpers.onMasterAsync(fleet, ['run', 'c1', ...args, '--out', 'json']));

  test('saltutil.sync_all on the minion fetches the tree, loads the module in the daemon and job processes, and reports the grains', async () => {
    expect(await run('saltutil.sync_all')).toEqual({ c1: expect.objectContaining({ modules: ['modules.hello'], states: [], grains: ['grains.site'], beacons: [] }) });
    expect(await run('hello.greet', 'fleet')).toEqual({ c1: 'hi fleet from c1' });
    // the master targets with the custom grain at once
    expect(fleetHelpers.json(await fleetHelpers.onMasterAsync(fleet, ['run', '-G', 'site:lab', 'test.ping', '--out', 'json']))).toEqual({ c1: true });
  }, 60_000);

  test('saltutil.running, find_job and kill_job: a long cmd.run is listed, found, and killed (its command with it)', async () => {
    const marker = path.join(fleet.dir, 'still-running');
    const cmd = `sleep 31.7; touch ${marker}`;
    /** Live (not zombie) processes running `sleep 31.7`. */
    const sleepers = () =>
      fs.readdirSync('/proc').filter((p) => {
        if (!/^\d+$/.test(p)) return false;
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\u000031.7\u0000' && !/ Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
        } catch {
          return false;
        }
      });
    const long = fleetHelpers.onMasterAsync(fleet, ['run', 'c1', 'cmd.run', cmd, '--timeout', '60', '--out', 'json']);
    let job: Record<string, unknown> | undefined;
    await fleetHelpers.waitFor(async () => {
      const r = (await run('saltutil.running'))['c1'] as Record<string, unknown>[];
      job = r.find((j) => j['fun'] === 'cmd.run');
      return typeof job?.['pid'] === 'number'; // listed at once, with its job process's pid once that has started
    }, 20_000, 'the cmd.run job in saltutil.running');
    expect(job).toMatchObject({ fun: 'cmd.run', arg: [cmd], id: 'c1', tgt: 'c1', tgt_type: 'glob' });
    await fleetHelpers.waitFor(() => sleepers().length === 1, 10_000, 'the command to start');
    const jid = String(job!['jid']);
    expect((await run('saltutil.find_job', jid))['c1']).toMatchObject({ jid, fun: 'cmd.run', pid: job!['pid'] });
    expect(await run('saltutil.kill_job', jid)).toEqual({ c1: `Signal 9 sent to job ${jid} at pid ${String(job!['pid'])}` });
    const done = await long;
    expect(done.code).toBe(1);
    expect(sleepers()).toEqual([]); // the command went with the job
    expect(fs.existsSync(marker)).toBe(false);
    expect(await run('saltutil.find_job', jid)).toEqual({ c1: {} });
    expect(await run('saltutil.kill_job', jid)).toEqual({ c1: '' });
  }, 90_000);

  test('cp.get_file and cp.list_master on the minion read the tree synced from the master before the job', async () => {
    const tree = path.join(fleet.dir, 'tree');
    fs.writeFileSync(path.join(tree, 'motd.txt'), 'served by the master\n');
    const dest = path.join(fleet.dir, 'fetched', 'motd.txt');
    expect(await run('cp.get_file', 'salt://motd.txt', dest, 'makedirs=True')).toEqual({ c1: dest });
    expect(fs.readFileSync(dest, 'utf8')).toBe('served by the master\n');
    expect(((await run('cp.list_master'))['c1'] as string[])).toEqual(expect.arrayContaining(['motd.txt', 'slow.sls', '_modules/hello.js']));
  }, 60_000);

  test('state.running lists a running state job without waiting behind it in the state queue; kill_job ends it', async () => {
    const apply = fleetHelpers.onMasterAsync(fleet, ['run', 'c1', 'state.apply', 'slow', '--timeout', '60', '--out', 'json']);
    let lines: string[] = [];
    await fleetHelpers.waitFor(async () => {
      lines = (await run('state.running'))['c1'] as string[];
      return lines.length > 0 && !lines[0]!.includes('PID None'); // its job process has started
    }, 20_000, 'state.running to list the state.apply job');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^The function "state.apply" is running as PID \d+ and was started at \d{4}, \w{3} \d{2} [\d:.]+ with jid (\d+)$/);
    const jid = /with jid (\d+)$/.exec(lines[0]!)![1]!;
    expect((await run('saltutil.kill_job', jid))['c1']).toMatch(/^Signal 9 sent to job /);
    const done = await apply;
    expect(done.code).not.toBe(0);
    expect(await run('state.running')).toEqual({ c1: [] });
    // the state's command went with the job (not left running under a killed job process)
    const left = fs.readdirSync('/proc').filter((p) => {
      try {
        return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('sleep\u000031.3') && !/ Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  }, 90_000);
});

// Salt's saltutil.sync_*: without saltenv, from the environments the top files match for this minion; with
// saltenv=, from those named (an unknown one is refused).
test('sync from the environments the top matches, or from saltenv=', () => {
  const dev = path.join(tmp, 'dev');
  fs.mkdirSync(path.join(dev, '_modules'), { recursive: true });
  fs.writeFileSync(path.join(dev, '_modules/devmod.js'), "module.exports = { functions: { hi() { return 'dev'; } } };\n");
  fs.writeFileSync(path.join(conf, 'minion'), `id: m1\ncachedir: ${cache}\nfile_roots: {base: [${roots}], dev: [${dev}]}\npillar_roots: {base: [${path.join(tmp, 'pillar')}]}\n`);
  expect(local(cli('saltutil.sync_modules', 'saltenv=dev'))).toEqual(['modules.devmod']);
  // The top file assigns only base: a sync without saltenv takes base's modules (and drops dev's).
  expect(local(cli('saltutil.sync_modules'))).toEqual(['modules.hello']);
  expect(fs.existsSync(path.join(cache, 'extmods/modules/devmod.js'))).toBe(false);
  fs.writeFileSync(path.join(roots, 'top.sls'), "base:\n  '*':\n    - motd\ndev:\n  '*': []\n");
  expect(local(cli('saltutil.sync_modules'))).toEqual(['modules.devmod']);
  expect(local(cli('devmod.hi'))).toBe('dev');
  const bad = cli('saltutil.sync_modules', 'saltenv=prod');
  expect(bad.code).not.toBe(0);
  expect(bad.stderr + bad.stdout).toContain("saltenv 'prod' is not served (the environments are: base, dev)");
});

// Salt's highstate loads what it synced before it renders (load_dynamic): a custom module is callable from the
// templates of the same run, though the top file was rendered before the sync (and only once).
test('a custom module synced by a highstate is callable from its own SLS templates', () => {
  fs.writeFileSync(path.join(roots, 'top.sls'), "base:\n  '*':\n    - greet\n");
  fs.writeFileSync(path.join(roots, 'greet.sls'), `${path.join(tmp, 'greeting')}:\n  file.managed:\n    - contents: {{ salt['hello.greet']('hs') }}\n`);
  expect(cli('hello.greet', 'x').code).toBe(1); // not synced yet
  const r = cli('state.highstate');
  expect(r.code).toBe(0);
  expect(fs.readFileSync(path.join(tmp, 'greeting'), 'utf8')).toBe('hi hs from m1\n');
});
