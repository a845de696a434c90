/**
 * Jinja filters and tests with Python semantics, Salt's serialiser filters (`json`, `yaml`, `yaml_encode`, ...).
 * Every filter except `default`/`d` refuses the undefined sentinel (StrictUndefined), including nunjucks' own.
 */
import { createHash } from 'crypto';
import type { Environment } from 'nunjucks';
import { traverse } from '@brine/core';
import { loadSaltYaml } from '../yaml/load';
import { yamlDoubleQuote, yamlFlow, yamlScalar, yamlSingleQuote } from '../yaml/dump';
import { formatFilter } from './format';
import { pyJson } from './json';
import { asStr, bindArgs, isPyDict, isTuple, pyBool, pyEq, pyStr, pyTuple, splitArgs } from './pyvalues';
import { isUndef, strict } from './undefined';

type Fn = (...args: unknown[]) => unknown;
type Dict = Record<string, unknown>;

/** A filter with Python parameter names after the value: positional or keyword. */
function py(names: string[], name: string, f: (v: unknown, ...a: unknown[]) => unknown): Fn {
  return (v: unknown, ...rest: unknown[]) => f(v, ...bindArgs(names, rest, name));
}

function toList(v: unknown): unknown[] {
  strict(v);
  if (Array.isArray(v)) return v;
  if (isPyDict(v)) return Object.keys(v);
  const s = asStr(v);
  if (s !== undefined) return [...s];
  if (v === null || v === undefined) return [];
  throw new Error(`'${typeof v}' object is not iterable`);
}

function attr(item: unknown, a: unknown): unknown {
  if (a === undefined || a === null) return item;
  return traverse(item, String(a), '.');
}

function cmp(a: unknown, b: unknown, caseSensitive: boolean): number {
  let x = a;
  let y = b;
  if (!caseSensitive) {
    if (typeof x === 'string') x = x.toLowerCase();
    if (typeof y === 'string') y = y.toLowerCase();
  }
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = cmp(x[i], y[i], caseSensitive);
      if (c) return c;
    }
    return x.length - y.length;
  }
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

function toInt(v: unknown, dflt: unknown = 0, base: unknown = 10): unknown {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return Number(v);
  const s = asStr(v)?.trim().replace(/_/g, '');
  if (s !== undefined) {
    const b = Number(base);
    const re = b === 16 ? /^[-+]?(0x)?[0-9a-f]+$/i : b === 8 ? /^[-+]?(0o)?[0-7]+$/i : b === 2 ? /^[-+]?(0b)?[01]+$/i : /^[-+]?\d+$/;
    if (re.test(s)) return parseInt(s.replace(/^([-+]?)0[xob]/i, '$1'), b);
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return Math.trunc(parseFloat(s));
  }
  return dflt;
}

function toFloat(v: unknown, dflt: unknown = 0): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  const s = asStr(v)?.trim();
  if (s !== undefined && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return parseFloat(s);
  return dflt;
}

function indent(v: unknown, width: unknown = 4, first: unknown = false, blank: unknown = false): string {
  const pad = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const lines = pyStr(v).split('\n');
  return lines
    .map((l, i) => ((i === 0 && !pyBool(first)) || (l === '' && !pyBool(blank)) ? l : pad + l))
    .join('\n');
}

