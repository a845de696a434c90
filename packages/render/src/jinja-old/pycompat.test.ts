import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { JinjaEnv } from './environment';
import { defaultSaltFunctions, templateSalt } from './salt';
import type { SaltFunction } from '../types';

const roots = new FileRoots([path.join(__dirname, '../../test-fixtures/jinja')]);
const jinja = new JinjaEnv(roots);
const grains = { id: 'web1', os_family: 'Debian', roles: ['web', 'lb'], net: { ip: '10.0.0.1' } };
const pillar = { app: { port: 8080 } };
const calls: [unknown[], Record<string, unknown>][] = [];
const mineGet: SaltFunction = (args, kwargs) => {
  calls.push([args, kwargs]);
  return { db1: '10.0.0.9' };
};
const vars = {
  grains,
  pillar,
  opts: {},
  salt: templateSalt({ ...defaultSaltFunctions({ grains, pillar, opts: {} }), 'mine.get': mineGet }),
};

function r(text: string, extra: Record<string, unknown> = {}): string {
  return jinja.renderString(text, 'test/t.sls', { ...vars, ...extra });
}

function err(text: string): RenderError {
  try {
    r(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RenderError);
    return e as RenderError;
  }
  throw new Error('expected a RenderError');
}

describe('python methods', () => {
  test('str methods', () => {
    expect(r("{{ 'web01'.startswith('web') }} {{ 'a.conf'.endswith(('.cfg', '.conf')) }}")).toBe('True True');
    expect(r("{{ 'a,b,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a:b:c'.rsplit(':', 1) }}")).toBe("['a', 'b', 'c'] ['a', 'b'] ['a:b', 'c']");
    expect(r("[{{ '  x '.strip() }}][{{ 'xxyxx'.lstrip('x') }}][{{ 'xxyxx'.rstrip('x') }}]")).toBe('[x][yxx][xxy]');
    expect(r("{{ 'Ab'.lower() }}{{ 'Ab'.upper() }} {{ 'a-a-a'.replace('-', '+', 1) }} {{ '-'.join(['a', 'b']) }}")).toBe('abAB a+a-a a-b');
    expect(r("{{ '{}:{name}'.format('h', name=80) }} {{ '{0}-{0}'.format('x') }}")).toBe('h:80 x-x');
    expect(r("{{ 'a\\nb'.splitlines() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }}")).toBe("['a', 'b'] Hello World Hello");
    expect(r("{{ 'abcb'.find('b') }} {{ 'abcb'.count('b') }} {{ '123'.isdigit() }} {{ '12a'.isdigit() }}")).toBe('1 2 True False');
  });

  test('list methods mutate in place', () => {
    const out = r(
      "{% set l = [3] %}{% do l.append(1) %}{% do l.extend([5, 1]) %}{% do l.insert(0, 9) %}" +
        "{{ l.pop() }} {{ l.index(3) }} {{ l.count(1) }}{% do l.remove(9) %} {{ l }}",
    );
    expect(out).toBe('1 1 1 [3, 1, 5]');
  });

  test('dict methods mutate in place', () => {
    const out = r(
      "{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{% do d.update(c=3) %}{% do d.setdefault('a', 9) %}" +
        "{{ d.get('z', 'dflt') }} {{ d.get('z') }} {{ d.pop('c') }} {{ d.keys() }} {{ d.values() }} {{ d.copy() }}",
    );
    expect(out).toBe("dflt None 3 ['a', 'b'] [1, 2] {'a': 1, 'b': 2}");
  });

  test('for k, v in d.items() with loop variables', () => {
    const out = r("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ loop.index }}/{{ loop.length }}:{{ k }}={{ v }}{{ ',' if not loop.last }}{% endfor %}");
    expect(out).toBe('1/2:a=1,2/2:b=2');
    expect(r("{% for k in {'x': 1, 'y': 2} %}{{ k }}{{ loop.index0 }}{{ loop.revindex }}{% endfor %}")).toBe('x02y11');
  });
});

