/** `brine call --local`: the masterless path end to end, as a user runs it. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { brine, json } from './helpers/cli';

const PEER = path.resolve(__dirname, '../bench/peer');
const TREE = path.resolve(__dirname, '../packages/render/test-fixtures/tree');

type Ret = Record<string, { __id__: string; result: boolean | null; changes: Record<string, unknown>; comment: string }>;
const changed = (r: Ret) => Object.values(r).filter((s) => Object.keys(s.changes).length > 0).length;

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cli-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const peer = (...extra: string[]) => brine(['call', '--local', '--file-root', PEER, '--id', 'web01', '--out', 'json', 'state.apply', 'peer', `pillar={"bench_root": "${tmp}"}`, ...extra]);

test('the shared peer workload: 4 changes, then 0', () => {
  const first = peer();
  expect(first.code).toBe(0);
  const r1 = json<{ local: Ret }>(first).local;
  expect(Object.keys(r1)).toHaveLength(4);
  expect(changed(r1)).toBe(4);
  expect(fs.readFileSync(path.join(tmp, 'web01/app.conf'), 'utf8')).toContain('id = web01\nos = ');
  expect(fs.readFileSync(path.join(tmp, 'web01/marker'), 'utf8')).toBe('initialised web01\n');
  const second = peer();
  expect(second.code).toBe(0);
  const r2 = json<{ local: Ret }>(second).local;
  expect(changed(r2)).toBe(0);
  expect(Object.values(r2).every((s) => s.result === true)).toBe(true);
});

test('test=True reports pending changes as None and writes nothing', () => {
  const r = peer('test=True');
  expect(r.code).toBe(0);
  const ret = json<{ local: Ret }>(r).local;
  expect(Object.values(ret).map((s) => s.result)).toEqual([null, null, null, null]);
  expect(fs.readdirSync(tmp)).toEqual([]);
});

test('the highstate outputter prints Salt-style blocks and a summary', () => {
  const r = brine(['call', '--local', '--file-root', PEER, '--id', 'web01', 'state.apply', 'peer', `pillar={"bench_root": "${tmp}"}`]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^local:\n----------\n {10}ID: peer_dir\n {4}Function: file.directory\n/);
  expect(r.stdout).toMatch(/Summary for local\n------------\nSucceeded: 4 \(changed=4\)\nFailed: {4}0\n/);
  expect(r.stdout).toMatch(/Total states run: {5}4\n/);
});

test('state.show_lowstate of the documentation fixture tree, in Salt lowstate shape', () => {
  const r = brine(['call', '--local', '--file-root', TREE, '--id', 'web1', '--out', 'json', 'state.show_lowstate']);
  expect(r.code).toBe(0);
  const low = json<{ local: Record<string, unknown>[] }>(r).local;
  expect(low.map((c) => `${String(c['__id__'])}:${String(c['state'])}.${String(c['fun'])}:${String(c['name'])}`)).toEqual([
    'timezone_first:cmd.run:echo first',
    'monitoring:service.running:node-exporter',
    'deploy_user:user.present:deploy',
    'deploy_group:group.present:deploy',
    'base_packages:pkg.installed:curl',
    'base_packages:pkg.installed:vim',
    'base_packages:pkg.installed:htop',
    'motd:file.managed:/etc/motd',
    'nginx_conf:file.managed:/etc/nginx/nginx.conf',
    'nginx:pkg.installed:nginx',
    'nginx:service.running:nginx',
    'webroot:file.directory:/srv/www',
    'cleanup:file.absent:cleanup',
    'reload_hook:cmd.run:/usr/local/bin/reload',
  ]);
  const motd = low.find((c) => c['__id__'] === 'motd')!;
  expect(motd).toMatchObject({ __sls__: 'common', __env__: 'base', mode: 644, require: [{ pkg: 'base_packages' }, { user: 'deploy_user' }], onfail: [{ service: 'monitoring' }] });
  expect(low[low.length - 1]!['order']).toBe(1010105);
});

test("state.show_low_sls / show_sls print exactly what Salt 3006.1 prints for the fixture tree", () => {
  for (const fun of ['show_low_sls', 'show_sls']) {
    const r = brine(['call', '--local', '--file-root', TREE, '--id', 'web1', '--out', 'json', `state.${fun}`, 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd()).toBe(fs.readFileSync(path.join(TREE, `../tree-salt/${fun}.json`), 'utf8').trimEnd());
  }
});

describe('a malformed SLS exits 1, names file and line, and applies nothing', () => {
  const cases: [string, string, RegExp][] = [
    ['bad YAML', 'bad:\n  file.managed:\n    - name: x\n   - oops: [\n', /bad\.sls:\d+/],
    ['undefined variable', 'bad:\n  file.managed:\n    - name: {{ nosuchvar }}\n', /bad\.sls:3/],
    ['unknown state function', 'bad:\n  file.manged:\n    - name: /tmp/x\n', /bad\.sls:1: bad: state function 'file.manged' is not available/],
    ['requisite to a missing ID', 'bad:\n  file.directory:\n    - name: /tmp/x\n    - require:\n      - file: ghost\n', /bad\.sls:1: bad: The following requisites were not found: require: file: ghost/],
    ['require with no value', 'bad:\n  file.directory:\n    - name: /tmp/x\n    - require:\n', /bad\.sls:1: The require statement in state 'bad' in SLS 'bad' needs to be formed as a list/],
  ];
  test.each(cases)('%s', (_name, sls, where) => {
    const root = path.join(tmp, 'tree');
    const marker = path.join(tmp, 'written-by-good-state');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'good.sls'), `good:\n  file.managed:\n    - name: ${marker}\n    - contents: hello\n`);
    fs.writeFileSync(path.join(root, 'bad.sls'), sls);
    const r = brine(['call', '--local', '--file-root', root, 'state.apply', 'good,bad']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(where);
    expect(r.stdout).toContain('Data failed to compile');
    expect(fs.existsSync(marker)).toBe(false);
  });
});

test('execution functions and exit codes', () => {
  expect(brine(['call', '--local', 'test.ping']).stdout).toBe('local:\n    True\n');
  const g = brine(['call', '--local', '--id', 'zz9', '--out', 'json', 'grains.items']);
  expect(json<{ local: { id: string; os_family: string } }>(g).local).toMatchObject({ id: 'zz9', os_family: 'Debian' });
  expect(brine(['call', '--local', 'cmd.run', 'echo hi']).stdout).toBe('local:\n    hi\n');
  const bad = brine(['call', '--local', 'no.such']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/'no.such' is not available/);
});

test('a failing state exits 2', () => {
  const root = path.join(tmp, 'tree');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'top.sls'), "base:\n  '*':\n    - fails\n");
  fs.writeFileSync(path.join(root, 'fails.sls'), 'boom:\n  cmd.run:\n    - name: exit 3\n');
  const r = brine(['call', '--local', '--file-root', root, '--out', 'json', 'state.highstate']);
  expect(r.code).toBe(2);
  const ret = json<{ local: Ret }>(r).local;
  expect(Object.values(ret)[0]).toMatchObject({ result: false, changes: { retcode: 3 } });
});

// The files Salt 3006.1 writes for the same SLS (salt-call --local state.apply, compared byte for byte).
test('file.serialize (json, yaml from dataset_pillar, merge_if_exists), contents as Salt joins its lines, a counted file.replace', () => {
  const tree = path.join(tmp, 'tree');
  const pillar = path.join(tmp, 'pillar');
  const out = path.join(tmp, 'out');
  fs.mkdirSync(tree);
  fs.mkdirSync(pillar);
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(pillar, 'top.sls'), "base:\n  '*': [p]\n");
  fs.writeFileSync(path.join(pillar, 'p.sls'), 'ds:\n  zeta: 1\n  alpha: [x, y]\n  mid: {b: 2, a: true}\n');
  fs.writeFileSync(path.join(out, 'rep'), 'foo foo\n');
  fs.writeFileSync(path.join(out, 'm.json'), '{"old": 1, "keep": {"x": 9}}\n');
  fs.writeFileSync(
    path.join(tree, 's.sls'),
    [
      "j:\n  file.serialize:\n    - name: {{ pillar.out }}/a.json\n    - dataset:\n        name: naive\n        deps: {express: '>= 1.2.0', b: [1, 2]}\n        n: 3\n        u: \"é\"\n    - serializer: json",
      'y:\n  file.serialize:\n    - name: {{ pillar.out }}/a.yaml\n    - dataset_pillar: ds',
      'm:\n  file.serialize:\n    - name: {{ pillar.out }}/m.json\n    - formatter: json\n    - merge_if_exists: True\n    - dataset: {new: 1, keep: {inner: 2}}',
      'e:\n  file.managed:\n    - name: {{ pillar.out }}/empty\n    - contents: ""',
      'c:\n  file.managed:\n    - name: {{ pillar.out }}/crlf\n    - contents: "win\\r\\nline\\r\\n"\n    - mode: 0o640',
      'b:\n  file.managed:\n    - name: {{ pillar.out }}/bool\n    - contents: [True, 2, x]',
      'r:\n  file.replace:\n    - name: {{ pillar.out }}/rep\n    - pattern: foo\n    - repl: bar\n    - count: 1',
    ].join('\n') + '\n',
  );
  const run = () => brine(['call', '--local', '--file-root', tree, '--pillar-root', pillar, '--out', 'json', 'state.apply', 's', `pillar={"out": "${out}"}`]);
  const r = run();
  expect(r.code).toBe(0);
  const ret = json<{ local: Ret }>(r).local;
  expect(Object.values(ret).map((s) => [s.__id__, s.result])).toEqual(['j', 'y', 'm', 'e', 'c', 'b', 'r'].map((id) => [id, true]));
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
  expect(read('a.json')).toBe('{\n  "deps": {\n    "b": [\n      1,\n      2\n    ],\n    "express": ">= 1.2.0"\n  },\n  "n": 3,\n  "name": "naive",\n  "u": "é"\n}\n');
  expect(read('a.yaml')).toBe('alpha:\n- x\n- y\nmid:\n  a: true\n  b: 2\nzeta: 1\n');
  expect(read('m.json')).toBe('{\n  "keep": {\n    "inner": 2,\n    "x": 9\n  },\n  "new": 1,\n  "old": 1\n}\n');
  expect(read('empty')).toBe('');
  expect(read('crlf')).toBe('win\nline\n');
  expect(fs.statSync(path.join(out, 'crlf')).mode & 0o777).toBe(0o640);
  expect(read('bool')).toBe('True\n2\nx\n');
  expect(read('rep')).toBe('bar foo\n');
  // Again: the serialized files are in the correct state; the counted replace changes the file again, as in Salt.
  const again = json<{ local: Ret }>(run()).local;
  expect(Object.values(again).filter((s) => Object.keys(s.changes).length).map((s) => s.__id__)).toEqual(['r']);
  expect(Object.values(again).every((s) => s.result === true)).toBe(true);
  expect(read('rep')).toBe('bar bar\n');
});

// As Salt 3006.1 writes them and fails them (same SLS, compared byte for byte).
test('file.managed contents_pillar (a key, or a list joined by lines), contents_grains, and a missing key failing the state', () => {
  const tree = path.join(tmp, 'tree');
  const pillar = path.join(tmp, 'pillar');
  const out = path.join(tmp, 'out');
  for (const d of [tree, pillar, out]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(pillar, 'top.sls'), "base:\n  '*': [p]\n");
  fs.writeFileSync(path.join(pillar, 'p.sls'), 'motd: |\n  hello\n  world\nparts:\n  a: one\n  b: two\nn: 5\n');
  const st = (id: string, file: string, extra: string) => `${id}:\n  file.managed:\n    - name: ${out}/${file}\n${extra}`;
  fs.writeFileSync(
    path.join(tree, 's.sls'),
    [
      st('a', 'motd', '    - contents_pillar: motd'),
      st('b', 'parts', '    - contents_pillar: [parts:a, parts:b]'),
      st('c', 'grain', '    - contents_grains: id'),
      st('d', 'n', '    - contents_pillar: n\n    - contents_newline: False'),
      st('x', 'missing', '    - contents_pillar: nope'),
    ].join('\n') + '\n',
  );
  const r = brine(['call', '--local', '--file-root', tree, '--pillar-root', pillar, '--id', 'cp1', '--out', 'json', 'state.apply', 's']);
  expect(r.code).toBe(2);
  const ret = json<{ local: Ret }>(r).local;
  expect(Object.values(ret).map((s) => [s.__id__, s.result])).toEqual([['a', true], ['b', true], ['c', true], ['d', true], ['x', false]]);
  expect(Object.values(ret).find((s) => s.__id__ === 'x')?.comment).toBe('Pillar nope does not exist');
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
  expect([read('motd'), read('parts'), read('grain'), read('n')]).toEqual(['hello\nworld\n', 'one\ntwo\n', 'cp1\n', '5']);
  expect(fs.existsSync(path.join(out, 'missing'))).toBe(false);
  // pillar.items with pillar= merges it over the compiled pillar, as Salt's does.
  const items = brine(['call', '--local', '--file-root', tree, '--pillar-root', pillar, '--id', 'cp1', '--out', 'json', 'pillar.items', 'pillar={"n": 6, "parts": {"c": "three"}}']);
  expect(json<{ local: unknown }>(items).local).toEqual({ motd: 'hello\nworld\n', parts: { a: 'one', b: 'two', c: 'three' }, n: 6 });
});

// The bytes Salt 3006.1 writes for the same tree (file.managed, template: jinja).
test("a file template sees the state's name, source, user, group and mode, defaults under context (replaced whole), and no tplfile", () => {
  const tree = path.join(tmp, 'tree');
  const out = path.join(tmp, 'out');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(tree, 'sub', 't.j2'), 'name={{ name }} source={{ source }} user={{ user }} group={{ group }} mode={{ mode }} tpl={{ tplfile|default("U") }}\nd={{ d | json }} x={{ x }}\n');
  fs.writeFileSync(
    path.join(tree, 's.sls'),
    `t:\n  file.managed:\n    - name: ${out}/t\n    - source: salt://sub/t.j2\n    - template: jinja\n    - mode: 640\n    - defaults:\n        d: {a: 1, n: {p: 1, q: 2}}\n        x: def\n    - context:\n        d: {b: 2, n: {q: 3}}\n`,
  );
  const r = brine(['call', '--local', '--file-root', tree, '--out', 'json', 'state.apply', 's']);
  expect(r.code).toBe(0);
  expect(fs.readFileSync(path.join(out, 't'), 'utf8')).toBe(`name=${out}/t source=salt://sub/t.j2 user=None group=None mode=0640 tpl=U\nd={"b": 2, "n": {"q": 3}} x=def\n`);
});

/**
 * Integers past 2^53 keep every digit, as Python's do: in SLS data (hex, decimal, signed hex), in Jinja arithmetic, in
 * import_yaml data and the int filter, and a pillar's in a template. The expected text is Salt 3006.1's
 * `salt-call --local --out json state.show_sls big` on the same tree (a JSON number, digits exact).
 */
