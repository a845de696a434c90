import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { Renderer } from './renderer';
import { tempTree } from './salt/testkit';

const fixtures = path.join(__dirname, '../test-fixtures');

function renderer(tree: string): Renderer {
  return new Renderer({
    roots: new FileRoots([path.join(fixtures, tree)]),
    context: { id: 'web1', grains: { id: 'web1', os_family: 'Debian' }, pillar: {}, opts: {}, salt: {} },
  });
}

const salt = (fun: string): string => fs.readFileSync(path.join(fixtures, 'tree-salt', `${fun}.json`), 'utf8').trimEnd();
const json = (v: unknown): string => JSON.stringify({ local: v }, null, 4);

/** tree-salt/*.json: Salt 3006.1's `salt-call --local --out json state.<fun> web` on the same tree, grains id web1. */
describe('compile: the fixture tree (Jinja, include absolute/relative, extend, forms, names, requisites, order)', () => {
  test('compile = show_lowstate: extend and `_in` applied as Salt applies them', () => {
    expect(json(renderer('tree').compile(['web']).map((c) => c.low))).toBe(salt('show_lowstate'));
  });

  test('showLowSls = show_low_sls: extend and `_in` as written', () => {
    expect(json(renderer('tree').showLowSls(['web']).map((c) => c.low))).toBe(salt('show_low_sls'));
  });

  test('showSls = show_sls: high data with auto order and __extend__', () => {
    expect(json(renderer('tree').showSls(['web']))).toBe(salt('show_sls'));
  });

  test('chunks carry their source file and line', () => {
    expect(renderer('tree').compile(['web']).map((c) => `${c.id} ${c.file}:${c.line}`)).toEqual([
      'timezone_first common/init.sls:23',
      'monitoring web/config.sls:15',
      'deploy_user common/users.sls:1',
      'deploy_group common/users.sls:6',
      'base_packages common/init.sls:7',
      'base_packages common/init.sls:7',
      'base_packages common/init.sls:7',
      'motd common/init.sls:15',
      'nginx_conf web/config.sls:4',
      'nginx web/init.sls:5',
      'nginx web/init.sls:5',
      'webroot web/init.sls:14',
      'cleanup web/init.sls:28',
      'reload_hook web/init.sls:21',
    ]);
  });

  test('an included SLS compiles on its own too', () => {
    expect(renderer('tree').compile(['common.users']).map((c) => [c.id, c.requisites])).toEqual([
      ['deploy_user', { require: [{ kind: 'group', target: 'deploy_group' }] }],
      ['deploy_group', { require_in: [{ kind: 'user', target: 'deploy' }] }],
    ]);
  });

  test('renderSls: one file, no include processing', () => {
    const r = renderer('tree').renderSls('web');
    expect(r.file).toBe('web/init.sls');
    expect(r.high['include']).toEqual(['common', 'web.config']);
    expect(r.high['__extend__']).toEqual([{ motd: { file: [{ source: 'salt://common/motd' }, { require: [{ user: 'deploy_user' }] }], __sls__: 'web', __env__: 'base' } }]);
    expect(r.high['nginx']).toEqual({
      pkg: ['installed'],
      service: [{ enable: true }, { watch: [{ file: 'nginx_conf' }] }, { require: [{ pkg: 'nginx' }] }, 'running'],
      __sls__: 'web',
      __env__: 'base',
    });
  });

  // Salt 3006.1 gives a file template no tplfile/tpldir/sls (checked with file.managed, template: jinja).
  test('renderTemplate: Jinja only, with the extra context and no tpl* variables of its own', () => {
    const r = renderer('tree');
    expect(r.renderTemplate("{{ grains.id }} {{ tpldir | default('UNDEF') }} {{ sls | default('UNDEF') }} {{ port }}\n", 'salt://web/files/nginx.conf', { port: 80 })).toBe('web1 UNDEF UNDEF 80\n');
  });
});

test('IDs run in file order, integer-like ones too (JS objects would list them first)', () => {
  expect(renderer('ids').compile(['numeric']).map((c) => c.id)).toEqual(['zeta', '100', '20', 'alpha']);
});

