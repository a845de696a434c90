import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { compilePillar } from './pillar';
import { PyDict, pyTuple } from './jinja/values';
import { SaltJinja } from './salt/jinja';
import { renderSalt, tempTree } from './salt/testkit';
import { fromWireData, toWireData } from './salt/wire-data';

const roots = new FileRoots([path.join(__dirname, '../test-fixtures/pillar')]);

describe('compilePillar', () => {
  // Checked against Salt 3006.1 (salt-call --local, the same tree): the including file's own values win over what it
  // includes, and a pillar SLS renders with an empty `pillar` (pillar.get gives its default).
  test('top order, deep merge, the includer merged over its includes, pillar.get sees no pillar while compiling', () => {
    const p = compilePillar({ roots, id: 'web1', grains: { id: 'web1', roles: ['web'] } });
    expect(p).toEqual({
      ntp: { servers: ['a.pool', 'b.pool'] },
      app: { port: 8080, name: 'web1', workers: 4 },
      vrrp: { priority: 100, auth: '-secret' },
    });
    expect(Object.keys(p)).toEqual(['ntp', 'app', 'vrrp']);
  });

  test('a minion matching nothing special gets only common', () => {
    expect(compilePillar({ roots, id: 'x', grains: { id: 'x' } })).toEqual({ ntp: { servers: ['a.pool', 'b.pool'] }, app: { port: 8000, name: 'x' } });
  });

  test('a missing included pillar SLS is a RenderError at the include line', () => {
    let e: unknown;
    try {
      compilePillar({ roots, id: 'db1', grains: { id: 'db1' } });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(RenderError);
    expect([(e as RenderError).file, (e as RenderError).line]).toEqual(['roles/db.sls', 2]);
  });

  test('pillar templates: pillar.get merge=True, nodegroups from the master options in the top file', () => {
    const ng = new FileRoots([path.join(__dirname, '../test-fixtures/pillar-ng')]);
    const opts = { nodegroups: { webgroup: 'L@web1,web2' } };
    expect(compilePillar({ roots: ng, id: 'web1', grains: { id: 'web1' }, opts })).toEqual({ app: { port: 8000 }, merged: { workers: 2, port: 1 }, plain: 1 });
    expect(compilePillar({ roots: ng, id: 'db1', grains: { id: 'db1' }, opts })).toEqual({ app: { port: 8000 } });
  });

  // Each case checked against Salt 3006.1 (salt-call --local state.show_low_sls printing `pillar | json`).
  test("Salt's render_pillar: compound top targets without `match`, globs, include key/defaults, repeats merged again", () => {
    const tree = (files: Record<string, string>) => new FileRoots([tempTree(files)]);
    const grains = { id: 'm1', os_family: 'Debian', os: 'Debian' };
    const top = (body: string) => `base:\n${body}`;
    // Compound is the default matcher of a top file.
    let r = tree({
      'top.sls': top("  '*': [a]\n  'G@os_family:Debian': [b]\n  'm1 and G@os:Debian': [c]\n  'L@foo,m1': [d]\n  'G@os:RedHat': [e]\n"),
      'a.sls': 'a: 1', 'b.sls': 'b: 2', 'c.sls': 'c: 3', 'd.sls': 'd: 4', 'e.sls': 'e: 5',
    });
    expect(compilePillar({ roots: r, id: 'm1', grains })).toEqual({ a: 1, b: 2, c: 3, d: 4 });
    // Globs in the top file and in includes; `key` nests, `defaults` are template variables.
    r = tree({
      'top.sls': top("  '*': ['g.*', a]\n"),
      'g/one.sls': 'g1: 1', 'g/two.sls': 'g2: 2',
      'a.sls': "include:\n  - 'h.*'\n  - tmpl:\n      defaults: {v: 42}\n      key: 'deep:er'\na: 1",
      'h/x.sls': 'hx: 1', 'tmpl.sls': 't: {{ v }}',
    });
    expect(compilePillar({ roots: r, id: 'm1', grains })).toEqual({ g1: 1, g2: 2, hx: 1, deep: { er: { t: 42 } }, a: 1 });
    // An SLS included under a key and again plainly is merged both times; one named again later in the top file is
    // merged again there (its value wins over the SLS between).
    r = tree({
      'top.sls': top("  '*': [a, b, d, c]\n"),
      'a.sls': 'include:\n  - c:\n      key: nested\na: 1', 'b.sls': 'include: [c]\nb: 1', 'c.sls': 'x: c', 'd.sls': 'x: d',
    });
    expect(compilePillar({ roots: r, id: 'm1', grains })).toEqual({ nested: { x: 'c' }, a: 1, x: 'c', b: 1 });
    // A relative include also matches its name without the dots at the top of the tree (Salt filters both).
    r = tree({ 'top.sls': top("  '*': [roles.web]\n"), 'roles/web.sls': 'include:\n  - .vrrp\nw: 1', 'vrrp.sls': 'topv: 1', 'roles/vrrp.sls': 'subv: 1' });
    expect(compilePillar({ roots: r, id: 'm1', grains })).toEqual({ topv: 1, subv: 1, w: 1 });
    // pillar_includes_override_sls: the includes win, as before Salt 2017.7.3.
    r = tree({ 'top.sls': top("  '*': [a]\n"), 'a.sls': 'include: [c]\nx: a', 'c.sls': 'x: c' });
    expect(compilePillar({ roots: r, id: 'm1', grains })).toEqual({ x: 'a' });
    expect(compilePillar({ roots: r, id: 'm1', grains, opts: { pillar_includes_override_sls: true } })).toEqual({ x: 'c' });
  });

  test('no top file: empty pillar', () => {
    expect(compilePillar({ roots: new FileRoots([path.join(__dirname, '../test-fixtures/jinja')]), id: 'a', grains: {} })).toEqual({});
  });
});

describe('dicts a JS object cannot hold as Python does', () => {
  const ordered = new FileRoots([path.join(__dirname, '../test-fixtures/pillar-order')]);
  const render = (t: string, pillar: unknown) => new SaltJinja({ roots: ordered, opts: {} }).renderString(t, 't', { pillar });

  test("integer-like keys after others keep their order; int keys stay ints; both merge across SLS as Salt's recurse merge", () => {
    const p = compilePillar({ roots: ordered, id: 'm', grains: { id: 'm' } });
    expect(render("{{ pillar.ufw.services | list }} {{ pillar.ports | list }} {{ pillar.ports[443] }}", p)).toBe("['http', '*', '22', '80', '10'] [80, 443, 8080] tls");
  });

  test("|yaml keeps a loaded dict's order and sorts a template-made one, also after a merge or a copy (Salt 3006.1's output)", () => {
    const p = compilePillar({ roots: ordered, id: 'm', grains: { id: 'm' } });
    const t = [
      '{{ pillar.ufw.services | yaml }}',
      '{{ pillar.ports | yaml }}',
      "{{ salt['defaults.merge']({'z': 1}, pillar.ufw.services) | yaml }}",
      "{{ salt['defaults.deepcopy'](pillar.ufw.services) | yaml }}",
      "{{ {'b': 1, '5': 2, 'a': 0} | yaml }}",
    ].join('\n');
    const expected = [
      "{http: {protocol: tcp}, '*': {deny: true}, '22': {limit: true}, '80': {allow: true},\n  '10': {allow: true}}",
      '{80: web, 443: tls, 8080: alt}',
      "{'*': {deny: true}, '10': {allow: true}, '22': {limit: true}, '80': {allow: true},\n  http: {protocol: tcp}, z: 1}",
      "{http: {protocol: tcp}, '*': {deny: true}, '22': {limit: true}, '80': {allow: true},\n  '10': {allow: true}}",
      "{'5': 2, a: 0, b: 1}",
    ].join('\n');
    const withSalt = (pillar: unknown) => renderSalt(t, { pillar: pillar as Record<string, unknown> }).out;
    expect(withSalt(p)).toBe(expected);
    expect(withSalt(fromWireData(JSON.parse(JSON.stringify(toWireData(p)))))).toBe(expected);
  });

  test('across the wire (master -> minion) and in the cache: the same keys, types and order', () => {
    const p = compilePillar({ roots: ordered, id: 'm', grains: { id: 'm' } });
    const back = fromWireData(JSON.parse(JSON.stringify(toWireData(p))));
    expect(render("{{ pillar.ufw.services | list }} {{ pillar.ports | list }} {{ pillar.ufw.services['22'] }}", back)).toBe("['http', '*', '22', '80', '10'] [80, 443, 8080] {'limit': True}");
    // a dict that happens to hold only the key `$dict`, and tuple keys, come back as they went
    const odd = { x: { $dict: 1 }, t: new PyDict([[pyTuple([1, 'a']), 2]]) };
    const again = fromWireData(JSON.parse(JSON.stringify(toWireData(odd))));
    expect(render("{{ pillar.x }} {{ pillar.t[(1, 'a')] }}", again)).toBe("{'$dict': 1} 2");
  });
});
