/**
 * Brine-side behaviour of the Jinja engine that the differential corpus cannot show: Python-keyed dicts never
 * misrender silently, errors name the innermost template and line, and the documented refusals.
 */
import { JinjaEngine, TemplateError } from './engine';

const render = (src: string, vars: Record<string, unknown> = {}, files: Record<string, string> = {}): string =>
  new JinjaEngine({ load: (n) => files[n] ?? null }).renderString(src, vars, 'main.j2');

function thrown(f: () => unknown): TemplateError {
  try {
    f();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError');
}

describe('dicts with bool, int and None keys behave as Python dicts (the silent-misrender class)', () => {
  test.each([
    [`{{ {True: 'running', False: 'dead'}.get(x) }}`, { x: true }, 'running'],
    [`{{ {True: 'running', False: 'dead'}.get(x) }}`, { x: false }, 'dead'],
    [`{{ {True: 'running', False: 'dead'}[x] }}`, { x: 1 }, 'running'],
    [`{{ {0: 'off', 1: 'on'}[x] }}`, { x: true }, 'on'],
    [`{{ {1: 'int', 1.0: 'float', True: 'bool'} }}`, {}, "{1: 'bool'}"],
    [`{{ {None: 'none'}.get(x, 'missing') }}`, { x: null }, 'none'],
    [`{{ {1: 'a'}['1'] is defined }}`, {}, 'False'],
    [`{{ {1: 'a'}.get('1', 'str key absent') }}`, {}, 'str key absent'],
    [`{{ x in {1: 'a'} }} {{ x in {True: 'a'} }}`, { x: 1 }, 'True True'],
    [`{% set d = {} %}{% do d.update({False: 0}) %}{{ d[0] }} {{ d }}`, {}, '0 {False: 0}'],
    [`{% for k, v in {2: 'b', 1: 'a', None: 'n'}.items() %}{{ k }}={{ v }};{% endfor %}`, {}, '2=b;1=a;None=n;'],
    [`{{ {(1, 2): 'tuple'}[(1, 2)] }}`, {}, 'tuple'],
    [`service.{{ {True: 'running', False: 'dead'}.get(enabled) }}`, { enabled: false }, 'service.dead'],
  ])('%s with %j', (src, vars, want) => {
    expect(render(src, vars)).toBe(want);
  });

  test('an unhashable key is a TypeError, not a silent string key', () => {
    expect(thrown(() => render('{{ {[1]: 2} }}')).kind).toBe('type');
  });
});

describe('errors name the innermost template and its line', () => {
  test('a syntax error inside an imported template names that file', () => {
    const e = thrown(() => render(`{% from 'lib.j2' import m %}\n{{ m() }}`, {}, { 'lib.j2': '{% macro m() %}\n{{ 1 + }}\n{% endmacro %}' }));
    expect([e.kind, e.file, e.line]).toEqual(['syntax', 'lib.j2', 2]);
  });

  test('an undefined value inside an included template names that file and line', () => {
    const e = thrown(() => render(`a\n{% include 'part.j2' %}`, {}, { 'part.j2': 'x\ny\n{{ nope.attr }}' }));
    expect([e.kind, e.file, e.line]).toEqual(['undefined', 'part.j2', 3]);
  });

  test('after a macro returns, an error in the caller is placed in the caller', () => {
    const e = thrown(() => render(`{% macro m() %}\nok\n{% endmacro %}\n{{ m() ~ missing }}`));
    expect([e.kind, e.file, e.line]).toEqual(['undefined', 'main.j2', 4]);
  });
});

describe('documented differences', () => {
  test('\\N{...} escapes are refused with the line (Node has no Unicode name database)', () => {
    const e = thrown(() => render(`ok\n{{ "\\N{BULLET}" }}`));
    expect([e.kind, e.line]).toEqual(['syntax', 2]);
    expect(e.message).toMatch(/\\N\{\.\.\.\} escapes are not supported/);
  });
});

describe("Jinja2's random filter (its value is random: its shape is what can be compared)", () => {
  test('an item of the sequence, a character of a string, undefined for an empty one', () => {
    for (let i = 0; i < 20; i++) expect(['a', 'b', 'c']).toContain(render("{{ ['a', 'b', 'c'] | random }}"));
    expect(render('{{ [7] | random }} {{ "x" | random }} {{ (range(3, 4) | random) + 1 }}')).toBe('7 x 4');
    expect(render('{{ ([] | random) is defined }}')).toBe('False');
    expect(thrown(() => render('{{ ([] | random) + 1 }}')).message).toMatch(/No random item, sequence was empty/);
  });
});
