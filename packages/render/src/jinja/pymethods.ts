/** Python methods of str, list, tuple, dict, int and float, as templates call them (`'a b'.split()`, `d.items()`). */
import { TemplateError } from './errors';
import { strFormat } from './format';
import {
  MISSING, PyDict, keepOdict, isOdict, pyView, dictDelete, dictEntries, dictGet, dictHas, dictKeys, dictLen, dictSet, dictValues, isDict, isFloat,
  isInt, isTuple, mkFloat, num, pyEq, pyIter, pyRepr, pyStr, pyTuple, strict, type Dict, typeName,
} from './values';

export type Method<T> = (self: T, a: unknown[], kw: Dict, getattr: (o: unknown, k: string) => unknown) => unknown;

/** Bind positional and keyword arguments to Python parameter names; missing ones are `undefined`. */
/**
 * Arguments by position and keyword. Each is used, so an undefined one raises, except the `lazy` ones (by name) a
 * method may only store or return (`d.get('a', x)` where `a` is there): those raise only where they are used, as
 * Jinja's StrictUndefined does.
 */
export function bind(names: string[], a: unknown[], kw: Dict, fname: string, required = 0, lazy: string[] = []): unknown[] {
  if (a.length > names.length) {
    throw new TemplateError(`${fname}() takes at most ${names.length} argument${names.length === 1 ? '' : 's'} (${a.length} given)`, 'type');
  }
  const out: unknown[] = names.map((_, i) => a[i]);
  for (const [k, v] of Object.entries(kw)) {
    const i = names.indexOf(k);
    if (i === -1) throw new TemplateError(`${fname}() got an unexpected keyword argument '${k}'`, 'type');
    if (i < a.length) throw new TemplateError(`${fname}() got multiple values for argument '${k}'`, 'type');
    out[i] = v;
  }
  for (let i = 0; i < required; i++) {
    if (out[i] === undefined) throw new TemplateError(`${fname}() missing required argument: '${names[i]}'`, 'type');
  }
  out.forEach((v, i) => lazy.includes(names[i]!) || strict(v));
  return out;
}

const optStr = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new TemplateError(`${what} arg must be None or str`, 'type');
  return v;
};
const wantStr = (v: unknown, fname: string): string => {
  if (typeof v !== 'string') throw new TemplateError(`${fname}() argument must be str, not ${typeName(v)}`, 'type');
  return v;
};
const wantInt = (v: unknown, fname: string): number => {
  if (!isInt(v) && typeof v !== 'boolean') throw new TemplateError(`'${typeName(v)}' object cannot be interpreted as an integer`, 'type');
  void fname;
  return num(v);
};

const WS = ' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const isWs = (c: string): boolean => WS.includes(c);

function lstrip(s: string, chars?: string): string {
  let i = 0;
  while (i < s.length && (chars === undefined ? isWs(s[i]!) : chars.includes(s[i]!))) i++;
  return s.slice(i);
}
function rstrip(s: string, chars?: string): string {
  let i = s.length;
  while (i > 0 && (chars === undefined ? isWs(s[i - 1]!) : chars.includes(s[i - 1]!))) i--;
  return s.slice(0, i);
}

function splitWs(s: string, max: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isWs(s[i]!)) i++;
    if (i >= n) break;
    if (max >= 0 && out.length === max) {
      out.push(rstrip(s.slice(i)));
      return out;
    }
    let j = i;
    while (j < n && !isWs(s[j]!)) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function split(s: string, sep: string | undefined, max: number): string[] {
  if (sep === undefined) return splitWs(s, max);
  if (sep === '') throw new TemplateError('empty separator', 'runtime');
  const parts = s.split(sep);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sep)];
}

function rsplit(s: string, sep: string | undefined, max: number): string[] {
  if (max < 0) return split(s, sep, -1);
  if (sep === undefined) {
    const rev = splitWs([...s].reverse().join(''), max).map((w) => [...w].reverse().join(''));
    return rev.reverse();
  }
  if (sep === '') throw new TemplateError('empty separator', 'runtime');
  const parts = s.split(sep);
  if (parts.length <= max + 1) return parts;
  return [parts.slice(0, parts.length - max).join(sep), ...parts.slice(parts.length - max)];
}