describe('Python output and operators', () => {
  test('repr of lists, dicts, booleans and None', () => {
    expect(r("{{ [1, 'a', True, None] }}|{{ {'a': 'b', 'n': [False]} }}|{{ True }}|{{ none }}|{{ 'plain' }}")).toBe(
      "[1, 'a', True, None]|{'a': 'b', 'n': [False]}|True|None|plain",
    );
    expect(r("{{ (1, 'x') }} {{ \"it's\" }}")).toBe("(1, 'x') it's");
    expect(r("{{ ['it\\'s'] }}")).toBe('["it\'s"]');
  });

  test('% formatting, and modulo on numbers', () => {
    expect(r("{{ '%s-%d' % ('web', 3) }} {{ '%s' % 'x' }} {{ '%05.1f|%-4s|%x' % (3.14159, 'ab', 255) }} {{ 7 % 3 }} {{ -7 % 3 }}")).toBe(
      'web-3 x 003.1|ab  |ff 1 2',
    );
    expect(r("{{ '%(a)s=%(b)r' % {'a': 'k', 'b': 'v'} }}")).toBe("k='v'");
    // Only a tuple spreads; a list is one value, as in Python.
    expect(r("{{ 'x=%s' % [1, 'x'] }}")).toBe("x=[1, 'x']");
    expect(r("{{ '%s-%d'|format('a', 3) }} {{ '%(h)s:%(p)d'|format(h='db', p=5432) }}")).toBe('a-3 db:5432');
  });

  test("raise('message') fails the render with that message and line", () => {
    const e = err("line one\n{{ raise('peer list is empty') }}");
    expect(e.message).toMatch(/peer list is empty/);
    expect(e.line).toBe(2);
  });

  test("Salt's extra filters: regex_search, hashes, sequence, is_list, flatten, traverse", () => {
    expect(r("{{ 'eth0: 10.1.2.3/24'|regex_search('([0-9]+[.][0-9]+)[.]([0-9]+)') }} {{ 'abc'|regex_search('z') }}")).toBe("('10.1', '2') None");
    expect(r("{{ 'brine'|md5 }} {{ ('brine'|sha256)[:12] }}")).toBe('caeaf54eb7da989e71f07c6a282490bf 3d73a4af0ea9');
    expect(r("{{ 'a'|sequence }} {{ ['a']|sequence }} {{ 'a'|is_list }} {{ [1]|is_list }} {{ [1, [2, [3]]]|flatten }} {{ [1, [2, [3]]]|flatten(levels=1) }}")).toBe(
      "['a'] ['a'] False True [1, 2, 3] [1, 2, [3]]",
    );
    expect(r("{{ {'a': {'b': [5, 6]}}|traverse('a:b:1') }} {{ {}|traverse('x:y', 'dflt') }}")).toBe('6 dflt');
  });

  test('truthiness, equality, membership, concatenation', () => {
    expect(r("{{ 'y' if [] else 'n' }}{{ 'y' if {} else 'n' }}{{ 'y' if [0] else 'n' }}{{ [] or 'dflt' }}")).toBe('nnydflt');
    expect(r("{{ [1, [2]] == [1, [2]] }} {{ 1 == '1' }} {{ 'web' in grains.roles }} {{ 'os_family' in grains }} {{ 'x' not in 'abc' }}")).toBe(
      'True False True True True',
    );
    expect(r("{{ [1] + [2] }} {{ '=' * 3 }} {{ 'n' ~ 1 ~ True }} {{ 'web01'[-2:] }} {{ grains.roles[-1] }}")).toBe('[1, 2] === n1True 01 lb');
  });

  test('nested braces inside tags (Jinja balances them, nunjucks did not)', () => {
    expect(r("{{ {'D': {'p': 'n'}}['D'] }}{% set m = dict({'a': {'b': 1}}) %} {{ m.a.b }}")).toBe("{'p': 'n'} 1");
  });

  test('dict literal keys are expressions', () => {
    expect(r("{% set k = 'name' %}{{ {k: 1} }}")).toBe("{'name': 1}");
  });

  test('keeps the trailing newline and does not trim blocks', () => {
    expect(r('{% if True %}\na\n{% endif %}\n')).toBe('\na\n\n');
  });
});

describe('strict undefined', () => {
  test('printing an undefined variable names file and line', () => {
    const e = err('ok\n\n{{ nope }}\n');
    expect(e.file).toBe('test/t.sls');
    expect(e.line).toBe(3);
    expect(e.message).toContain("'nope' is undefined");
  });

  test('attribute access on a missing key is an error at its line', () => {
    const e = err("a\n{{ pillar.missing.port }}\n");
    expect(e.line).toBe(2);
    expect(e.message).toContain("has no attribute 'missing'");
  });

  test('if on an undefined variable is an error (StrictUndefined truthiness)', () => {
    expect(err('\n{% if nope %}x{% endif %}').line).toBe(2);
  });

  test('is defined, is undefined and default still work', () => {
    expect(r("{{ nope is defined }} {{ nope is undefined }} {{ nope | default('d') }} {{ pillar.x | d(1) }} {{ pillar.get('x', 2) }}")).toBe(
      'False True d 1 2',
    );
  });

  test('filters refuse undefined values', () => {
    expect(err('\n{{ nope | upper }}').line).toBe(2);
  });
});

