import * as path from 'path';
import { FileRoots, RenderError, type LowChunk } from '@brine/core';
import { Renderer } from './renderer';

const fixtures = path.join(__dirname, '../test-fixtures');

function renderer(tree: string): Renderer {
  return new Renderer({
    roots: new FileRoots([path.join(fixtures, tree)]),
    context: { id: 'web1', grains: { id: 'web1', os_family: 'Debian' }, pillar: {}, opts: {}, salt: {} },
  });
}

type Row = [id: string, state: string, fun: string, name: string, order: number, file: string, line: number, args: object, requisites: object, failhard?: true];

const row = (c: LowChunk): Row => {
  const r: Row = [c.id, c.state, c.fun, c.name, c.order, c.file, c.line, c.args, c.requisites];
  if (c.failhard) r.push(true);
  return r;
};

describe('compile: the fixture tree', () => {
  test('full lowstate for web (include absolute/relative, extend, forms, names, requisites, order)', () => {
    const low = renderer('tree').compile(['web']);
    const expected: Row[] = [
      // order: first
      ['timezone_first', 'cmd', 'run', 'echo first', 0, 'common/init.sls', 23, {}, { onchanges: [{ kind: 'file', target: 'motd' }] }],
      // order: 5; list form; sls requisite; listen matched by name (curl is a name of base_packages)
      ['monitoring', 'service', 'running', 'node-exporter', 5, 'web/config.sls', 15, {},
        { require: [{ kind: 'sls', target: 'common' }], listen: [{ kind: 'pkg', target: 'base_packages' }] }, true],
      // common.users (included by common via '.users') comes first; require_in from a name match and a bare ID
      ['deploy_user', 'user', 'present', 'deploy', 10000, 'common/users.sls', 1, { shell: '/bin/bash' },
        { require: [{ kind: 'group', target: 'deploy_group' }, { kind: 'service', target: 'monitoring' }] }],
      ['deploy_group', 'group', 'present', 'deploy', 10001, 'common/users.sls', 6, {}, {}],
      // names: one chunk each, per-name args, import_yaml'd value
      ['base_packages', 'pkg', 'installed', 'curl', 10002, 'common/init.sls', 7, {}, {}],
      ['base_packages', 'pkg', 'installed', 'vim', 10002, 'common/init.sls', 7, {}, {}],
      ['base_packages', 'pkg', 'installed', 'htop', 10002, 'common/init.sls', 7, { version: 'latest' }, {}],
      // from-import macro with context; mode 644 -> '0644'; extend appends a requisite and adds source; onfail_in by name
      ['motd', 'file', 'managed', '/etc/motd', 10003, 'common/init.sls', 15,
        { contents: 'Managed by Brine on web1', mode: '0644', source: 'salt://common/motd' },
        { require: [{ kind: 'pkg', target: 'base_packages' }, { kind: 'user', target: 'deploy_user' }], onfail: [{ kind: 'service', target: 'monitoring' }] }],
      // web.config, included relatively by web; its '..common' include is already done
      ['nginx_conf', 'file', 'managed', '/etc/nginx/nginx.conf', 10005, 'web/config.sls', 4,
        { source: 'salt://web/files/nginx.conf', template: 'jinja' }, { prereq: [{ kind: 'sls', target: 'common.users' }] }],
      // two modules under one ID
      ['nginx', 'pkg', 'installed', 'nginx', 10007, 'web/init.sls', 5, {}, {}],
      ['nginx', 'service', 'running', 'nginx', 10008, 'web/init.sls', 5, { enable: true },
        {
          watch: [{ kind: 'file', target: 'nginx_conf' }, { kind: 'service', target: 'monitoring' }],
          require: [{ kind: 'pkg', target: 'nginx' }],
          listen: [{ kind: 'file', target: 'nginx_conf' }],
        }],
      ['webroot', 'file', 'directory', '/srv/www', 10009, 'web/init.sls', 14, { mode: '0755' }, {}],
      // short form
      ['cleanup', 'file', 'absent', 'cleanup', 10011, 'web/init.sls', 28, {}, {}],
      // order: last; onchanges_in and prereq_in land here
      ['reload_hook', 'cmd', 'run', '/usr/local/bin/reload', Infinity, 'web/init.sls', 21, {},
        {
          onfail: [{ kind: 'service', target: 'nginx' }],
          prereq: [{ kind: 'service', target: 'monitoring' }],
          onchanges: [{ kind: 'file', target: 'webroot' }],
        }],
    ];
    expect(low.map(row)).toEqual(expected);
    expect(low.every((c) => c.sls === { 'common/init.sls': 'common', 'common/users.sls': 'common.users', 'web/init.sls': 'web', 'web/config.sls': 'web.config' }[c.file])).toBe(true);
    expect(new Set(low.map((c) => c.env))).toEqual(new Set(['base']));
  });

  test('an included SLS compiles on its own too', () => {
    expect(renderer('tree').compile(['common.users']).map((c) => [c.id, c.requisites])).toEqual([
      ['deploy_user', { require: [{ kind: 'group', target: 'deploy_group' }] }],
      ['deploy_group', {}],
    ]);
  });

  test('showSls: high data after include and extend, with __sls__ and __env__', () => {
    const high = renderer('tree').showSls(['web']) as Record<string, Record<string, unknown>>;
    expect(Object.keys(high)).toEqual([
      'deploy_user', 'deploy_group', 'base_packages', 'motd', 'timezone_first', 'nginx_conf', 'monitoring', 'nginx', 'webroot', 'reload_hook', 'cleanup',
    ]);
    expect(high['cleanup']).toEqual({ file: ['absent'], __sls__: 'web', __env__: 'base' });
    expect(high['motd']!['file']).toEqual([
      'managed',
      { name: '/etc/motd' },
      { contents: 'Managed by Brine on web1' },
      { mode: '0644' },
      { require: [{ pkg: 'base_packages' }, { user: 'deploy_user' }] },
      { source: 'salt://common/motd' },
    ]);
  });

  test('renderSls: one file, no include processing', () => {
    const r = renderer('tree').renderSls('web');
    expect(r.file).toBe('web/init.sls');
    expect(r.high['include']).toEqual(['common', 'web.config']);
    expect(Object.keys(r.high['extend'] as object)).toEqual(['motd']);
    expect(r.high['nginx']).toEqual({
      pkg: ['installed'],
      service: ['running', { enable: true }, { watch: [{ file: 'nginx_conf' }] }, { require: [{ pkg: 'nginx' }] }],
      __sls__: 'web',
      __env__: 'base',
    });
  });

  test('renderTemplate: Jinja only, with tpldir and extra context', () => {
    const r = renderer('tree');
    expect(r.renderTemplate("{{ grains.id }} {{ tpldir }} {{ port }}\n", 'salt://web/files/nginx.conf', { port: 80 })).toBe('web1 web/files 80\n');
  });
});