function affix(s: string, x: unknown, f: (p: string) => boolean, fname: string): boolean {
  if (Array.isArray(x)) return x.some((p) => f(wantStr(p, fname)));
  if (typeof x !== 'string') throw new TemplateError(`${fname} first arg must be str or a tuple of str, not ${typeName(x)}`, 'type');
  return f(x);
}

/** Python's str.title(): a letter after a non-letter starts a word. */
function title(s: string): string {
  let out = '';
  let prevCased = false;
  for (const c of s) {
    const cased = c.toLowerCase() !== c.toUpperCase();
    out += cased ? (prevCased ? c.toLowerCase() : c.toUpperCase()) : c;
    prevCased = cased;
  }
  return out;
}

function subRange(s: string, start: unknown, end: unknown): [number, number] {
  const n = s.length;
  const norm = (v: unknown, d: number): number => {
    if (v === undefined || v === null) return d;
    let x = num(v);
    if (x < 0) x = Math.max(0, x + n);
    return Math.min(x, n);
  };
  return [norm(start, 0), norm(end, n)];
}

function countSub(s: string, sub: string): number {
  if (sub === '') return s.length + 1;
  let c = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) c++;
  return c;
}

const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);
const isAlpha = (c: string): boolean => /\p{L}/u.test(c);
const allChars = (s: string, f: (c: string) => boolean): boolean => s.length > 0 && [...s].every(f);

function expandtabs(s: string, size: number): string {
  let out = '';
  let col = 0;
  for (const c of s) {
    if (c === '\t') {
      const n = size > 0 ? size - (col % size) : 0;
      out += ' '.repeat(n);
      col += n;
    } else {
      out += c;
      col = c === '\n' || c === '\r' ? 0 : col + 1;
    }
  }
  return out;
}