function shellQuote(v: unknown): string {
  const s = pyStr(v);
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function selectOrReject(select: boolean, byAttr: boolean) {
  return function (this: { env: Environment }, seq: unknown, ...rest: unknown[]): unknown[] {
    const [pos] = splitArgs(rest);
    let a: unknown;
    if (byAttr) a = pos.shift();
    const testName = pos.shift();
    const env = this.env as unknown as { getTest(n: string): Fn };
    return toList(seq).filter((item) => {
      const v = byAttr ? attr(item, a) : item;
      const ok = testName === undefined ? pyBool(v ?? null) : env.getTest(String(testName)).call(this, v ?? null, ...pos) === true;
      return ok === select;
    });
  };
}

function mapFilter(this: { env: Environment }, seq: unknown, ...rest: unknown[]): unknown[] {
  const [pos, kw] = splitArgs(rest);
  if (kw['attribute'] !== undefined) return toList(seq).map((x) => attr(x, kw['attribute']) ?? kw['default'] ?? null);
  const name = String(pos.shift());
  const f = (this.env as unknown as { getFilter(n: string): Fn }).getFilter(name);
  return toList(seq).map((x) => f.call(this, x, ...pos));
}

const FILTERS: Record<string, Fn> = {
  default: py(['default_value', 'boolean'], 'default', (v, d = '', b = false) =>
    isUndef(v) || v === undefined || (pyBool(b) && !pyBool(v)) ? d : v,
  ),
  string: (v) => pyStr(v),
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  title: (v) => pyStr(v).toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()),
  capitalize: (v) => pyStr(v).charAt(0).toUpperCase() + pyStr(v).slice(1).toLowerCase(),
  trim: py(['chars'], 'trim', (v, c) => {
    const s = pyStr(v);
    if (c === undefined || c === null) return s.trim();
    const chars = String(c);
    let a = 0;
    let b = s.length;
    while (a < b && chars.includes(s[a]!)) a++;
    while (b > a && chars.includes(s[b - 1]!)) b--;
    return s.slice(a, b);
  }),
  replace: py(['old', 'new', 'count'], 'replace', (v, o, n, c) => {
    const parts = pyStr(v).split(pyStr(o));
    const k = c === undefined || c === null ? parts.length : Number(c) + 1;
    return parts.slice(0, k).join(pyStr(n)) + (k < parts.length ? pyStr(o) + parts.slice(k).join(pyStr(o)) : '');
  }),
  join: py(['d', 'attribute'], 'join', (v, d = '', a) => toList(v).map((x) => pyStr(attr(x, a))).join(pyStr(d))),
  length: (v) => (isPyDict(strict(v)) ? Object.keys(v as Dict).length : toList(v).length),
  first: (v) => toList(v)[0] ?? null,
  last: (v) => toList(v).slice(-1)[0] ?? null,
  list: (v) => [...toList(v)],
  unique: py(['case_sensitive', 'attribute'], 'unique', (v, cs = false, a) => {
    const out: unknown[] = [];
    const seen: unknown[] = [];
    for (const x of toList(v)) {
      let k = attr(x, a);
      if (!pyBool(cs) && typeof k === 'string') k = k.toLowerCase();
      if (!seen.some((s) => pyEq(s, k))) {
        seen.push(k);
        out.push(x);
      }
    }
    return out;
  }),
  sort: py(['reverse', 'case_sensitive', 'attribute'], 'sort', (v, r = false, cs = false, a) => {
    const out = [...toList(v)].sort((x, y) => cmp(attr(x, a), attr(y, a), pyBool(cs)));
    return pyBool(r) ? out.reverse() : out;
  }),
  dictsort: py(['case_sensitive', 'by', 'reverse'], 'dictsort', (v, cs = false, by = 'key', r = false) => {
    const i = by === 'value' ? 1 : 0;
    const out = Object.entries(strict(v) as Dict)
      .map((e) => pyTuple(e))
      .sort((x, y) => cmp(x[i], y[i], pyBool(cs)));
    return pyBool(r) ? out.reverse() : out;
  }),
  reverse: (v) => {
    const s = asStr(v);
    return s !== undefined ? [...s].reverse().join('') : [...toList(v)].reverse();
  },
  int: py(['default', 'base'], 'int', (v, d = 0, b = 10) => toInt(v, d, b)),
  float: py(['default'], 'float', (v, d = 0) => toFloat(v, d)),
  abs: (v) => Math.abs(Number(v)),
  round: py(['precision', 'method'], 'round', (v, p = 0, m = 'common') => {
    const f = 10 ** Number(p);
    const fn = m === 'ceil' ? Math.ceil : m === 'floor' ? Math.floor : Math.round;
    return fn(Number(v) * f) / f;
  }),
  sum: py(['attribute', 'start'], 'sum', (v, a, s = 0) => toList(v).reduce((acc: number, x) => acc + Number(attr(x, a)), Number(s))),
  min: (v) => [...toList(v)].sort((x, y) => cmp(x, y, false))[0] ?? null,
  max: (v) => [...toList(v)].sort((x, y) => cmp(y, x, false))[0] ?? null,
  items: (v) => Object.entries(strict(v) as Dict).map((e) => pyTuple(e)),
  indent: py(['width', 'first', 'blank', 'indentfirst'], 'indent', (v, w = 4, f = false, b = false, f2 = false) => indent(v, w, pyBool(f) || pyBool(f2), b)),
  selectattr: selectOrReject(true, true),
  rejectattr: selectOrReject(false, true),
  select: selectOrReject(true, false),
  reject: selectOrReject(false, false),
  map: mapFilter,
  json: py(['sort_keys', 'indent'], 'json', (v, sk = true, ind = null) => pyJson(v, { sortKeys: pyBool(sk), indent: ind as number | null })),
  tojson: py(['indent'], 'tojson', (v, ind = null) =>
    pyJson(v, { sortKeys: true, indent: ind as number | null }).replace(/[<>&']/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')),
  ),
  yaml: py(['flow_style'], 'yaml', (v) => yamlFlow(strict(v))),
  yaml_encode: (v) => yamlScalar(strict(v)),
  yaml_dquote: (v) => yamlDoubleQuote(pyStr(v)),
  yaml_squote: (v) => yamlSingleQuote(pyStr(v)),
  quote: (v) => shellQuote(v),
  load_yaml: (v) => loadSaltYaml(pyStr(v), '<load_yaml>'),
  load_json: (v) => JSON.parse(pyStr(v)),
  regex_replace: py(['regex', 'replace', 'ignorecase', 'multiline'], 'regex_replace', (v, re, rep, ic, ml) =>
    pyStr(v).replace(new RegExp(pyStr(re), 'g' + (pyBool(ic ?? false) ? 'i' : '') + (pyBool(ml ?? false) ? 'm' : '')), pyStr(rep).replace(/\\(\d)/g, '$$$1')),
  ),
  regex_match: py(['regex', 'ignorecase'], 'regex_match', (v, re, ic) => {
    const m = new RegExp('^(?:' + pyStr(re) + ')', pyBool(ic ?? false) ? 'i' : '').exec(pyStr(v));
    return m ? pyTuple(m.slice(1).map((x) => x ?? null)) : null;
  }),
  to_bool: (v) => (typeof v === 'string' ? ['true', '1', 'yes', 'on', 'y'].includes(v.toLowerCase()) : pyBool(v)),
  format: formatFilter,
  regex_search: py(['regex', 'ignorecase', 'multiline'], 'regex_search', (v, re, ic, ml) => {
    const m = new RegExp(pyStr(re), (pyBool(ic ?? false) ? 'i' : '') + (pyBool(ml ?? false) ? 'm' : '')).exec(pyStr(v));
    return m ? pyTuple(m.slice(1).map((x) => x ?? null)) : null;
  }),
  md5: (v) => hash('md5', v),
  sha256: (v) => hash('sha256', v),
  sha512: (v) => hash('sha512', v),
  is_list: (v) => Array.isArray(strict(v)),
  sequence: (v) => (Array.isArray(strict(v)) ? v : [v]),
  flatten: py(['levels'], 'flatten', (v, levels = null) => flatten(toList(v), levels === null ? Infinity : Number(levels))),
  traverse: py(['key', 'default', 'delimiter'], 'traverse', (v, k, d = null, delim = ':') => traverse(strict(v), pyStr(k), pyStr(delim)) ?? d),
  base64_encode: (v) => Buffer.from(pyStr(v)).toString('base64'),
  base64_decode: (v) => Buffer.from(pyStr(v), 'base64').toString('utf8'),
};
FILTERS['d'] = FILTERS['default']!;
FILTERS['count'] = FILTERS['length']!;

