/**
 * Several environments through a real master and minion: the master serves file_roots base, dev and qa; the minion
 * syncs each into its file cache (`files/<saltenv>/`) and runs a highstate whose top files name all three, file
 * sources and templates read from each state's own environment, `state.sls ... saltenv=dev`, and cp.* with
 * `saltenv=` and `?saltenv=`. The pillar comes from two pillar_roots environments; a minion with `pillarenv: dev`
 * gets only dev's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, json, onMasterAsync, startFleet, tempDir, writeFiles, type Fleet } from './helpers/fleet';
import { brine } from './helpers/cli';

let fleet: Fleet;
let dir: string;
let out: string;
const run = (args: string[]) => onMasterAsync(fleet, args);

type StateRet = Record<string, { result: boolean; __sls__: string; changes: Record<string, unknown> }>;

beforeAll(async () => {
  dir = tempDir('brine-saltenvs-');
  out = path.join(dir, 'out');
  const roots = { base: path.join(dir, 'base'), dev: path.join(dir, 'dev'), qa: path.join(dir, 'qa') };
  writeFiles(roots.base, {
    'top.sls': "base:\n  '*':\n    - common\n    - {dev: devonly}\ndev:\n  '*':\n    - devapp\n",
    'common.sls': `include:\n  - dev: shared\ncommon_file:\n  file.managed:\n    - name: ${out}/common\n    - makedirs: True\n    - contents: "base {{ saltenv }} {{ sls }}"\n`,
    'app.conf': 'the base app.conf\n',
    'inc.jinja': 'BASEINC',
    'withenv.sls': `withenv:\n  file.managed:\n    - name: ${out}/withenv\n    - makedirs: True\n    - source: salt://only-dev.txt\n    - saltenv: dev\n`,
  });
  writeFiles(roots.dev, {
    'top.sls': "dev:\n  '*':\n    - ignored_dev\nqa:\n  '*': [x]\n",
    'devonly.sls': `devonly_file:\n  file.managed:\n    - name: ${out}/devonly\n    - makedirs: True\n    - contents: "dev {{ saltenv }}"\n`,
    'map.jinja': "{% set m = 'devmap' %}\n",
    'devapp.sls': `{% from 'map.jinja' import m %}\ndevapp_conf:\n  file.managed:\n    - name: ${out}/devapp\n    - makedirs: True\n    - source: salt://app.conf\n    - template: jinja\n    - context:\n        m: {{ m }}\ndevapp_qa:\n  file.managed:\n    - name: ${out}/devapp_q\n    - makedirs: True\n    - source: salt://qaonly.txt?saltenv=qa\n`,
    'app.conf': 'env={{ saltenv }} m={{ m }}\n{% from "map.jinja" import m as m2 %}m2={{ m2 }}\n',
    'only-dev.txt': 'from dev\n',
    'inc.jinja': 'DEVINC',
    'tpl.txt': "{% include 'inc.jinja' %} env={{ saltenv }}\n",
    'shared.sls': `shared_file:\n  file.managed:\n    - name: ${out}/shared\n    - makedirs: True\n    - contents: "shared {{ saltenv }}"\n`,
  });
  // The nodegroup is the master's: a minion's state run takes the master's state options, as in Salt.
  writeFiles(roots.qa, { 'top.sls': "qa:\n  '*':\n    - qaapp\n  grp:\n    - match: nodegroup\n    - x\n", 'qaapp.sls': 'qaapp:\n  test.nop\n', 'x.sls': 'x:\n  test.nop\n', 'qaonly.txt': 'qa text\n' });
  const pillar = { base: path.join(dir, 'pbase'), dev: path.join(dir, 'pdev') };
  writeFiles(pillar.base, { 'top.sls': "base:\n  '*':\n    - common\n    - maybe\n    - ignore_missing: True\n", 'common.sls': 'a: base\nseen: {{ saltenv }}\n' });
  writeFiles(pillar.dev, { 'top.sls': "dev:\n  '*':\n    - devp\n", 'devp.sls': 'd: {{ saltenv }}\n' });
  fleet = await startFleet({
    dir,
    minions: ['m1', 'm2'],
    fileRoots: [roots.base],
    master: { file_roots: { base: [roots.base], dev: [roots.dev], qa: [roots.qa] }, pillar_roots: { base: [pillar.base], dev: [pillar.dev] }, nodegroups: { grp: 'm1' } },
    minion: (id) => (id === 'm2' ? { pillarenv: 'dev' } : {}),
  });
  await acceptAll(fleet, ['m1', 'm2']);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');

test('a highstate over three environments: merged tops, each state in its own saltenv, sources and templates from it', async () => {
  const top = await run(['run', 'm1', 'state.show_top', '--out', 'json']);
  expect(json<Record<string, unknown>>(top)['m1']).toEqual({ base: ['common'], dev: ['devonly', 'devapp'], qa: ['qaapp', 'x'] });
  const r = await run(['state', 'highstate', 'm1', '--out', 'json', '-t', '30']);
  expect(r.code).toBe(0);
  const ret = json<Record<string, StateRet>>(r)['m1']!;
  expect(Object.values(ret).map((s) => [s.__sls__, s.result])).toEqual([
    ['shared', true],
    ['common', true],
    ['devonly', true],
    ['devapp', true],
    ['devapp', true],
    ['qaapp', true],
    ['x', true],
  ]);
  expect([read('shared'), read('common'), read('devonly'), read('devapp'), read('devapp_q')]).toEqual(['shared dev\n', 'base base common\n', 'dev dev\n', 'env=dev m=devmap\nm2=devmap\n', 'qa text\n']);
  // The minion's cache holds each environment the master serves.
  const cache = path.join(fleet.minionDir('m1'), 'cache', 'files');
  expect(fs.readdirSync(cache).sort()).toEqual(['base', 'dev', 'qa']);
  expect(fs.readFileSync(path.join(cache, 'dev', 'app.conf'), 'utf8')).toContain('env={{ saltenv }}');
}, 60_000);

test("state.sls with saltenv=dev reads dev; without it, base, which does not have the SLS; a state's own saltenv: argument", async () => {
  fs.rmSync(out, { recursive: true, force: true });
  const dev = await run(['state', 'sls', 'm1', 'devonly', 'saltenv=dev', '--out', 'json', '-t', '30']);
  expect(dev.code).toBe(0);
  expect(read('devonly')).toBe('dev dev\n');
  const base = await run(['state', 'sls', 'm1', 'devonly', '--out', 'json', '-t', '30']);
  expect(base.code).not.toBe(0);
  expect(base.stdout).toContain("SLS 'devonly' is not in environment 'base'");
  const own = await run(['state', 'sls', 'm1', 'withenv', '--out', 'json', '-t', '30']);
  expect(own.code).toBe(0);
  expect(read('withenv')).toBe('from dev\n');
}, 60_000);

test('cp.get_file_str / cp.list_master take saltenv= and ?saltenv=; an unknown saltenv is refused with the ones there are', async () => {
  const a = await run(['run', 'm1', 'cp.list_master', 'saltenv=qa', '--out', 'json']);
  expect(json<Record<string, string[]>>(a)['m1']).toEqual(['qaapp.sls', 'qaonly.txt', 'top.sls', 'x.sls']);
  const dest = path.join(dir, 'got');
  const b = await run(['run', 'm1', 'cp.get_file', 'salt://app.conf?saltenv=base', dest, '--out', 'json']);
  expect(b.code).toBe(0);
  expect(fs.readFileSync(dest, 'utf8')).toBe('the base app.conf\n');
  // cp.get_template renders in the saltenv it reads from: its includes come from there too.
  const tpl = path.join(dir, 'tpl');
  expect((await run(['run', 'm1', 'cp.get_template', 'salt://tpl.txt', tpl, 'saltenv=dev', '--out', 'json'])).code).toBe(0);
  expect(fs.readFileSync(tpl, 'utf8')).toBe('DEVINC env=dev\n');
  const c = await run(['run', 'm1', 'cp.list_master', 'saltenv=prod', '--out', 'json']);
  expect(c.code).not.toBe(0);
  expect(c.stdout + c.stderr).toContain("saltenv 'prod' is not served (the environments are: base, dev, qa)");
}, 60_000);

test("pillar from every pillar environment; a minion's pillarenv reads only that one", async () => {
  const r = await run(['run', 'm*', 'pillar.items', '--out', 'json']);
  expect(r.code).toBe(0);
  expect(json<Record<string, unknown>>(r)).toEqual({ m1: { a: 'base', seen: 'base', d: 'dev' }, m2: { d: 'dev' } });
  // pillarenv= on one call: that environment's pillar for the call; the minion's own is unchanged after.
  const once = await run(['run', 'm1', 'pillar.items', 'pillarenv=dev', '--out', 'json']);
  expect(json<Record<string, unknown>>(once)).toEqual({ m1: { d: 'dev' } });
  const again = await run(['run', 'm1', 'pillar.items', '--out', 'json']);
  expect(json<Record<string, unknown>>(again)).toEqual({ m1: { a: 'base', seen: 'base', d: 'dev' } });
  // The same masterless (brine call --local, the same pillar trees).
  const conf = path.join(dir, 'local');
  fs.mkdirSync(conf, { recursive: true });
  fs.writeFileSync(path.join(conf, 'minion'), `id: m1\nfile_client: local\ncachedir: ${path.join(dir, 'local-cache')}\nfile_roots: {base: [${path.join(dir, 'base')}]}\npillar_roots: {base: [${path.join(dir, 'pbase')}], dev: [${path.join(dir, 'pdev')}]}\n`);
  const local = (...a: string[]) => json<{ local: unknown }>(brine(['-c', conf, 'call', '--local', '--out', 'json', 'pillar.items', ...a])).local;
  expect(local()).toEqual({ a: 'base', seen: 'base', d: 'dev' });
  expect(local('pillarenv=dev')).toEqual({ d: 'dev' });
}, 60_000);
