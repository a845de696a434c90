/**
 * Salt's template functions beyond the oracle table: the minion's own disk and databases (file, cmd, user, group,
 * dig), what they change in place, their log lines and their errors. Expected values are Salt 3006.1's (checked
 * with salt-call --local on a Debian host) or follow its source.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderSalt, saltContext } from './testkit';
import { saltTemplateFunctions } from './index';
import { PyDict } from '../jinja/values';

const render = (t: string, s = {}, vars = {}): string => renderSalt(t, s, vars).out;

describe('file.* on the local disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-file-'));
  const f = path.join(dir, 'f.txt');
  fs.writeFileSync(f, 'line one\n# comment foo\nbar=1\n');
  fs.symlinkSync(f, path.join(dir, 'link'));
  test('path helpers are posixpath', () => {
    expect(render("{{ salt['file.dirname']('/a/b/c') }} {{ salt['file.basename']('/a/b/c.txt') }} {{ salt['file.join']('/a', 'b', '/c') }} {{ salt['file.normpath']('/a//b/../c/.') }} {{ salt['file.dirname']('c') }}|{{ salt['file.dirname']('/') }}")).toBe(
      '/a/b c.txt /c /a/c |/',
    );
  });
  test('exists, links, regex, read', () => {
    expect(render(`{{ salt['file.file_exists']('${f}') }} {{ salt['file.file_exists']('${dir}') }} {{ salt['file.directory_exists']('${dir}') }} {{ salt['file.is_link']('${dir}/link') }} {{ salt['file.readlink']('${dir}/link') }}`)).toBe(
      `True False True True ${f}`,
    );
    expect(render(`{{ salt['file.contains_regex']('${f}', '^bar=') }} {{ salt['file.contains_regex']('${f}', '^foo') }} {{ salt['file.contains_regex']('${f}', '^ comment', lchar='#') }} {{ salt['file.contains_regex']('/nonexistent', 'x') }}`)).toBe(
      'True False True False',
    );
    expect(render(`{{ salt['file.read']('${f}') }}`)).toBe('line one\n# comment foo\nbar=1\n');
    expect(() => render(`{{ salt['file.read']('${dir}/missing') }}`)).toThrow(/No such file or directory/);
    expect(() => render(`{{ salt['file.readlink']('${f}') }}`)).toThrow(/A valid link was not specified/);
    expect(() => render("{{ salt['file.file_exists'](none) }}")).toThrow('expected str, bytes or os.PathLike object, not NoneType');
    expect(() => render("{{ salt['file.dirname'](1) }}")).toThrow('expected str, bytes or os.PathLike object, not int');
  });
  test('search is one re.search over the whole file, MULTILINE by default (Salt 3006.1: file.replace search_only)', () => {
    expect(render(`{{ salt['file.search']('${f}', '^bar=') }} {{ salt['file.search']('${f}', '^BAR', flags=['IGNORECASE', 'MULTILINE']) }} {{ salt['file.search']('${f}', '^bar', flags=0) }} {{ salt['file.search']('${f}', 'one.*foo', flags=24) }} {{ salt['file.search']('${f}', 'one.*foo', multiline=True) }} {{ salt['file.search']('/nonexistent', 'x', ignore_if_missing=True) }}`)).toBe(
      'True True False True False False',
    );
    expect(() => render(`{{ salt['file.search']('/nonexistent', 'x') }}`)).toThrow(/File not found: \/nonexistent/);
    expect(() => render(`{{ salt['file.search']('${f}', 'x', flags=['NOPE']) }}`)).toThrow(/Invalid re flag given: NOPE/);
  });
});

describe('cmd, user, group, dig', () => {
  test('alternatives.show_current reads /etc/alternatives/NAME; a missing link is False', () => {
    if (!fs.existsSync('/etc/alternatives')) return;
    const link = fs.readdirSync('/etc/alternatives').find((n) => fs.lstatSync(`/etc/alternatives/${n}`).isSymbolicLink());
    expect(render("{{ salt['alternatives.show_current']('nonesuch-brine') }}")).toBe('False');
    if (link) expect(render(`{{ salt['alternatives.show_current']('${link}') }}`)).toBe(fs.readlinkSync(`/etc/alternatives/${link}`));
  });

  test('status.time formats the local time now (default format as Salt: %A, %d. %B %Y %I:%M%p)', () => {
    const d = new Date();
    const year = String(d.getFullYear());
    expect(render("{{ salt['status.time']('%Y') }}")).toBe(year);
    expect(render("{{ salt['status.time']() }}")).toMatch(new RegExp(`^[A-Z][a-z]+day, \\d\\d\\. [A-Z][a-z]+ ${year} \\d\\d:\\d\\d[AP]M$`));
    expect(render("{{ salt['status.time'] is callable }}")).toBe('True');
  });

  test('cmd.has_exec / cmd.which', () => {
    expect(render("{{ salt['cmd.has_exec']('sh') }} {{ salt['cmd.has_exec']('nope-cmd') }} {{ salt['cmd.which']('nope-cmd') }}")).toBe('True False None');
    expect(render("{{ salt['cmd.which']('sh') }}")).toMatch(/^\/.*\/sh$/);
  });
  test('user.info / group.info have Salt dict shapes, {} when missing', () => {
    expect(render("{{ salt['user.info']('root') }}")).toMatch(
      /^\{'gid': 0, 'groups': \[.*'root'.*\], 'home': '\/root', 'name': 'root', 'passwd': '[^']*', 'shell': '[^']+', 'uid': 0, 'fullname': '[^']*', 'roomnumber': '', 'workphone': '', 'homephone': '', 'other': ''\}$/,
    );
    expect(render("{{ salt['group.info']('root') }}")).toMatch(/^\{'name': 'root', 'passwd': '[^']*', 'gid': 0, 'members': \[.*\]\}$/);
    expect(render("{{ salt['user.info']('nobody-xyz') }}|{{ salt['group.info']('nogroup-xyz') }}")).toBe('{}|{}');
  });
  test('user.info reads an alternative root', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-root-'));
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'app:x:1001:1001:App User,Room 1,,,extra,more:/srv/app:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'app:x:1001:\nstaff:x:50:app,other\n');
    expect(render(`{{ salt['user.info']('app', root='${root}') | json }}`)).toBe(
      '{"fullname": "App User", "gid": 1001, "groups": [], "home": "/srv/app", "homephone": "", "name": "app", "other": "extra,more", "passwd": "x", "roomnumber": "Room 1", "shell": "/bin/sh", "uid": 1001, "workphone": ""}',
    );
    expect(render(`{{ salt['group.info']('staff', root='${root}') }}`)).toBe("{'name': 'staff', 'passwd': 'x', 'gid': 50, 'members': ['app', 'other']}");
  });
  test('dig.A resolves through the system resolver, [] when it cannot', () => {
    expect(render("{{ salt['dig.A']('localhost') }}")).toBe("['127.0.0.1']");
    expect(render("{{ salt['dig.A']('nonexistent.invalid') }} {{ salt['dig.AAAA']('nonexistent.invalid') }}")).toBe('[] []');
  });
});

describe('in-place semantics', () => {
  test('defaults.merge mutates the dest dict, even one from pillar', () => {
    const pillar = { app: { port: 1 } };
    expect(render("{% do salt['defaults.merge'](salt['pillar.get']('app'), {'host': 'h'}) %}{{ salt['pillar.get']('app') | json }}", { pillar })).toBe(
      '{"host": "h", "port": 1}',
    );
    expect(pillar.app).toEqual({ port: 1, host: 'h' });
  });
  test('pillar.get(merge=True) leaves the default and the pillar alone', () => {
    const pillar = { app: { port: 1, opts: { a: 1 } } };
    const out = render("{% set d = {'opts': {'b': 2}} %}{% set r = salt['pillar.get']('app', d, merge=True) %}{{ d }} {{ r | json }}", { pillar });
    expect(out).toBe('{\'opts\': {\'b\': 2}} {"opts": {"a": 1, "b": 2}, "port": 1}');
    expect(pillar).toEqual({ app: { port: 1, opts: { a: 1 } } });
  });
  test('grains.filter_by merge updates the matched lookup value in place, as Salt does', () => {
    expect(render("{% set m = {'Debian': {'a': 1}} %}{% set r = salt['grains.filter_by'](m, merge={'b': 2}) %}{{ m }}")).toBe("{'Debian': {'a': 1, 'b': 2}}");
  });
  test('pillar.items returns a copy', () => {
    const pillar = { a: { b: 1 } };
    render("{% set p = salt['pillar.items']() %}{% do p.a.update({'c': 2}) %}", { pillar });
    expect(pillar).toEqual({ a: { b: 1 } });
  });
});

describe('log.*', () => {
  test('writes to the minion log and returns True (Salt logmod); log.warn does not exist', () => {
    const r = renderSalt("{{ salt['log.debug']('d') }}{% do salt['log.info']('i') %}{% do salt['log.warning']('w') %}{% do salt['log.error']('e') %}{% do salt['log.critical']('c') %}");
    expect(r.out).toBe('True');
    expect(r.log.lines.map((l) => [l.level, l.msg])).toEqual([['debug', 'd'], ['info', 'i'], ['warn', 'w'], ['error', 'e'], ['error', 'c']]);
    expect(saltTemplateFunctions(saltContext().ctx)['log.warn']).toBeUndefined();
  });
  test('pillar.get logs when a merge is skipped', () => {
    const r = renderSalt("{{ salt['pillar.get']('s', {'a': 1}, merge=True) }}", { pillar: { s: 'hello' } });
    expect(r.out).toBe('hello');
    expect(r.log.lines[0]!.msg).toMatch(/is a dict, but the returned pillar value \('hello'\) is of type 'str'. Merge will be skipped./);
  });
  test('pillar.get with an undefined default fails as in Salt (its `default == NOT_SET` under StrictUndefined), key present or not', () => {
    for (const key of ['s', 'nokey']) {
      expect(() => renderSalt(`{% set m = {} %}{{ salt['pillar.get']('${key}', m.missing) is defined }}`, { pillar: { s: 'hello' } })).toThrow(/'dict object' has no attribute 'missing'/);
    }
    // grains.get and config.get take it and give it back (undefined) when the key is missing, as Salt's do
    expect(render("{% set m = {} %}{{ salt['grains.get']('nokey', m.missing) is defined }} {{ salt['config.get']('nokey', m.missing) is defined }}")).toBe('False False');
  });
});

describe('errors as Salt raises them', () => {
  const cases: [string, RegExp][] = [
    ["{{ salt['grains.filter_by']({'Debian': 'str', 'default': {'a': 1}}, base='default') }}", /filter_by default and look-up values must both be dictionaries/],
    ["{{ salt['grains.filter_by']({'Debian': {'a': 1}}, merge='x') }}", /filter_by merge argument must be a dictionary/],
    ["{{ [1, 1] | unique(attribute='x') }}", /unique\(\) got an unexpected keyword argument 'attribute'/],
    ["{{ salt['pillar.get']('a', 1, 2, 3, 4, 5, 6, 7) }}", /get\(\) takes from 1 to 7 positional arguments but 8 were given/],
    ["{{ salt['grains.get']('os', bogus=1) }}", /get\(\) got an unexpected keyword argument 'bogus'/],
    ["{{ salt['grains.get']() }}", /get\(\) missing 1 required positional argument: 'key'/],
    ["{{ salt['defaults.merge'](None, {'a': 1}) }}", /Can't perform in-place merge into NoneType/],
    ["{{ salt['slsutil.renderer']() }}", /Must pass either path or string/],
    ["{{ salt['slsutil.serialize']('nope', {}) }}", /Serializer 'nope' not found/],
    ["{{ salt['slsutil.serialize']('yaml', {}, bogus=1) }}", /dump_all\(\) got an unexpected keyword argument 'bogus'/],
    ["{{ salt['slsutil.serialize']('json', {}, width=1) }}", /JSONEncoder.__init__\(\) got an unexpected keyword argument 'width'/],
    ["{{ salt['slsutil.deserialize']('yaml', '{}', bogus=1) }}", /load\(\) got an unexpected keyword argument 'bogus'/],
    ["{{ 5 | quote }}", /expected string or bytes-like object/],
    ["{{ salt['pillar.keys']('nope') }}", /Pillar key not found: nope/],
    ["{{ 'x' | regex_search('(') }}", /re.error/],
    ['{{ [] | min }}', /min\(\) arg is an empty sequence/],
    ["{{ salt['grains.get'](undefined_name) }}", /'undefined_name' is undefined/],
  ];
  test.each(cases)('%s', (t, msg) => {
    expect(() => render(t)).toThrow(msg);
  });
  test('pillar_raise_on_missing', () => {
    expect(() => render("{{ salt['pillar.get']('nope') }}", { opts: { pillar_raise_on_missing: true } })).toThrow(/Pillar key not found: nope/);
    expect(render("{{ salt['pillar.get']('nope', 'd') }}", { opts: { pillar_raise_on_missing: true } })).toBe('d');
  });
  test("an undefined default: grains.get hands it back, pillar.get fails on it (both as Salt 3006.1 does)", () => {
    expect(render("{{ salt['grains.get']('nope', default=missing_var) is defined }}")).toBe('False');
    expect(() => render("{{ salt['pillar.get']('nope', default=missing_var) is defined }}")).toThrow(/'missing_var' is undefined/);
  });
});

describe('grains listings', () => {
  test('grains.ls sorts by code point; grains.items is a dict (|yaml sorts it)', () => {
    const grains = { b: 1, a: 2, B: 3 };
    expect(render("{{ salt['grains.ls']() }}|{{ salt['grains.items']() | yaml }}", { grains })).toBe("['B', 'a', 'b']|{B: 3, a: 2, b: 1}");
  });
});

describe('slsutil.renderer', () => {
  test('passes the pipe, the path and extra keyword arguments to the render hook', () => {
    const calls: unknown[] = [];
    const out = render("{{ salt['slsutil.renderer']('salt://t.j', default_renderer='jinja', foo='bar') }}", {
      files: { 't.j': 'text' },
      render: (text: string, renderer: string, p: string | null, ctx: Record<string, unknown>) => {
        calls.push([text, renderer, p, ctx]);
        return new PyDict([['ok', 1]]);
      },
    });
    expect(out).toBe("{'ok': 1}");
    expect(calls).toEqual([['text', 'jinja', 't.j', { foo: 'bar' }]]);
  });
  test('a missing or empty template renders to {} as in Salt 3006.1 (compile_template logs it); a relative path is an error', () => {
    const setup = { files: { 'empty.txt': ' \n' }, render: () => new PyDict([['never', 1]]) };
    const t = "{{ salt['slsutil.renderer']('/nonexistent/roster') }} {{ salt['slsutil.renderer']('salt://missing.sls') | json }} {{ salt['slsutil.renderer']('salt://empty.txt') }}";
    expect(render(t, setup)).toBe('{} {} {}');
    expect(() => render("{{ salt['slsutil.renderer']('roster') }}", setup)).toThrow(/is not absolute/);
  });
});

describe('cp.get_file_str / cp.get_url read a file for the template', () => {
  test('salt:// from the roots, file:// and local paths; False when missing; the network refused with a reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cp-'));
    fs.writeFileSync(path.join(dir, 'l.txt'), 'local\n');
    const files = { 'data.yml': 'a: 1\nb: [x, y]\n' };
    expect(render(`{{ (salt['cp.get_url']('salt://data.yml', dest=None)|load_yaml).b }}|{{ salt['cp.get_file_str']('salt://data.yml') }}|{{ salt['cp.get_file_str']('salt://nope') }} {{ salt['cp.get_url']('salt://nope', None) }}|{{ salt['cp.get_file_str']('${dir}/l.txt') }}|{{ salt['cp.get_url']('file://${dir}/l.txt', None) }}|{{ salt['cp.get_file_str']('salt://data.yml?saltenv=dev') }}`, { files })).toBe(
      "['x', 'y']|a: 1\nb: [x, y]\n|False False|local\n|local\n|False",
    );
    expect(() => render("{{ salt['cp.get_url']('https://example.com/x', None) }}", { files })).toThrow(/cannot fetch from the network/);
    expect(() => render("{{ salt['cp.get_url']('salt://data.yml', '/tmp/x') }}", { files })).toThrow(/writes nothing/);
  });
});

describe('sdb.get without drivers', () => {
  test('gives the URI back unless a profile names a driver (Salt 3006.1 non-strict), strict errors', () => {
    expect(render("{{ salt['sdb.get']('sdb://consul/app/id')|default('v1') }} {{ salt['sdb.get']('plain') }} {{ salt['sdb.get']('sdb://noslash') }}")).toBe('sdb://consul/app/id plain sdb://noslash');
    expect(() => render("{{ salt['sdb.get']('sdb://consul/x', strict=True) }}")).toThrow(/SDB profile "consul" wasnt found/);
    expect(() => render("{{ salt['sdb.get']('x', True) }}")).toThrow(/must start with "sdb:\/\/"/);
    expect(() => render("{{ salt['sdb.get']('sdb://vault/x') }}", { opts: { vault: { driver: 'vault' } } })).toThrow(/sdb driver 'vault' of profile 'vault' is not available/);
  });
});

describe('cp listing follows the file roots', () => {
  test('other saltenvs without roots list nothing', () => {
    expect(render("{{ salt['cp.list_master']('dev') }} {{ salt['cp.list_master']() }}", { files: { 'a.sls': '' } })).toBe("[] ['a.sls']");
  });
  test('list_states names every .sls file as an SLS (dir/init.sls is dir), code-point sorted, as Salt 3006.1 does', () => {
    const files = { 'a.sls': '', 'b/init.sls': '', 'b/c.sls': '', 'b/sub/init.sls': '', 'B/x.sls': '', 'b/notes.txt': '', 'top.sls': '' };
    expect(render("{{ salt['cp.list_states']() }} {{ salt['cp.list_states']('dev') }}", { files })).toBe("['B.x', 'a', 'b', 'b.c', 'b.sub', 'top'] []");
  });
});

describe('globals', () => {
  test('raise fails the render with its message; match.ifelse picks by target', () => {
    expect(() => render("{{ raise('custom failure') }}")).toThrow(/custom failure/);
    expect(render("{{ salt['match.ifelse']('G@os:RedHat', 'rh', 'G@os:Debian', 'deb', 'other') }} {{ salt['match.ifelse'](True, 'yes', 'no') }}")).toBe('deb yes');
  });
});
