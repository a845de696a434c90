/** PyYAML's dump as Salt runs it: random data recorded from Python (pyyaml-cases.ts), plus Salt's documented examples. */
import { PyDict, PyFloat } from '../jinja/values';
import { YAML_CASES } from './pyyaml-cases';
import { yamlDoubleQuoted, yamlDump, yamlSingleQuoted } from './pyyaml';
import { setOwn } from './py';

type Enc = null | boolean | { s: string } | { i: number } | { f: number } | { l: Enc[] } | { d: [Enc, Enc][]; o: boolean };

function decode(v: Enc): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if ('s' in v) return v.s;
  if ('i' in v) return v.i;
  if ('f' in v) return Number.isInteger(v.f) ? new PyFloat(v.f) : v.f;
  if ('l' in v) return v.l.map(decode);
  if (v.o) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.d) setOwn(o, decode(k) as string, decode(x));
    return o;
  }
  return new PyDict(v.d.map(([k, x]) => [decode(k), decode(x)]));
}

describe('yamlDump matches PyYAML + libyaml', () => {
  test.each(YAML_CASES.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const data = decode(c.v as Enc);
    expect(yamlDump(data, { defaultFlowStyle: true, allowUnicode: true, orderedPlain: true, unknownAsNull: true })).toBe(c.expected.flow);
    expect(yamlDump(data, { defaultFlowStyle: false, allowUnicode: true, orderedPlain: true, unknownAsNull: true })).toBe(c.expected.block);
    expect(yamlDump(data, { defaultFlowStyle: null, allowUnicode: true, orderedPlain: true, unknownAsNull: true })).toBe(c.expected.none);
    expect(yamlDump(data, { defaultFlowStyle: null })).toBe(c.expected.ser);
  });
});

describe('scalars and documented forms', () => {
  test('Salt docs: yaml filter flow and block', () => {
    const data = new PyDict([['foo', true], ['bar', 42], ['baz', [1, 2, 3]], ['qux', new PyFloat(2)]]);
    expect(yamlDump(data, { defaultFlowStyle: true, allowUnicode: true })).toBe('{bar: 42, baz: [1, 2, 3], foo: true, qux: 2.0}\n');
    expect(yamlDump(data, { defaultFlowStyle: false, allowUnicode: true })).toBe('bar: 42\nbaz:\n- 1\n- 2\n- 3\nfoo: true\nqux: 2.0\n');
  });
  test('floats keep their dot, big ones their exponent', () => {
    expect(yamlDump([new PyFloat(1e17), 1.5, new PyFloat(3), NaN, -Infinity], { defaultFlowStyle: false })).toBe('- 1.0e+17\n- 1.5\n- 3.0\n- .nan\n- -.inf\n');
  });
  test('strings that would read as other types are quoted', () => {
    expect(yamlDump(['yes', 'null', '1', '1.5', '~', '', '2024-01-01', '0x1f', 'on'], { defaultFlowStyle: true })).toBe(
      "['yes', 'null', '1', '1.5', '~', '', '2024-01-01', '0x1f', 'on']\n",
    );
  });
  test('unknown objects: NULL in the filter, an error in the serializer', () => {
    const odd = { pyType: 'Markup', pyStr: () => 'x' };
    expect(yamlDump([Object.assign(Object.create({}), odd)], { unknownAsNull: true, defaultFlowStyle: true })).toBe('[NULL]\n');
    expect(() => yamlDump([Object.assign(Object.create({}), odd)])).toThrow(/cannot represent an object/);
  });
  test('yaml_dquote / yaml_squote never wrap', () => {
    const long = 'word '.repeat(40);
    expect(yamlDoubleQuoted(long)).toBe(`"${long}"`);
    expect(yamlDoubleQuoted('a\tb "c" é')).toBe('"a\\tb \\"c\\" \\xE9"');
    expect(yamlSingleQuoted("it's")).toBe("'it''s'");
  });
});