const STR: Record<string, Method<string>> = {
  startswith: (s, a, kw) => {
    const [p, st, en] = bind(['prefix', 'start', 'end'], a, kw, 'startswith', 1);
    const [i, j] = subRange(s, st, en);
    const t = s.slice(i, j);
    return affix(t, p, (x) => t.startsWith(x), 'startswith');
  },
  endswith: (s, a, kw) => {
    const [p, st, en] = bind(['suffix', 'start', 'end'], a, kw, 'endswith', 1);
    const [i, j] = subRange(s, st, en);
    const t = s.slice(i, j);
    return affix(t, p, (x) => t.endsWith(x), 'endswith');
  },
  split: (s, a, kw) => {
    const [sep, max] = bind(['sep', 'maxsplit'], a, kw, 'split');
    return split(s, optStr(sep, 'split'), max === undefined ? -1 : num(max));
  },
  rsplit: (s, a, kw) => {
    const [sep, max] = bind(['sep', 'maxsplit'], a, kw, 'rsplit');
    return rsplit(s, optStr(sep, 'rsplit'), max === undefined ? -1 : num(max));
  },
  splitlines: (s, a, kw) => {
    const [keep] = bind(['keepends'], a, kw, 'splitlines');
    const lines = s.match(/[^\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029])|[^\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+$/g) ?? [];
    return keep ? lines : lines.map((l) => l.replace(/(?:\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029])$/, ''));
  },
  strip: (s, a, kw) => {
    const c = optStr(bind(['chars'], a, kw, 'strip')[0], 'strip');
    return lstrip(rstrip(s, c), c);
  },
  lstrip: (s, a, kw) => lstrip(s, optStr(bind(['chars'], a, kw, 'lstrip')[0], 'lstrip')),
  rstrip: (s, a, kw) => rstrip(s, optStr(bind(['chars'], a, kw, 'rstrip')[0], 'rstrip')),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  casefold: (s) => s.toLowerCase().replace(/ß/g, 'ss'),
  swapcase: (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  title: (s) => title(s),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  replace: (s, a, kw) => {
    const [o, n, c] = bind(['old', 'new', 'count'], a, kw, 'replace', 2);
    const old = wantStr(o, 'replace');
    const nw = wantStr(n, 'replace');
    let count = c === undefined ? -1 : num(c);
    if (old === '') {
      const chars = [...s];
      let out = '';
      for (let i = 0; i <= chars.length; i++) {
        if (count !== 0) {
          out += nw;
          count--;
        }
        if (i < chars.length) out += chars[i];
      }
      return out;
    }
    const parts = s.split(old);
    if (count < 0 || count >= parts.length - 1) return parts.join(nw);
    return parts.slice(0, count + 1).join(nw) + old + parts.slice(count + 1).join(old);
  },
  format: (s, a, kw, getattr) => strFormat(s, a, kw, getattr),
  format_map: (s, a, kw, getattr) => {
    const m = a[0];
    return strFormat(s, [], isDict(m) ? Object.fromEntries(dictEntries(m).map(([k, v]) => [pyStr(k), v])) : {}, getattr);
  },
  join: (s, a, kw) => {
    const it = bind(['iterable'], a, kw, 'join', 1)[0];
    return pyIter(it).map((x, i) => {
      if (typeof x !== 'string') throw new TemplateError(`sequence item ${i}: expected str instance, ${typeName(x)} found`, 'type');
      return x;
    }).join(s);
  },
  find: (s, a, kw) => {
    const [sub, st, en] = bind(['sub', 'start', 'end'], a, kw, 'find', 1);
    const [i, j] = subRange(s, st, en);
    const k = s.slice(i, j).indexOf(wantStr(sub, 'find'));
    return k === -1 ? -1 : k + i;
  },
  rfind: (s, a, kw) => {
    const [sub, st, en] = bind(['sub', 'start', 'end'], a, kw, 'rfind', 1);
    const [i, j] = subRange(s, st, en);
    const k = s.slice(i, j).lastIndexOf(wantStr(sub, 'rfind'));
    return k === -1 ? -1 : k + i;
  },
  index: (s, a, kw, g) => {
    const r = STR['find']!(s, a, kw, g) as number;
    if (r === -1) throw new TemplateError('substring not found', 'runtime');
    return r;
  },
  rindex: (s, a, kw, g) => {
    const r = STR['rfind']!(s, a, kw, g) as number;
    if (r === -1) throw new TemplateError('substring not found', 'runtime');
    return r;
  },
  count: (s, a, kw) => {
    const [sub, st, en] = bind(['sub', 'start', 'end'], a, kw, 'count', 1);
    const [i, j] = subRange(s, st, en);
    return countSub(s.slice(i, j), wantStr(sub, 'count'));
  },
  isdigit: (s) => allChars(s, isDigit),
  isdecimal: (s) => allChars(s, isDigit),
  isnumeric: (s) => allChars(s, (c) => /\p{N}/u.test(c)),
  isalpha: (s) => allChars(s, isAlpha),
  isalnum: (s) => allChars(s, (c) => isAlpha(c) || /\p{N}/u.test(c)),
  isspace: (s) => allChars(s, isWs),
  islower: (s) => /\p{Ll}/u.test(s) && !/\p{Lu}|\p{Lt}/u.test(s),
  isupper: (s) => /\p{Lu}/u.test(s) && !/\p{Ll}|\p{Lt}/u.test(s),
  istitle: (s) => title(s) === s && /\p{L}/u.test(s),
  isidentifier: (s) => /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(s),
  isascii: (s) => /^[\x00-\x7f]*$/.test(s),
  isprintable: (s) => !/[\x00-\x1f\x7f-\xa0\xad]/.test(s),
  zfill: (s, a, kw) => {
    const w = wantInt(bind(['width'], a, kw, 'zfill', 1)[0], 'zfill');
    const sign = /^[-+]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(w - sign.length, '0');
  },
  ljust: (s, a, kw) => {
    const [w, f] = bind(['width', 'fillchar'], a, kw, 'ljust', 1);
    return s.padEnd(wantInt(w, 'ljust'), f === undefined ? ' ' : wantStr(f, 'ljust'));
  },
  rjust: (s, a, kw) => {
    const [w, f] = bind(['width', 'fillchar'], a, kw, 'rjust', 1);
    return s.padStart(wantInt(w, 'rjust'), f === undefined ? ' ' : wantStr(f, 'rjust'));
  },
  center: (s, a, kw) => {
    const [w, f] = bind(['width', 'fillchar'], a, kw, 'center', 1);
    const n = Math.max(0, wantInt(w, 'center') - s.length);
    const c = f === undefined ? ' ' : wantStr(f, 'center');
    const left = Math.floor(n / 2) + (n & wantInt(w, 'center') & 1);
    return c.repeat(left) + s + c.repeat(n - left);
  },
  partition: (s, a, kw) => {
    const sep = wantStr(bind(['sep'], a, kw, 'partition', 1)[0], 'partition');
    const i = s.indexOf(sep);
    return pyTuple(i === -1 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  rpartition: (s, a, kw) => {
    const sep = wantStr(bind(['sep'], a, kw, 'rpartition', 1)[0], 'rpartition');
    const i = s.lastIndexOf(sep);
    return pyTuple(i === -1 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  removeprefix: (s, a, kw) => {
    const p = wantStr(bind(['prefix'], a, kw, 'removeprefix', 1)[0], 'removeprefix');
    return p && s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, a, kw) => {
    const p = wantStr(bind(['suffix'], a, kw, 'removesuffix', 1)[0], 'removesuffix');
    return p && s.endsWith(p) ? s.slice(0, -p.length) : s;
  },
  expandtabs: (s, a, kw) => {
    const t = bind(['tabsize'], a, kw, 'expandtabs')[0];
    return expandtabs(s, t === undefined ? 8 : num(t));
  },
  encode: (s) => s,
  decode: (s) => s,
};

function listIndex(l: unknown[], x: unknown, what: string): number {
  const i = l.findIndex((y) => pyEq(x, y));
  if (i === -1) throw new TemplateError(what === 'tuple' ? 'tuple.index(x): x not in tuple' : `${pyRepr(x)} is not in list`, 'runtime');
  return i;
}

function seqIndex(l: unknown[], a: unknown[], kw: Dict, what: string): number {
  const [x, start, stop] = bind(['value', 'start', 'stop'], a, kw, 'index', 1);
  const n = l.length;
  const norm = (v: unknown, d: number): number => {
    if (v === undefined || v === null) return d;
    let i = num(v);
    if (i < 0) i = Math.max(0, i + n);
    return Math.min(i, n);
  };
  const i0 = norm(start, 0);
  const i = listIndex(l.slice(i0, norm(stop, n)), x, what);
  return i + i0;
}

const TUPLE_METHODS: Record<string, Method<unknown[]>> = {
  index: (l, a, kw) => seqIndex(l, a, kw, 'tuple'),
  count: (l, a, kw) => {
    const x = bind(['value'], a, kw, 'count', 1)[0];
    return l.filter((y) => pyEq(x, y)).length;
  },
};

/** Set by the engine: Python's sort order for `list.sort()`. */
let sortKey: (a: unknown, b: unknown) => number = () => 0;
export function setSortOrder(f: (a: unknown, b: unknown) => number): void {
  sortKey = f;
}

const LIST: Record<string, Method<unknown[]>> = {
  ...TUPLE_METHODS,
  index: (l, a, kw) => seqIndex(l, a, kw, 'list'),
  append: (l, a, kw) => {
    l.push(bind(['object'], a, kw, 'append', 1, ['object'])[0]);
    return null;
  },
  extend: (l, a, kw) => {
    l.push(...pyIter(bind(['iterable'], a, kw, 'extend', 1)[0]));
    return null;
  },
  insert: (l, a, kw) => {
    const [i, x] = bind(['index', 'object'], a, kw, 'insert', 2, ['object']);
    let n = num(i);
    if (n < 0) n = Math.max(0, l.length + n);
    l.splice(Math.min(n, l.length), 0, x);
    return null;
  },
  pop: (l, a, kw) => {
    const i = bind(['index'], a, kw, 'pop')[0];
    if (!l.length) throw new TemplateError('pop from empty list', 'runtime');
    let n = i === undefined ? l.length - 1 : num(i);
    if (n < 0) n += l.length;
    if (n < 0 || n >= l.length) throw new TemplateError('pop index out of range', 'runtime');
    return l.splice(n, 1)[0];
  },
  remove: (l, a, kw) => {
    const x = bind(['value'], a, kw, 'remove', 1)[0];
    const i = l.findIndex((y) => pyEq(x, y));
    if (i === -1) throw new TemplateError('list.remove(x): x not in list', 'runtime');
    l.splice(i, 1);
    return null;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  sort: (l, a, kw) => {
    if (a.length) throw new TemplateError('sort() takes no positional arguments', 'type');
    const { reverse } = kw;
    const sorted = [...l].sort(sortKey);
    if (reverse) sorted.reverse();
    l.splice(0, l.length, ...sorted);
    return null;
  },
  copy: (l) => [...l],
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

type AnyDict = PyDict | Dict;

function missingKey(k: unknown): TemplateError {
  return new TemplateError(pyRepr(k), 'runtime');
}

function updateFrom(d: AnyDict, src: unknown): void {
  if (src === undefined) return;
  if (isDict(src)) for (const [k, v] of dictEntries(src)) dictSet(d, k, v);
  else {
    for (const pair of pyIter(src)) {
      const p = pyIter(pair);
      if (p.length !== 2) throw new TemplateError(`dictionary update sequence element has length ${p.length}; 2 is required`, 'runtime');
      dictSet(d, p[0], p[1]);
    }
  }
}

const DICT: Record<string, Method<AnyDict>> = {
  items: (d) => pyView(dictEntries(d).map((e) => pyTuple(e)), `${isOdict(d) ? 'o' : ''}dict_items`),
  keys: (d) => pyView(dictKeys(d), `${isOdict(d) ? 'o' : ''}dict_keys`),
  values: (d) => pyView(dictValues(d), `${isOdict(d) ? 'o' : ''}dict_values`),
  get: (d, a, kw) => {
    const [k, def] = bind(['key', 'default'], a, kw, 'get', 1, ['default']);
    const v = dictGet(d, k);
    return v !== MISSING ? v : def === undefined ? null : def;
  },
  update: (d, a, kw) => {
    if (a.length > 1) throw new TemplateError(`update expected at most 1 argument, got ${a.length}`, 'type');
    updateFrom(d, a[0]);
    for (const [k, v] of Object.entries(kw)) dictSet(d, k, v);
    return null;
  },
  setdefault: (d, a, kw) => {
    const [k, def] = bind(['key', 'default'], a, kw, 'setdefault', 1, ['default']);
    if (!dictHas(d, k)) dictSet(d, k, def === undefined ? null : def);
    return dictGet(d, k);
  },
  pop: (d, a, kw) => {
    const [k, def] = bind(['key', 'default'], a, kw, 'pop', 1, ['default']);
    const v = dictGet(d, k);
    if (v !== MISSING) {
      dictDelete(d, k);
      return v;
    }
    if (def === undefined) throw missingKey(k);
    return def;
  },
  popitem: (d) => {
    const e = dictEntries(d);
    if (!e.length) throw new TemplateError("'popitem(): dictionary is empty'", 'runtime');
    const last = e[e.length - 1]!;
    dictDelete(d, last[0]);
    return pyTuple([last[0], last[1]]);
  },
  copy: (d) => keepOdict(d, new PyDict(dictEntries(d))),
  clear: (d) => {
    for (const k of dictKeys(d)) dictDelete(d, k);
    return null;
  },
};

const INT: Record<string, Method<number | bigint>> = {
  bit_length: (n) => (typeof n === 'bigint' ? (n < 0n ? -n : n).toString(2).length : n === 0 ? 0 : Math.abs(n).toString(2).length),
  conjugate: (n) => n,
};
const FLOAT: Record<string, Method<number>> = {
  is_integer: (n) => Number.isInteger(n),
  conjugate: (n) => mkFloat(n),
};

const own = <T>(table: Record<string, T>, name: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;

/** The Python method `name` of `obj`'s type, or undefined. */
export function findMethod(obj: unknown, name: string): Method<never> | undefined {
  if (typeof obj === 'string') return own(STR, name) as Method<never> | undefined;
  if (Array.isArray(obj)) return own(isTuple(obj) ? TUPLE_METHODS : LIST, name) as Method<never> | undefined;
  if (isDict(obj)) return own(DICT, name) as Method<never> | undefined;
  if (typeof obj === 'boolean' || isInt(obj)) return own(INT, name) as Method<never> | undefined;
  if (isFloat(obj)) return own(FLOAT, name) as Method<never> | undefined;
  return undefined;
}

/** Non-method attributes of numbers (`x.real`, `x.imag`). */
export function numberAttr(obj: unknown, name: string): unknown {
  if (typeof obj === 'boolean' || isInt(obj) || isFloat(obj)) {
    if (name === 'real') return typeof obj === 'boolean' ? Number(obj) : obj;
    if (name === 'imag') return isFloat(obj) ? mkFloat(0) : 0;
    if (name === 'numerator' && !isFloat(obj)) return typeof obj === 'boolean' ? Number(obj) : obj;
    if (name === 'denominator' && !isFloat(obj)) return 1;
  }
  return MISSING;
}

