/**
 * Python methods on template values (`'a'.startswith('x')`, `l.append(1)`, `d.items()`), looked up by
 * pycompat's memberLookup. Each method gets the receiver and nunjucks' raw call arguments (kwargs trailing).
 */
import { strFormat } from './format';
import { asStr, bindArgs, isPyDict, pyEq, pyStr, pyTuple, splitArgs } from './pyvalues';

type Dict = Record<string, unknown>;
type Method<T> = (self: T, args: unknown[]) => unknown;

function stripChars(chars: unknown): string | undefined {
  return chars === undefined || chars === null ? undefined : String(chars);
}
function lstrip(s: string, chars?: string): string {
  if (chars === undefined) return s.replace(/^\s+/, '');
  let i = 0;
  while (i < s.length && chars.includes(s[i]!)) i++;
  return s.slice(i);
}
function rstrip(s: string, chars?: string): string {
  if (chars === undefined) return s.replace(/\s+$/, '');
  let i = s.length;
  while (i > 0 && chars.includes(s[i - 1]!)) i--;
  return s.slice(0, i);
}

function split(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const words = s.trim().split(/\s+/).filter(Boolean);
    if (max < 0 || words.length <= max + 1) return words;
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    for (let i = 0; i < max; i++) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    out.push(rest);
    return out;
  }
  const parts = s.split(String(sep));
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(String(sep))];
}

function rsplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (max < 0) return split(s, sep, -1);
  if (sep === undefined || sep === null) {
    const words = s.trim().split(/\s+/).filter(Boolean);
    if (words.length <= max + 1) return words;
    return [words.slice(0, words.length - max).join(' '), ...words.slice(words.length - max)];
  }
  const parts = s.split(String(sep));
  if (parts.length <= max + 1) return parts;
  return [parts.slice(0, parts.length - max).join(String(sep)), ...parts.slice(parts.length - max)];
}

function affix(s: string, x: unknown, f: (s: string, p: string) => boolean): boolean {
  return Array.isArray(x) ? x.some((p) => f(s, String(p))) : f(s, String(x));
}

