import { typedKeys } from '../jinja/values';
import { RenderError } from '@brine/core';
import { loadSaltYaml, parseSaltYaml } from './load';
import { yamlFlow } from './dump';

describe('mappings a JS object lists in another order, or whose int keys it makes str', () => {
  const { renderSalt } = require('../salt/testkit') as typeof import('../salt/testkit');
  const { dictKeys } = require('../jinja/values') as typeof import('../jinja/values');
  // A file.managed context as postfix-formula writes its master.cf services: a template iterates it.
  const sls = "svc:\n  file.managed:\n    - context:\n        services:\n          smtp: {a: 1}\n          '628': {a: 2}\n          b: {a: 3}\n          10: {a: 4}\n";
  const flow = "svc: {file.managed: [{context: {services: {smtp: {a: 1}, '628': {a: 2}, b: {a: 3}, 10: {a: 4}}}}]}\n";
  const tpl = "{% for k, v in services.items() %}{{ k }}={{ v.a }} {% endfor %}| {{ services | yaml(False) }} | {{ services }}";
  // Salt 3006.1 wrote this file from the same state (file.managed, template: jinja)
  const salt = "smtp=1 628=2 b=3 10=4 | smtp:\n  a: 1\n'628':\n  a: 2\nb:\n  a: 3\n10:\n  a: 4 | {'smtp': {'a': 1}, '628': {'a': 2}, 'b': {'a': 3}, 10: {'a': 4}}";

  test.each([['block (the full reader: an int key)', sls], ['flow', flow], ['block, str keys only (the fast reader)', sls.replace('          10: {a: 4}\n', '')]])('%s: templates see the written order and an int key as an int', (_n, text) => {
    const d = loadSaltYaml(text, 'x.sls') as Record<string, Record<string, Record<string, Record<string, unknown>>[]>>;
    const services = d['svc']!['file.managed']![0]!['context']!['services'] as Record<string, unknown>;
    const expected = text.includes('10: {a: 4}') ? salt : salt.replace(' 10=4', '').replace('\n10:\n  a: 4', '').replace(", 10: {'a': 4}", '');
    expect(renderSalt(tpl, {}, { services }).out).toBe(expected);
    // to everything outside the templates it is the same plain object as before (JSON, spreads, Object.keys)
    expect(Object.keys(services)).toEqual(text.includes('10: {a: 4}') ? ['10', '628', 'smtp', 'b'] : ['628', 'smtp', 'b']);
    expect(JSON.parse(JSON.stringify(services))).toEqual(services);
    // a key added later comes after the written ones, as Python appends it
    services['20'] = { a: 5 };
    expect(dictKeys(services).slice(-2)).toEqual([text.includes('10: {a: 4}') ? 10 : 'b', '20']);
  });
});