describe('imports and tags', () => {
  test('import_yaml (rendered through Jinja) and import_json', () => {
    expect(r("{% import_yaml 'lib/data.yaml' as d %}{{ d.port }} {{ d.hosts }}")).toBe("8080 ['a', 'b']");
    expect(r("{% set dir = 'lib' %}{% import_json dir ~ '/data.json' as j %}{{ j.enabled }} {{ j.list }}")).toBe('True [1, 2]');
    expect(r("{% load_yaml as y %}\na: [1, 2]\n{% endload %}{{ y.a }}")).toBe('[1, 2]');
  });

  test('import_yaml relative to the importing file', () => {
    expect(r("{% include 'lib/relative.jinja' %}")).toBe('8080\n');
  });

  test('import_yaml of a missing file is an error at the line', () => {
    const e = err("x\n{% import_yaml 'lib/nope.yaml' as d %}");
    expect(e.line).toBe(2);
    expect(e.message).toContain('lib/nope.yaml');
  });

  test('from-import with context, macros with default args, import as module', () => {
    expect(r("{% from 'lib/macros.jinja' import greet with context %}{{ greet('bob') }} {{ greet('al', punct='?') }}")).toBe(
      'hello bob from web1! hello al from web1?',
    );
    expect(r("{% import 'lib/macros.jinja' as m %}{{ m.shout('x') }}")).toBe('X');
    expect(r("{% from 'salt://lib/map.jinja' import web with context %}{{ web.pkg }}")).toBe('nginx');
  });

  test('include renders with the context', () => {
    expect(r("{% include 'lib/part.txt' %}")).toBe('included web1\n');
  });

  test('errors inside an imported template name that file', () => {
    const e = err("a\n{% include 'lib/broken.jinja' %}");
    expect(e.file).toBe('lib/broken.jinja');
    expect(e.line).toBe(2);
  });

  test('syntax errors carry the line', () => {
    const e = err('a\nb\n{% if %}\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^test\/t\.sls:3: jinja: /);
  });
});

describe('filters and tests', () => {
  test('serialisers', () => {
    expect(r("{{ {'b': [1, 'x'], 'a': None} | json }}")).toBe('{"a": null, "b": [1, "x"]}');
    expect(r("{{ {'a': '<b>'} | tojson }}")).toBe('{"a": "\\u003cb\\u003e"}');
    expect(r("{{ {'a': 1, 'b': ['x', 'yes', 'two words']} | yaml }}")).toBe("{a: 1, b: [x, 'yes', two words]}");
    expect(r("{{ 'a: b' | yaml_encode }} {{ 'plain' | yaml_encode }} {{ 'q\"x' | yaml_dquote }} {{ \"it's\" | quote }}")).toBe(
      `'a: b' plain "q\\"x" 'it'"'"'s'`,
    );
  });

  test('collections', () => {
    expect(r("{{ {'b': 1, 'a': 2} | dictsort }} {{ [3, 1, 3] | unique }} {{ ['b', 'A'] | sort }} {{ 'ab' | list }}")).toBe(
      "[('a', 2), ('b', 1)] [3, 1] ['A', 'b'] ['a', 'b']",
    );
    expect(r("{{ [1, 2] | join(',') }} {{ [1, 2] | length }} {{ [1, 2] | first }} {{ [1, 2] | last }} {{ {'a': 1} | length }}")).toBe('1,2 2 1 2 1');
    const users = [{ n: 'a', on: true }, { n: 'b', on: false }];
    expect(r("{{ users | selectattr('on') | map(attribute='n') | list }} {{ users | selectattr('n', 'equalto', 'b') | list | length }}", { users })).toBe(
      "['a'] 1",
    );
  });

  test('scalars', () => {
    expect(r("{{ '42' | int + 1 }} {{ 'x' | int }} {{ '1.5' | float }} {{ 5 | string }} {{ 'aXa' | replace('a', 'b') }} {{ 'Ab' | lower }}{{ 'Ab' | upper }}")).toBe(
      '43 0 1.5 5 bXb abAB',
    );
    expect(r("{{ 'a\\nb\\n\\nc' | indent(2) }}")).toBe('a\n  b\n\n  c');
  });

  test('tests', () => {
    expect(
      r("{{ none is none }} {{ 'a' is string }} {{ 1 is number }} {{ {} is mapping }} {{ [] is sequence }} {{ 'x' is iterable }} {{ 1 is string }}"),
    ).toBe('True True True True True True False');
  });

  test('for-else, namespace, whitespace control, raw', () => {
    expect(r('{% for x in [] %}x{% else %}empty{% endfor %}')).toBe('empty');
    expect(r('{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}')).toBe('6');
    expect(r('a\n{%- if True %}\nb{% endif -%}\n c')).toBe('a\nbc');
    expect(r('{% raw %}{{ x }}{% endraw %}')).toBe('{{ x }}');
  });

  test('range, literals, dict()', () => {
    expect(r('{{ range(3) | list }} {{ True }} {{ False }} {{ None }} {{ dict(a=1) }}')).toBe("[0, 1, 2] True False None {'a': 1}");
  });
});

describe('salt functions', () => {
  test('execution functions receive (args, kwargs)', () => {
    calls.length = 0;
    expect(r("{{ salt['mine.get']('roles:db', 'network.ip_addrs', tgt_type='grain') }}")).toBe("{'db1': '10.0.0.9'}");
    expect(calls).toEqual([[['roles:db', 'network.ip_addrs'], { tgt_type: 'grain' }]]);
  });

  test('default grains.get / pillar.get / config.get', () => {
    expect(r("{{ salt['grains.get']('net:ip') }} {{ salt['pillar.get']('app:port') }} {{ salt['pillar.get']('x:y', default='d') }} {{ salt['grains.get']('nope') == '' }}")).toBe(
      '10.0.0.1 8080 d True',
    );
    expect(r("{{ salt['config.get']('os_family') }}")).toBe('Debian');
  });

  test('calling a missing salt function is an undefined error', () => {
    expect(err("\n{{ salt['nope.fun']() }}").line).toBe(2);
  });
});