describe('malformed inputs throw RenderError with file and line', () => {
  const cases: [sls: string, file: string, line: number | undefined, text: RegExp][] = [
    ['bad.yaml', 'bad/yaml.sls', 3, /YAML: /],
    ['bad.undef', 'bad/undef.sls', 3, /'nope' is undefined/],
    ['bad.missing_req_in', 'bad/missing_req_in.sls', 3, /require_in points at file state with ID or name 'nowhere'/],
    ['bad.twofun', 'bad/twofun.sls', 4, /'file' has 2 functions \(managed, absent\)/],
    ['bad.nodot', 'bad/nodot.sls', 1, /'nope' is not a state function/],
    ['bad.nofun', 'bad/nofun.sls', 1, /'file' has no function/],
    ['bad.missing_include', 'bad/missing_include.sls', 3, /include: SLS 'not.there' is not in environment 'base'/],
    ['bad.extend_missing', 'bad/extend_missing.sls', 4, /extend: ID 'ghost' is not defined/],
    ['bad.dup_across', 'bad/dup_across.sls', 3, /ID conflicts with the same ID in bad\/common.sls:1/],
    ['bad.relative_too_far', 'bad/relative_too_far.sls', 2, /goes above the top/],
    ['bad.filter', 'bad/filter.sls', 6, /^bad\/filter.sls:6: jinja: No filter named 'nosuchfilter'\. \(/],
    ['bad.jinja_include', 'bad/jinja_include.sls', 3, /^bad\/jinja_include.sls:3: jinja: template not found: bad\/not_there.jinja \(/],
    ['bad.unclosed', 'bad/unclosed.sls', 6, /^bad\/unclosed.sls:6: jinja: Unexpected end of template\. .*The innermost block that needs to be closed is 'if' \(opened on line 3\)/],
    ['bad.import_name', 'bad/import_name.sls', 4, /^bad\/import_name.sls:4: jinja: the template 'bad\/macros.jinja' \(imported on line 2\) does not export the requested name 'nothere'/],
    ['no.such.sls', 'no/such/sls.sls', undefined, /SLS 'no.such.sls' is not in environment/],
    // Salt's verify_high: state IDs must be str; an unquoted 8080 or true is not (the fast YAML reader hands these over)
    ['bad.nonstr_id', 'bad/nonstr_id.sls', 4, /^bad\/nonstr_id.sls:4: ID '8080' in SLS 'bad.nonstr_id' is not formed as a string, but is a int\. It may need to be quoted\./],
    ['bad.nonstr_id_bool', 'bad/nonstr_id_bool.sls', 1, /ID 'True' in SLS 'bad.nonstr_id_bool' is not formed as a string, but is a bool/],
  ];
  test.each(cases)('%s', (sls, file, line, text) => {
    let e: unknown;
    try {
      renderer('.').compile([sls]);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(RenderError);
    const re = e as RenderError;
    expect([re.file, re.line]).toEqual([file, line]);
    expect(re.message).toMatch(text);
    expect(re.message).toMatch(/\(.+\)$/);
  });
});

test('requisites are resolved when running, not compiling; an unknown order word is placed as Salt places it', () => {
  expect(renderer('.').compile(['bad.missing_req']).map((c) => [c.id, c.requisites])).toEqual([
    ['first', {}],
    ['needy', { require: [{ kind: 'pkg', target: 'ghost' }] }],
  ]);
  expect(renderer('.').compile(['bad.missing_sls_req'])[0]!.requisites).toEqual({ require: [{ kind: 'sls', target: 'nosuch' }] });
  expect(renderer('.').compile(['bad.order'])[0]!.order).toBe(1);
});

test('an SLS that renders itself (slsutil.renderer) fails once, at its line, not once per level of the recursion', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-selfrender-'));
  try {
    fs.writeFileSync(path.join(dir, 'r.sls'), "t:\n  test.nop:\n    - v: {{ salt['slsutil.renderer']('salt://r.sls') | length }}\n");
    const r = new Renderer({ roots: new FileRoots([dir]), context: { id: 'web1', grains: { id: 'web1' }, pillar: {}, opts: {}, salt: {} } });
    let err: unknown;
    try {
      r.showLowSls(['r']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RenderError);
    expect((err as Error).message).toBe('r.sls:3: jinja: maximum recursion depth exceeded (fix the template at this line)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Checked against Salt 3006.1 (salt-call --local state.show_top / state.show_low_sls on the same files).
describe("Salt's top matching, include globs and template variables", () => {
  const make = (files: Record<string, string>) =>
    new Renderer({ roots: new FileRoots([tempTree(files)]), context: { id: 'web1', grains: { id: 'web1', os_family: 'Debian' }, pillar: {}, opts: {}, salt: {} } });

  test('a top target is a compound expression unless `match` says otherwise', () => {
    const r = make({ 'top.sls': "base:\n  'G@os_family:Debian': [t]\n  'web1 and G@os_family:Debian': [u]\n  'G@os_family:RedHat': [v]\n  'web*': [w]\n" });
    expect(r.topMatches().map((m) => m.sls)).toEqual(['t', 'u', 'w']);
  });

  test('tplpath is the absolute path of the file being rendered (Salt: on the minion, its cached copy)', () => {
    const root = tempTree({ 'sub/t.sls': 't:\n  test.nop:\n    - p: {{ tplpath }}\n    - f: {{ tplfile }}\n' });
    const r = new Renderer({ roots: new FileRoots([root]), context: { id: 'web1', grains: { id: 'web1' }, pillar: {}, opts: {}, salt: {} } });
    expect(r.showLowSls(['sub.t']).map((c) => [c.low?.['p'], c.low?.['f']])).toEqual([[path.join(root, 'sub/t.sls'), 'sub/t.sls']]);
  });

  test("an include (or a name given to compile) may be a glob over the tree's SLS names, in sorted order", () => {
    const r = make({ 's.sls': "include:\n  - 'g.*'\nx:\n  test.nop: []\n", 'g/two.sls': 'g2:\n  test.nop: []\n', 'g/one.sls': 'g1:\n  test.nop: []\n' });
    expect(r.showLowSls(['s']).map((c) => [c.low?.['__id__'], c.low?.['__sls__'], c.low?.['order']])).toEqual([
      ['g1', 'g.one', 10000],
      ['g2', 'g.two', 10001],
      ['x', 's', 10002],
    ]);
    expect(r.showLowSls(['g.*']).map((c) => c.low?.['__id__'])).toEqual(['g1', 'g2']);
  });

  test('state_auto_order: False leaves states without an order to order_chunks (cap = highest int + 100)', () => {
    const files = { 'a.sls': 'o1:\n  test.nop:\n    - order: last\no2:\n  test.nop: []\no3:\n  test.nop:\n    - order: 2\n' };
    const r = new Renderer({ roots: new FileRoots([tempTree(files)]), context: { id: 'web1', grains: { id: 'web1' }, pillar: {}, opts: { state_auto_order: false }, salt: {} } });
    expect(Object.fromEntries(r.showLowSls(['a']).map((c) => [c.low?.['__id__'], c.low?.['order']]))).toEqual({ o1: 1000102, o2: 102, o3: 2 });
    expect(r.showSls(['a'])['o2']).toEqual({ test: ['nop'], __sls__: 'a', __env__: 'base' });
  });

  test('tpldot is the SLS directory with dots; there is no tplroot; an import does not change either', () => {
    const show = "  test.show_notification:\n    - text: {{ [tpldot | default('UNDEF'), tplroot | default('UNDEF')] | json }}\n";
    const r = make({ 'sub/t.sls': `a:\n${show}{%- from "sub/lib/m.jinja" import v %}\nb:\n${show}`, 'sub/lib/m.jinja': '{%- set v = 1 %}' });
    expect(r.showLowSls(['sub.t']).map((c) => c.low?.['text'])).toEqual([['sub', 'UNDEF'], ['sub', 'UNDEF']]);
  });
});

describe("pillar mappings are OrderedDicts, as Salt's YAML loader makes them", () => {
  // Salt 3006.1's show_low_sls of this SLS with this pillar (salt-call --local), value for value.
  const SLS = "{%- set d = pillar.d %}\n{%- set out = [] %}\n{%- do out.append([d.n]|string) %}\n{%- set x %}{{ [d.n] }}|{{ pillar.lst }}|{{ pillar.e }}|{{ d.n.a }}|{{ (d.n, 1) }}{% endset %}\n{%- do out.append(x) %}\n{%- do out.append(d|pprint) %}\n{%- do out.append(d.long|pprint) %}\n{%- do out.append('%s' % d.n) %}\n{%- do out.append(d.n.copy()|string) %}\n{%- do out.append(pillar.lst|string) %}\n{%- do out.append(pillar.e|string) %}\n{%- do out.append(salt['pillar.items']()['d']['n']|string) %}\n{%- do out.append(salt['config.get']('d:n')|string) %}\n{%- do out.append(salt['pillar.get']('d:n', {}, merge=True)|string) %}\n{%- do out.append(salt['defaults.merge']({'x': 1}, d.n)|string) %}\n{%- do out.append((d.n|dictsort)|string) %}\n{%- do out.append(d.n.items()|list|string) %}\n{%- do out.append('{}'.format(d.n)) %}\n{%- do out.append(d|yaml) %}\n{%- do out.append(d|tojson) %}\n{%- do out.append((d.n == {'a': [1, {'q': 2}], 'k': 'v'})|string) %}\n{%- do out.append(d.n.a|string) %}\n{%- do out.append(salt['slsutil.merge'](d.n, {'k': 'w'})|string) %}\n{%- do out.append(pillar|string) %}\n{%- do out.append(d.n|list|string) %}\n{%- do out.append(salt['pillar.get']('d')|string) %}\nt:\n  test.nop:\n{%- for o in out %}\n    - o{{ loop.index }}: {{ o|json }}\n{%- endfor %}\n";
  const SALT = [
  "[OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])]",
  "[{'k': 'v', 'a': [1, {'q': 2}]}]|[{'a': 1}, {'b': 2}]|{}|[1, {'q': 2}]|({'k': 'v', 'a': [1, {'q': 2}]}, 1)",
  "OrderedDict([('z', 1),\n             ('n',\n              OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])),\n             ('long',\n              OrderedDict([('aaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbb'),\n                           ('cccccccccccccc', 'dddddddddddddddd'),\n                           ('eeeeeeeeeeee', 'ffffffffffffffffff'),\n                           ('g', OrderedDict([('h', 'i')]))]))])",
  "OrderedDict([('aaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbb'),\n             ('cccccccccccccc', 'dddddddddddddddd'),\n             ('eeeeeeeeeeee', 'ffffffffffffffffff'),\n             ('g', OrderedDict([('h', 'i')]))])",
  "OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])",
  "OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])",
  "[OrderedDict([('a', 1)]), OrderedDict([('b', 2)])]",
  "OrderedDict()",
  "OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])",
  "OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])",
  "{'k': 'v', 'a': [1, OrderedDict([('q', 2)])]}",
  "{'x': 1, 'k': 'v', 'a': [1, OrderedDict([('q', 2)])]}",
  "[('a', [1, OrderedDict([('q', 2)])]), ('k', 'v')]",
  "[('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])]",
  "OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])",
  "{z: 1, n: {k: v, a: [1, {q: 2}]}, long: {aaaaaaaaaaaa: bbbbbbbbbbbbbbbbbb, cccccccccccccc: dddddddddddddddd,\n    eeeeeeeeeeee: ffffffffffffffffff, g: {h: i}}}",
  "{\"z\": 1, \"n\": {\"k\": \"v\", \"a\": [1, {\"q\": 2}]}, \"long\": {\"aaaaaaaaaaaa\": \"bbbbbbbbbbbbbbbbbb\", \"cccccccccccccc\": \"dddddddddddddddd\", \"eeeeeeeeeeee\": \"ffffffffffffffffff\", \"g\": {\"h\": \"i\"}}}",
  "True",
  "[1, OrderedDict([('q', 2)])]",
  "OrderedDict([('k', 'w'), ('a', [1, OrderedDict([('q', 2)])])])",
  "{'d': OrderedDict([('z', 1), ('n', OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])), ('long', OrderedDict([('aaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbb'), ('cccccccccccccc', 'dddddddddddddddd'), ('eeeeeeeeeeee', 'ffffffffffffffffff'), ('g', OrderedDict([('h', 'i')]))]))]), 'lst': [OrderedDict([('a', 1)]), OrderedDict([('b', 2)])], 'e': OrderedDict()}",
  "['k', 'a']",
  "OrderedDict([('z', 1), ('n', OrderedDict([('k', 'v'), ('a', [1, OrderedDict([('q', 2)])])])), ('long', OrderedDict([('aaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbb'), ('cccccccccccccc', 'dddddddddddddddd'), ('eeeeeeeeeeee', 'ffffffffffffffffff'), ('g', OrderedDict([('h', 'i')]))]))])"
];
  test("str() shows OrderedDict([...]) where Salt's does; {{ x }} prints dicts (Salt's finalizer); copies and merges keep the kind; order-sensitive ==", () => {
    const pillar = {
      d: { z: 1, n: { k: 'v', a: [1, { q: 2 }] }, long: { aaaaaaaaaaaa: 'bbbbbbbbbbbbbbbbbb', cccccccccccccc: 'dddddddddddddddd', eeeeeeeeeeee: 'ffffffffffffffffff', g: { h: 'i' } } },
      lst: [{ a: 1 }, { b: 2 }],
      e: {},
    };
    const r = new Renderer({ roots: new FileRoots([tempTree({ 't.sls': SLS })]), context: { id: 'web1', grains: { id: 'web1' }, pillar, opts: {}, salt: {} } });
    const low = r.showLowSls(['t'])[0]!.low as Record<string, unknown>;
    expect(SALT.map((_v, i) => low[`o${i + 1}`])).toEqual(SALT);
    const eq = new Renderer({ roots: new FileRoots([tempTree({ 't.sls': "t:\n  test.nop:\n    - v: \"{{ pillar.p == pillar.q }} {{ pillar.p == {'y': 2, 'x': 1} }}\"\n" })]), context: { id: 'web1', grains: {}, pillar: { p: { x: 1, y: 2 }, q: { y: 2, x: 1 } }, opts: {}, salt: {} } });
    expect((eq.showLowSls(['t'])[0]!.low as Record<string, unknown>)['v']).toBe('False True');
  });
});