test("a tab PyYAML cannot read (indentation, before a comment, a separator, in a plain scalar) fails at its line, as Salt's loader does; a tab in a quoted or block scalar is content", () => {
  // Each case as Debian's python3-yaml (PyYAML 6, Salt's reader) loads it.
  const refused: [string, number][] = [
    ['x:\n  a: 1\n\t# c\n  b: 2\n', 3], ['x: |\n  a\n\t# c\n  b\n', 3], ['x: [1,\n\t# c\n 2]\n', 2], ['x: 1\t# c\n', 1],
    ['x: [1,\t2]\n', 1], ['x:\n\t- 1\n', 2], ['x: 1\n\t\n', 2], ['x: a\tb\n', 1], ['x: a \tb\n', 1], ['x:\t1\n', 1],
    ['- a\t\n', 1], ['k: |\n\ta\n', 2], ['k: >\n  a\n\n\tb\n', 4], ['k: [a\tb]\n', 1],
  ];
  for (const [text, line] of refused) {
    expect(() => loadSaltYaml(text, 'f.sls')).toThrow(`f.sls:${line}: YAML: found character '\\t' that cannot start any token`);
  }
  expect(loadSaltYaml('x: |\n  a\n  \t# c\n', 'f')).toEqual({ x: 'a\n\t# c\n' });
  expect(loadSaltYaml('x: "a\tb"\ny: \'a\tb\'\n# c\tc\nk: |\n  a\n  b\t\nz: {a: "\t"}\n', 'f')).toEqual({ x: 'a\tb', y: 'a\tb', k: 'a\nb\t\n', z: { a: '\t' } });
  // A tab leading a quoted scalar's continuation line is folded away (PyYAML); between flow tokens it is refused.
  const folded: [string, unknown][] = [
    ['k: "a\n\tb"\n', { k: 'a b' }],
    ['k: ["a\n\tb"]\n', { k: ['a b'] }],
    ["- 'x\n\t\ty'\n", ['x y']],
    ['k:\n  j: "a\n\t\n\tb"\n', { k: { j: 'a\nb' } }],
    ['k: "a\tb\n  c"\n', { k: 'a\tb c' }],
  ];
  for (const [text, expected] of folded) expect(loadSaltYaml(text, 'f.sls')).toEqual(expected);
  for (const text of ['k: [1,\n\t2]\n', 'k: {a: 1,\n\tb: 2}\n']) expect(() => loadSaltYaml(text, 'f.sls')).toThrow("f.sls:2: YAML: found character '\\t'");
});