const STR: Record<string, Method<string>> = {
  startswith: (s, a) => affix(s, bindArgs(['prefix'], a, 'startswith')[0], (x, p) => x.startsWith(p)),
  endswith: (s, a) => affix(s, bindArgs(['suffix'], a, 'endswith')[0], (x, p) => x.endsWith(p)),
  split: (s, a) => split(s, ...(bindArgs(['sep', 'maxsplit'], a, 'split') as [unknown, unknown])),
  rsplit: (s, a) => rsplit(s, ...(bindArgs(['sep', 'maxsplit'], a, 'rsplit') as [unknown, unknown])),
  strip: (s, a) => {
    const c = stripChars(bindArgs(['chars'], a, 'strip')[0]);
    return lstrip(rstrip(s, c), c);
  },
  lstrip: (s, a) => lstrip(s, stripChars(bindArgs(['chars'], a, 'lstrip')[0])),
  rstrip: (s, a) => rstrip(s, stripChars(bindArgs(['chars'], a, 'rstrip')[0])),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  replace: (s, a) => {
    const [o, n, c] = bindArgs(['old', 'new', 'count'], a, 'replace');
    const parts = s.split(String(o));
    const count = c === undefined || c === null || Number(c) < 0 ? parts.length : Number(c) + 1;
    return parts.slice(0, count).join(String(n)) + (count < parts.length ? String(o) + parts.slice(count).join(String(o)) : '');
  },
  format: (s, a) => strFormat(s, a),
  join: (s, a) => {
    const it = bindArgs(['iterable'], a, 'join')[0];
    const items = Array.isArray(it) ? it : isPyDict(it) ? Object.keys(it) : [...String(it)];
    return items.map((x) => {
      const v = asStr(x);
      if (v === undefined) throw new Error(`sequence item: expected str instance, ${typeof x} found`);
      return v;
    }).join(s);
  },
  splitlines: (s, a) => {
    const keep = bindArgs(['keepends'], a, 'splitlines')[0];
    const lines = s.match(/[^\r\n]*(\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
    return keep ? lines : lines.map((l) => l.replace(/(\r\n|\r|\n)$/, ''));
  },
  title: (s) => s.toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  find: (s, a) => s.indexOf(String(bindArgs(['sub'], a, 'find')[0])),
  rfind: (s, a) => s.lastIndexOf(String(bindArgs(['sub'], a, 'rfind')[0])),
  index: (s, a) => {
    const i = s.indexOf(String(bindArgs(['sub'], a, 'index')[0]));
    if (i === -1) throw new Error('ValueError: substring not found');
    return i;
  },
  count: (s, a) => {
    const sub = String(bindArgs(['sub'], a, 'count')[0]);
    return sub === '' ? s.length + 1 : s.split(sub).length - 1;
  },
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isalnum: (s) => /^[A-Za-z0-9]+$/.test(s),
  isspace: (s) => /^\s+$/.test(s),
  islower: (s) => /[a-z]/.test(s) && s === s.toLowerCase(),
  isupper: (s) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  zfill: (s, a) => {
    const w = Number(bindArgs(['width'], a, 'zfill')[0]);
    const sign = /^[-+]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(w - sign.length, '0');
  },
  ljust: (s, a) => {
    const [w, f] = bindArgs(['width', 'fillchar'], a, 'ljust');
    return s.padEnd(Number(w), f === undefined ? ' ' : String(f));
  },
  rjust: (s, a) => {
    const [w, f] = bindArgs(['width', 'fillchar'], a, 'rjust');
    return s.padStart(Number(w), f === undefined ? ' ' : String(f));
  },
  center: (s, a) => {
    const [w, f] = bindArgs(['width', 'fillchar'], a, 'center');
    const n = Math.max(0, Number(w) - s.length);
    const c = f === undefined ? ' ' : String(f);
    return c.repeat(Math.floor(n / 2)) + s + c.repeat(Math.ceil(n / 2));
  },
  partition: (s, a) => {
    const sep = String(bindArgs(['sep'], a, 'partition')[0]);
    const i = s.indexOf(sep);
    return pyTuple(i === -1 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
};

function listIndex(l: unknown[], x: unknown): number {
  const i = l.findIndex((y) => pyEq(x, y));
  if (i === -1) throw new Error(`ValueError: ${pyStr(x)} is not in list`);
  return i;
}

const LIST: Record<string, Method<unknown[]>> = {
  append: (l, a) => {
    l.push(bindArgs(['object'], a, 'append')[0]);
    return null;
  },
  extend: (l, a) => {
    const it = bindArgs(['iterable'], a, 'extend')[0];
    l.push(...(Array.isArray(it) ? it : isPyDict(it) ? Object.keys(it) : [...String(it)]));
    return null;
  },
  insert: (l, a) => {
    const [i, x] = bindArgs(['index', 'object'], a, 'insert');
    let n = Number(i);
    if (n < 0) n = Math.max(0, l.length + n);
    l.splice(n, 0, x);
    return null;
  },
  pop: (l, a) => {
    const i = bindArgs(['index'], a, 'pop')[0];
    let n = i === undefined ? l.length - 1 : Number(i);
    if (n < 0) n += l.length;
    if (n < 0 || n >= l.length) throw new Error('IndexError: pop index out of range');
    return l.splice(n, 1)[0];
  },
  index: (l, a) => listIndex(l, bindArgs(['value'], a, 'index')[0]),
  count: (l, a) => {
    const x = bindArgs(['value'], a, 'count')[0];
    return l.filter((y) => pyEq(x, y)).length;
  },
  remove: (l, a) => {
    l.splice(listIndex(l, bindArgs(['value'], a, 'remove')[0]), 1);
    return null;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  sort: (l, a) => {
    const [, kw] = splitArgs(a);
    l.sort((x, y) => (x! < y! ? -1 : x! > y! ? 1 : 0));
    if (kw['reverse']) l.reverse();
    return null;
  },
  copy: (l) => [...l],
};

const DICT: Record<string, Method<Dict>> = {
  items: (d) => Object.entries(d).map((e) => pyTuple(e)),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  get: (d, a) => {
    const [k, def] = bindArgs(['key', 'default'], a, 'get');
    const key = String(k);
    return Object.prototype.hasOwnProperty.call(d, key) ? d[key] : def === undefined ? null : def;
  },
  update: (d, a) => {
    const [pos, kw] = splitArgs(a);
    const src = pos[0];
    if (isPyDict(src)) Object.assign(d, src);
    else if (Array.isArray(src)) for (const pair of src) d[String((pair as unknown[])[0])] = (pair as unknown[])[1];
    Object.assign(d, kw);
    return null;
  },
  setdefault: (d, a) => {
    const [k, def] = bindArgs(['key', 'default'], a, 'setdefault');
    const key = String(k);
    if (!Object.prototype.hasOwnProperty.call(d, key)) d[key] = def === undefined ? null : def;
    return d[key];
  },
  pop: (d, a) => {
    const [k, def] = bindArgs(['key', 'default'], a, 'pop');
    const key = String(k);
    if (Object.prototype.hasOwnProperty.call(d, key)) {
      const v = d[key];
      delete d[key];
      return v;
    }
    if (def === undefined) throw new Error(`KeyError: '${key}'`);
    return def;
  },
  copy: (d) => ({ ...d }),
  has_key: (d, a) => Object.prototype.hasOwnProperty.call(d, String(bindArgs(['key'], a, 'has_key')[0])),
};
DICT['iteritems'] = DICT['items']!;
DICT['iterkeys'] = DICT['keys']!;
DICT['itervalues'] = DICT['values']!;

/** The Python method `name` bound to `obj`, or undefined when the type has no such method. */
export function pyMethod(obj: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  const s = asStr(obj);
  if (s !== undefined) {
    const m = Object.prototype.hasOwnProperty.call(STR, name) ? STR[name] : undefined;
    return m && ((...a: unknown[]) => m(s, a));
  }
  if (Array.isArray(obj)) {
    const m = Object.prototype.hasOwnProperty.call(LIST, name) ? LIST[name] : undefined;
    return m && ((...a: unknown[]) => m(obj, a));
  }
  if (isPyDict(obj)) {
    const m = Object.prototype.hasOwnProperty.call(DICT, name) ? DICT[name] : undefined;
    return m && ((...a: unknown[]) => m(obj, a));
  }
  return undefined;
}
