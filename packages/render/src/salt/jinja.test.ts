/** Salt's Jinja environment: context as globals, template-loading globals, relative names, data tags, newlines. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { SaltJinja } from './jinja';

const made: string[] = [];
afterAll(() => made.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): FileRoots {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-saltjinja-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return new FileRoots([dir]);
}

const context = (file: string): Record<string, unknown> => ({
  grains: { os_family: 'Debian', id: 'web1' },
  pillar: { role: 'web' },
  tplfile: file,
  tpldir: path.posix.dirname(file),
  sls: file.replace(/\.sls$/, '').replace(/\//g, '.'),
});

describe('Salt-configured Jinja', () => {
  test('a template imported without context still sees the render context (Salt makes it the globals)', () => {
    const roots = tree({
      'app/init.sls': "{% from 'app/lib.jinja' import who %}{{ who() }}\n",
      'app/lib.jinja': '{% macro who() %}{{ grains.id }}/{{ pillar.role }}/{{ tpldir }}/{{ tplfile }}/{{ sls }}{% endmacro %}',
    });
    expect(new SaltJinja({ roots }).render('app/init.sls', context('app/init.sls'))).toBe('web1/web/app/app/lib.jinja/app.init\n');
  });

  test('with context the importer’s tpldir is seen; ./ names resolve against the last loaded template’s tpldir', () => {
    const roots = tree({
      'app/init.sls': "{% from './sub/map.jinja' import dir with context %}{{ dir }}|{% include './sub/part.txt' %}\n",
      'app/sub/map.jinja': '{% set dir = tpldir %}',
      'app/sub/part.txt': 'part of {{ tplfile }}\n',
    });
    expect(new SaltJinja({ roots }).render('app/init.sls', context('app/init.sls'))).toBe('app|part of app/init.sls\n');
  });

  test('odict copies a mapping, takes (key, value) pairs and keywords, in order (Salt 3006.1 output)', () => {
    const roots = tree({
      'od.sls':
        "{%- set s = {'z': 1, 'a': {'y': 2, 'b': 3}} -%}\n{{ odict(s) | tojson }} {{ odict([('q', 1), ['p', 2]], r=3) | tojson }} {{ odict(s.items()) | tojson }} {{ odict(s) is mapping }} {{ odict() | tojson }}",
    });
    expect(new SaltJinja({ roots }).render('od.sls', context('od.sls'))).toBe('{"z": 1, "a": {"y": 2, "b": 3}} {"q": 1, "p": 2, "r": 3} {"z": 1, "a": {"y": 2, "b": 3}} True {}');
    // It prints as a dict, and `yaml` keeps its order inside a sorted dict.
    const r2 = tree({ 'o.sls': "{{ odict([('z', 1), ('a', 2)]) }}|{{ {'x': odict([('z', 1), ('a', 2)]), 'b': 0} | yaml }}|{{ odict([('z', 1), ('a', 2)]) | yaml(False) }}" });
    expect(new SaltJinja({ roots: r2 }).render('o.sls', context('o.sls'))).toBe("{'z': 1, 'a': 2}|{b: 0, x: {z: 1, a: 2}}|z: 1\na: 2");
  });

  test('the template’s own final newline is kept, an included one is not', () => {
    const roots = tree({ 'a.sls': "x: {% include 'b.txt' %}.\n", 'b.txt': 'inner\n' });
    expect(new SaltJinja({ roots }).render('a.sls', context('a.sls'))).toBe('x: inner.\n');
    expect(new SaltJinja({ roots }).renderString('no newline', 'c.sls', context('c.sls'))).toBe('no newline');
  });

  test('import_yaml keeps Python key types and floats: int keys, 1.0, yes, 0644', () => {
    const roots = tree({
      'app/defaults.yaml': 'ports:\n  80: web\n  443: tls\nversion: 1.0\nflag: yes\nmode: 0644\n',
      'app/init.sls': "{% import_yaml 'app/defaults.yaml' as d %}{{ d.ports[80] }} {{ d.ports }} {{ d.version }} {{ d.flag }} {{ d.mode }}",
    });
    expect(new SaltJinja({ roots }).render('app/init.sls', context('app/init.sls'))).toBe("web {80: 'web', 443: 'tls'} 1.0 True 644");
  });

  test('import_yaml of a file ending in a block scalar: Jinja drops the final newline, so the scalar has none (Salt 3006.1)', () => {
    const roots = tree({
      'd.yaml': 'k: |\n  line one\n  line two\n',
      'x.sls': "{% import_yaml 'd.yaml' as d %}{{ d.k | json }} {{ 'k: |\\n  a\\n  b' | load_yaml | json }}",
    });
    expect(new SaltJinja({ roots }).render('x.sls', context('x.sls'))).toBe('"line one\\nline two" {"k": "a\\nb"}');
  });
  test('import_yaml reads what the SLS loader reads: a flow mapping continued under its key, a tab leading a quoted line (PyYAML)', () => {
    const roots = tree({
      'd.yaml': 'k:\n  j: {a: 1,\n b: 2}\nq: "a\n\tb"\n',
      'x.sls': "{% import_yaml 'd.yaml' as d %}{{ d | json }}",
    });
    expect(new SaltJinja({ roots }).render('x.sls', context('x.sls'))).toBe('{"k": {"j": {"a": 1, "b": 2}}, "q": "a b"}');
  });
  test('load_json / load_text blocks and import_json', () => {
    const roots = tree({
      'd.json': '{"a": [1, 2]}',
      'x.sls': "{% load_json as j %}{\"k\": {{ 1 + 1 }}}{% endload %}{% import_json 'd.json' as d %}{% load_text as t %}hi{% endload %}{{ j.k }} {{ d.a }} {{ t }}",
    });
    expect(new SaltJinja({ roots }).render('x.sls', context('x.sls'))).toBe('2 [1, 2] hi');
  });

  test('jinja_sls_env options reach the engine (trim_blocks, lstrip_blocks)', () => {
    const roots = tree({ 't.sls': '  {% if true %}\nyes\n  {% endif %}\nend' });
    const opts = { jinja_sls_env: { trim_blocks: true, lstrip_blocks: true } };
    expect(new SaltJinja({ roots, opts, sls: true }).render('t.sls', context('t.sls'))).toBe('yes\nend');
    expect(new SaltJinja({ roots, sls: true }).render('t.sls', context('t.sls'))).toBe('  \nyes\n  \nend');
  });

  test('errors become RenderError naming the innermost file and line', () => {
    const roots = tree({ 'a.sls': "ok\n{% import 'lib.jinja' as l %}\n{{ l.m() }}", 'lib.jinja': '{% macro m() %}\n{{ undefined_thing }}\n{% endmacro %}' });
    let err: unknown;
    try {
      new SaltJinja({ roots }).render('a.sls', context('a.sls'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RenderError);
    expect(String((err as Error).message)).toMatch(/^lib\.jinja:2: jinja: 'undefined_thing' is undefined/);
  });
});
