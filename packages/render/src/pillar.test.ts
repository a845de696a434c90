import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { compilePillar } from './pillar';
import { PyDict, pyTuple } from './jinja/values';
import { SaltJinja } from './salt/jinja';
import { renderSalt } from './salt/testkit';
import { fromWireData, toWireData } from './salt/wire-data';

const roots = new FileRoots([path.join(__dirname, '../test-fixtures/pillar')]);

describe('compilePillar', () => {
  test('top order, deep merge, includes merged over the includer, pillar.get sees data so far', () => {
    const p = compilePillar({ roots, id: 'web1', grains: { id: 'web1', roles: ['web'] } });
    expect(p).toEqual({
      ntp: { servers: ['a.pool', 'b.pool'] },
      app: { port: 8080, name: 'web1', workers: 4 },
      vrrp: { priority: 150, auth: 'web1-secret' },
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
    expect(compilePillar({ roots: ng, id: 'web1', grains: { id: 'web1' }, opts })).toEqual({ app: { port: 8000 }, merged: { workers: 2, port: 8000 }, plain: 8000 });
    expect(compilePillar({ roots: ng, id: 'db1', grains: { id: 'db1' }, opts })).toEqual({ app: { port: 8000 } });
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