describe('loadSaltYaml', () => {
  test("numbers as Salt's loader reads them: a leading zero is dropped, not octal; PyYAML's strings stay strings", () => {
    const d = loadSaltYaml('a:\n  file.managed:\n    - mode: 644\n    - dir_mode: 0755\n    - file_mode: 600\n    - other: 0644\n', 'x.sls') as Record<string, Record<string, unknown[]>>;
    expect(d['a']!['file.managed']).toEqual([{ mode: 644 }, { dir_mode: 755 }, { file_mode: 600 }, { other: 644 }]);
    expect(loadSaltYaml("[0, 000, -0644, 0x1F, 0b11, 1_000, '0644', 09, 1e3, 1.5e+3, 0644.5, 1:30]", 'x')).toEqual([0, 0, -420, 31, 3, 1000, '0644', '09', '1e3', 1500, 644.5, 90]);
    expect(loadSaltYaml('0644: a\n', 'x')).toEqual({ 644: 'a' });
  });

  test('YAML 1.1 booleans', () => {
    expect(loadSaltYaml('a: yes\nb: no\nc: on\nd: off\ne: True\nf: false\ng: "yes"\n', 'x')).toEqual({ a: true, b: false, c: true, d: false, e: true, f: false, g: 'yes' });
  });

  test('timestamps stay strings', () => {
    expect(loadSaltYaml('d: 2001-12-14\n', 'x')).toEqual({ d: '2001-12-14' });
  });

  test('flow collections continued on lines indented less than their block load as PyYAML loads them (wrapped `| yaml` output)', () => {
    const text = "id:\n  test.nop:\n    - map: {values: {name: \"two\n  words\", x: [1,\n  2]}, k: 'it''s\n  #not a comment'}\n    - text: |\n        {not flow\n    - after: 1\n";
    // PyYAML: {'id': {'test.nop': [{'map': {'values': {'name': 'two words', 'x': [1, 2]}, 'k': "it's #not a comment"}}, {'text': '{not flow\n'}, {'after': 1}]}}
    const parsed = parseSaltYaml(text, 'x.sls');
    expect(parsed.data).toEqual({ id: { 'test.nop': [{ map: { values: { name: 'two words', x: [1, 2] }, k: "it's #not a comment" } }, { text: '{not flow\n' }, { after: 1 }] } });
    expect(parsed.lineOf(['id', 'test.nop', 2])).toBe(9);
    // `{{ "Welcome to x!\n" | yaml }}` and a wrapped double-quoted scalar, continued left of their block.
    expect(loadSaltYaml("a:\n  b:\n    - contents: 'Welcome to x!\n\n  '\n    - more: \"two\n lines\"\n", 'x.sls')).toEqual({ a: { b: [{ contents: 'Welcome to x!\n' }, { more: 'two lines' }] } });
  });

  test("a quote inside a wrapped flow map's plain scalar is content, not a quoted scalar (bareos-formula's `Director's`)", () => {
    const text = 'id:\n  test.nop:\n    - context:\n        config: {description: Client resource of the Director\'s host, msg: "say \\"hi\\"", j: {"a":"b", "c":1},\n      name: bareos-fd}\n    - after: 1\n';
    // PyYAML (python3 yaml.safe_load of the same text):
    const config = { description: "Client resource of the Director's host", msg: 'say "hi"', j: { a: 'b', c: 1 }, name: 'bareos-fd' };
    expect(loadSaltYaml(text, 'x.sls')).toEqual({ id: { 'test.nop': [{ context: { config } }, { after: 1 }] } });
  });

  test('key order is preserved', () => {
    expect(Object.keys(loadSaltYaml('z: 1\na: 2\nm: 3\n', 'x') as object)).toEqual(['z', 'a', 'm']);
  });

  test('a duplicate ID is an error naming both lines', () => {
    let e: unknown;
    try {
      loadSaltYaml('nginx:\n  pkg.installed: []\n\nnginx:\n  service.running: []\n', 'web/init.sls');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(RenderError);
    expect((e as RenderError).file).toBe('web/init.sls');
    expect((e as RenderError).line).toBe(4);
    expect((e as RenderError).message).toContain("duplicate ID 'nginx' on lines 1 and 4");
  });

  test('in data files (pillar, top files) a repeated top-level key is a key, not a state ID', () => {
    expect(() => parseSaltYaml('a: 1\na: 2\n', 'p.sls', 'data')).toThrow("p.sls:2: YAML: duplicate key 'a' on lines 1 and 2 (remove or merge the repeated key)");
    expect(() => parseSaltYaml('a: 1\na: 2\n', 's.sls')).toThrow(/duplicate ID 'a'/);
  });

  test('duplicate nested keys are errors too', () => {
    expect(() => loadSaltYaml('a:\n  b: 1\n  b: 2\n', 'x')).toThrow(/duplicate key 'b' on lines 2 and 3/);
  });

  test("PyYAML's scanner and constructor: anchor names of letters, digits, - and _; a plain << value is refused (Salt 3006.1 fails both)", () => {
    expect(() => loadSaltYaml('a: &lt;b&gt;\n', 'x')).toThrow(/x:1: YAML: anchor name 'lt;b&gt;' may hold only letters/);
    expect(() => loadSaltYaml('a: &ok-1_x v\nb: *ok-1_x\n', 'x')).not.toThrow();
    expect(() => loadSaltYaml('a: <<\n', 'x')).toThrow(/x:1: YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:merge'/);
    expect(() => loadSaltYaml('a:\n  - <<\n', 'x')).toThrow(/x:2: YAML: could not determine a constructor/);
    expect(loadSaltYaml("a: '<<'\nb: x << y\n", 'x')).toEqual({ a: '<<', b: 'x << y' });
    expect(() => loadSaltYaml('a: =\n', 'x')).toThrow(/x:1: YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:value'/);
    // As a key, PyYAML reads = as a str.
    expect(loadSaltYaml('a:\n  =: x\n', 'x')).toEqual({ a: { '=': 'x' } });
  });

  test("a None key (~:) is 'null' in the data, as Python's json prints it, and None for templates", () => {
    const d = loadSaltYaml('a:\n  ~: x\n  b: 2\n', 'x') as { a: Record<string, unknown> };
    expect(Object.keys(d.a)).toEqual(['null', 'b']);
    expect(typedKeys(d.a)).toEqual([null, 'b']);
  });

  test('keys equal in Python are duplicates (1, 1.0 and true; Salt 3006.1: found conflicting ID), "1" and 1 are not', () => {
    expect(() => loadSaltYaml('a: {1: x, true: y}\n', 'x')).toThrow(/duplicate key 'True' on lines 1 and 1/);
    expect(() => loadSaltYaml('a:\n  1: x\n  1.0: y\n', 'x')).toThrow(/duplicate key '1.0' on lines 2 and 3/);
    expect(() => loadSaltYaml('a:\n  0: x\n  false: y\n', 'x')).toThrow(/duplicate key 'False'/);
    expect(loadSaltYaml('a:\n  "1": x\n  1: y\n', 'x')).toEqual({ a: { '1': 'y' } });
    // Keys Python keeps apart: the string '#1' and 1, the string 'null' and None, two NaNs.
    expect(() => loadSaltYaml("a: {'n:1': x, 1: y}\n", 'x')).not.toThrow();
    expect(() => loadSaltYaml("a:\n  'null': x\n  ~: y\n", 'x')).not.toThrow();
    expect(() => loadSaltYaml('a:\n  .nan: x\n  .NaN: y\n', 'x')).not.toThrow();
  });

  test('syntax errors carry file and line', () => {
    let e: unknown;
    try {
      loadSaltYaml('a:\n  - b\n c: [\n', 'bad.sls');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(RenderError);
    expect((e as RenderError).line).toBe(3);
    expect((e as RenderError).message).toMatch(/^bad\.sls:3: YAML: /);
  });

  test('lineOf finds keys and list items', () => {
    const p = parseSaltYaml('include:\n  - a\n  - b\nid:\n  pkg.installed: []\n', 'x');
    expect(p.lineOf(['include', 1])).toBe(3);
    expect(p.lineOf(['id'])).toBe(4);
  });
});

describe('yamlFlow', () => {
  test('flow style with quoting only where YAML needs it', () => {
    expect(yamlFlow({ a: 1, b: ['x', 'on', '1.5', 'a: b', null, true] })).toBe("{a: 1, b: [x, 'on', '1.5', 'a: b', null, true]}");
  });
});

test('single-letter y and n stay strings, as PyYAML reads them', () => {
  expect(loadSaltYaml('a: {n: 3, y: 4}\nb: [y, n, yes, no]\n', 'x.sls')).toEqual({ a: { n: 3, y: 4 }, b: ['y', 'n', true, false] });
});

test('floats only where PyYAML resolves one: e1 (a minion id) and 1e3 stay strings, through the full and the fast reader', () => {
  const text = 'a: e1\nb: 1e3\nc: 1.5\nd: 1.0e-3\ne: -.5\nf: .inf\n';
  expect(loadSaltYaml(text, 'x.sls')).toEqual({ a: 'e1', b: '1e3', c: 1.5, d: 0.001, e: '-.5', f: Infinity });
  expect(loadSaltYaml('{' + text.trim().split('\n').join(', ') + '}', 'flow.sls')).toEqual({ a: 'e1', b: '1e3', c: 1.5, d: 0.001, e: '-.5', f: Infinity });
});

test('a block scalar whose last line ends the input without a line break has none, as PyYAML reads it (import_yaml of a file: Jinja drops its trailing newline)', () => {
  // Each case as Debian's python3-yaml (PyYAML 6, Salt's reader) loads it.
  const cases: [string, unknown][] = [
    ['k: |\n  line one\n  line two', { k: 'line one\nline two' }],
    ['k: |\n  a\n  ', { k: 'a\n' }],
    ['k: >\n  a\n\n  b', { k: 'a\nb' }],
    ['- >-\n  x\n- |+\n  a', ['x', 'a']],
    ['k: |\n  a\n\n  b\n', { k: 'a\n\nb\n' }],
    ['a: |\n  x\nb: 1', { a: 'x\n', b: 1 }],
  ];
  for (const [text, expected] of cases) expect(loadSaltYaml(text, 'x.sls')).toEqual(expected);
});