function hash(algo: string, v: unknown): string {
  return createHash(algo).update(pyStr(v)).digest('hex');
}

function flatten(list: unknown[], levels: number): unknown[] {
  return list.flatMap((x) => (Array.isArray(x) && levels > 0 ? flatten(x, levels - 1) : [x]));
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number';
}

const TESTS: Record<string, Fn> = {
  defined: (v) => !isUndef(v) && v !== undefined,
  undefined: (v) => isUndef(v) || v === undefined,
  none: (v) => v === null,
  string: (v) => asStr(v) !== undefined,
  number: isNumber,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  mapping: (v) => isPyDict(v),
  sequence: (v) => Array.isArray(v) || asStr(v) !== undefined || isPyDict(v),
  iterable: (v) => Array.isArray(v) || asStr(v) !== undefined || isPyDict(v),
  list: (v) => Array.isArray(v) && !isTuple(v),
  callable: (v) => typeof v === 'function',
  eq: (a, b) => pyEq(a, b),
  ne: (a, b) => !pyEq(a, b),
  lt: (a, b) => (strict(a) as number) < (strict(b) as number),
  le: (a, b) => (strict(a) as number) <= (strict(b) as number),
  gt: (a, b) => (strict(a) as number) > (strict(b) as number),
  ge: (a, b) => (strict(a) as number) >= (strict(b) as number),
  in: (a, b) => (Array.isArray(b) ? b.some((x) => pyEq(a, x)) : isPyDict(b) ? String(a) in b : pyStr(b).includes(pyStr(a))),
  odd: (v) => Number(strict(v)) % 2 === 1,
  even: (v) => Number(strict(v)) % 2 === 0,
  divisibleby: (v, n) => Number(strict(v)) % Number(n) === 0,
  sameas: (a, b) => a === b,
  lower: (v) => pyStr(v) === pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v) === pyStr(v).toUpperCase(),
  match: (v, re) => new RegExp('^(?:' + pyStr(re) + ')').test(pyStr(v)),
};
for (const [a, b] of [['equalto', 'eq'], ['==', 'eq'], ['!=', 'ne'], ['<', 'lt'], ['<=', 'le'], ['>', 'gt'], ['>=', 'ge'], ['greaterthan', 'gt'], ['lessthan', 'lt']] as const) {
  TESTS[a] = TESTS[b]!;
}

/** Install the filters and tests on an environment; every filter but `default`/`d` refuses an undefined value. */
export function installFilters(env: Environment): void {
  const all: Record<string, Fn> = { ...(env as unknown as { filters: Record<string, Fn> }).filters, ...FILTERS };
  for (const [name, f] of Object.entries(all)) {
    if (name === 'default' || name === 'd') env.addFilter(name, f);
    else
      env.addFilter(name, function (this: unknown, v: unknown, ...rest: unknown[]) {
        return f.call(this, strict(v), ...rest);
      });
  }
  const withTests = env as unknown as { addTest(name: string, t: Fn): void };
  for (const [name, t] of Object.entries(TESTS)) withTests.addTest(name, t);
}