test('integers past 2^53 stay exact, and the json outputter prints them as Salt does', () => {
  const roots = path.join(tmp, 'roots');
  const pillar = path.join(tmp, 'pillar');
  fs.mkdirSync(roots);
  fs.mkdirSync(pillar);
  fs.writeFileSync(
    path.join(roots, 'big.sls'),
    "{% import_yaml 'bigy.yaml' as y %}\nt:\n  test.nop:\n    - a: 0x5a16e7281be7a449\n    - b: 6491630072354022473\n    - c: {{ 2**64 }}\n    - d: 9007199254740993\n" +
      "    - e: {{ y.k + 1 }}\n    - f: {{ '9007199254740993'|int }}\n    - g: \"{{ pillar.big }}\"\n    - h: -0x5a16e7281be7a449\n    - i: 0777\n    - j: 12\n",
  );
  fs.writeFileSync(path.join(roots, 'bigy.yaml'), 'k: 6491630072354022473\n');
  fs.writeFileSync(path.join(pillar, 'top.sls'), "base:\n  '*':\n    - big\n");
  fs.writeFileSync(path.join(pillar, 'big.sls'), 'big: 18446744073692774399\n');
  const r = brine(['call', '--local', '--file-root', roots, '--pillar-root', pillar, '--id', 'm1', '--out', 'json', 'state.show_sls', 'big']);
  expect(r.code).toBe(0);
  const args = ['6491630072354022473', '6491630072354022473', '18446744073709551616', '9007199254740993', '6491630072354022474', '9007199254740993', '"18446744073692774399"', '-6491630072354022473', '777', '12'];
  const lines = args.map((v, i) => `                {\n                    "${'abcdefghij'[i]}": ${v}\n                },`).join('\n');
  expect(r.stdout).toContain(`"test": [\n${lines}\n                "nop",`);
});