test('IDs run in file order, integer-like ones too (JS objects would list them first)', () => {
  expect(renderer('ids').compile(['numeric']).map((c) => c.id)).toEqual(['zeta', '100', '20', 'alpha']);
});

describe('malformed inputs throw RenderError with file and line', () => {
  const cases: [sls: string, file: string, line: number | undefined, text: RegExp][] = [
    ['bad.yaml', 'bad/yaml.sls', 3, /YAML: /],
    ['bad.undef', 'bad/undef.sls', 3, /'nope' is undefined/],
    ['bad.missing_req', 'bad/missing_req.sls', 4, /state 'needy': require points at pkg state with ID or name 'ghost'/],
    ['bad.missing_req_in', 'bad/missing_req_in.sls', 3, /require_in points at file state with ID or name 'nowhere'/],
    ['bad.missing_sls_req', 'bad/missing_sls_req.sls', 1, /SLS 'nosuch'/],
    ['bad.twofun', 'bad/twofun.sls', 4, /'file' has 2 functions \(managed, absent\)/],
    ['bad.nodot', 'bad/nodot.sls', 1, /'nope' is not a state function/],
    ['bad.nofun', 'bad/nofun.sls', 1, /'file' has no function/],
    ['bad.missing_include', 'bad/missing_include.sls', 3, /include: SLS 'not.there' is not in environment 'base'/],
    ['bad.extend_missing', 'bad/extend_missing.sls', 4, /extend: ID 'ghost' is not defined/],
    ['bad.dup_across', 'bad/dup_across.sls', 3, /ID conflicts with the same ID in bad\/common.sls:1/],
    ['bad.order', 'bad/order.sls', 1, /order 'sometime' is not valid/],
    ['bad.relative_too_far', 'bad/relative_too_far.sls', 2, /goes above the top/],
    ['bad.filter', 'bad/filter.sls', 6, /^bad\/filter.sls:6: jinja: filter not found: nosuchfilter \(/],
    ['bad.jinja_include', 'bad/jinja_include.sls', 3, /^bad\/jinja_include.sls:3: jinja: template not found: bad\/not_there.jinja \(/],
    ['bad.unclosed', 'bad/unclosed.sls', 3, /^bad\/unclosed.sls:3: jinja: parseIf: expected elif, else, or endif, got end of file/],
    ['bad.import_name', 'bad/import_name.sls', 2, /^bad\/import_name.sls:2: jinja: cannot import 'nothere' \(/],
    ['no.such.sls', 'no/such/sls.sls', undefined, /SLS 'no.such.sls' is not in environment/],
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
