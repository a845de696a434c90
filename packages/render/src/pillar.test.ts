import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { compilePillar } from './pillar';

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
