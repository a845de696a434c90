/** Jinja2 3.1's built-in filters, with Python semantics. Filters that return generators in Jinja return PyGenerator. */
import { TemplateError } from './errors';
import { fixedForm, percentFormat } from './format';
import { PySlice, binop, pyCmp } from './ops';
import { bind } from './pymethods';
import { callValue, getattr, getattrOnly, getitem, type CallCtx, type FilterFn } from './runtime';
import { jsonDumps } from './json';
import { urlizeFilter } from './urlize';
import {
  Markup, htmlEscape, MISSING, PyDict, PyFloat, Undefined, dictEntries, isDict, isOdict, isFloat, isInt, isNumber, isTuple, mkFloat, num, pyBool, pyEq,
  pyIter, pyLen, pyRepr, pyStr, pyTuple, strict, type Dict, typeName,
} from './values';

/** A one-shot iterator (a Python generator): truthy, consumed by the first iteration. */
export class PyGenerator {
  readonly pyType = 'generator';
  private items: unknown[] | null;
  constructor(items: unknown[]) {
    this.items = items;
  }
  pyIter(): unknown[] {
    const it = this.items ?? [];
    this.items = null;
    return it;
  }
  pyRepr(): string {
    return '<generator object>';
  }
}

const softStr = (v: unknown): string => pyStr(v);

/** Python's `sorted` order: a TypeError between types that do not compare. */
export function pySortCompare(a: unknown, b: unknown): number {
  return pyCmp(a, b, '<');
}

function lowerIfStr(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** Jinja's make_attrgetter: dotted paths, integer parts index. */
export function attrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown, dflt?: unknown): (item: unknown) => unknown {
  const parts = attribute === null || attribute === undefined ? [] : typeof attribute === 'number' ? [attribute] : String(attribute).split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return (item) => {
    let v = item;
    for (const p of parts) {
      v = getitem(v, p);
      if (v instanceof Undefined && dflt !== undefined) {
        v = dflt;
        break;
      }
    }
    return postprocess ? postprocess(v) : v;
  };
}

function stableSort<T>(items: T[], key: (x: T) => unknown, reverse: boolean): T[] {
  const idx = items.map((x, i) => ({ k: key(x), x, i }));
  idx.sort((a, b) => {
    const c = pySortCompare(a.k, b.k);
    return (reverse ? -c : c) || a.i - b.i;
  });
  return idx.map((e) => e.x);
}

function pyRoundHalfEven(x: number, prec: number): number {
  if (!Number.isFinite(x)) return x;
  if (prec < 0) {
    const f = 10 ** -prec;
    const q = x / f;
    const fl = Math.floor(q);
    const diff = q - fl;
    const r = diff > 0.5 || (diff === 0.5 && fl % 2 !== 0) ? fl + 1 : fl;
    return r * f;
  }
  return Number(fixedForm(x, prec));
}

/** An int as the engine keeps it: a JS number while exact, else the bigint (Python's int keeps every digit). */
function safeOrBig(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function toInt(v: unknown, dflt: unknown, base: unknown): unknown {
  if (isInt(v)) return v;
  if (typeof v === 'boolean') return Number(v);
  if (isFloat(v)) return Math.trunc(num(v));
  if (typeof v === 'string') {
    let b = num(base ?? 10);
    if (b !== 0 && (b < 2 || b > 36)) return dflt;
    const t = v.trim().replace(/_/g, '');
    // Python's base 0 reads the literal's prefix (0x, 0o, 0b), else decimal.
    if (b === 0) b = ({ x: 16, o: 8, b: 2 } as Record<string, number>)[/^[-+]?0([xob])/i.exec(t)?.[1]?.toLowerCase() ?? ''] ?? 10;
    const m = b === 10 ? /^[-+]?\d+$/.exec(t) : null;
    if (m) return t.length > 15 ? safeOrBig(BigInt(t)) : Number(t);
    if (b !== 10) {
      let body = t.toLowerCase();
      const neg = body.startsWith('-');
      body = body.replace(/^[-+]/, '');
      if (b === 16) body = body.replace(/^0x/, '');
      if (b === 8) body = body.replace(/^0o/, '');
      if (b === 2) body = body.replace(/^0b/, '');
      const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
      if (body && [...body].every((c) => digits.includes(c))) {
        const prefix = ({ 16: '0x', 8: '0o', 2: '0b' } as Record<number, string>)[b];
        if (prefix === undefined || body.length <= 10) return (neg ? -1 : 1) * parseInt(body, b);
        const big = BigInt(prefix + body);
        return safeOrBig(neg ? -big : big);
      }
    }
    const f = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
    if (!Number.isNaN(f)) return Math.trunc(f);
  }
  return dflt;
}

function toFloat(v: unknown, dflt: unknown): unknown {
  if (isNumber(v)) return mkFloat(num(v));
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '').toLowerCase();
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return mkFloat(Number(t));
    if (/^[-+]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[-+]?nan$/.test(t)) return NaN;
  }
  return dflt;
}

const list = (v: unknown): unknown[] => [...pyIter(strict(v))];

function selectOrReject(value: unknown, args: unknown[], kw: Dict, x: CallCtx, byAttr: boolean, want: boolean): PyGenerator {
  const items = list(value);
  let getter: (item: unknown) => unknown = (i) => i;
  let rest = args;
  if (byAttr) {
    if (!rest.length) throw new TemplateError('Missing parameter for attribute name', 'runtime');
    getter = attrGetter(rest[0]);
    rest = rest.slice(1);
  }
  let check: (v: unknown) => boolean;
  if (rest.length) {
    const name = pyStr(rest[0]);
    const fn = x.scope.ctx.rs.engine.test(name);
    if (!fn) throw new TemplateError(`No test named '${name}'.`, 'runtime');
    const targs = rest.slice(1);
    check = (v) => !!fn(v, targs, kw, x);
  } else check = (v) => pyBool(v);
  return new PyGenerator(items.filter((i) => check(getter(i)) === want));
}

function minMax(value: unknown, kw: Dict, args: unknown[], which: 'min' | 'max'): unknown {
  const [caseSensitive, attribute] = bind(['case_sensitive', 'attribute'], args, kw, which);
  const items = list(value);
  if (!items.length) return new Undefined(`No aggregated item, sequence was empty.`);
  const key = attrGetter(attribute, caseSensitive ? undefined : lowerIfStr);
  let best = items[0];
  let bestKey = key(best);
  for (const i of items.slice(1)) {
    const k = key(i);
    const c = pySortCompare(k, bestKey);
    if (which === 'min' ? c < 0 : c > 0) {
      best = i;
      bestKey = k;
    }
  }
  return best;
}

function truncate(s: string, length: number, killwords: boolean, end: string, leeway: number): string {
  if (s.length <= length + leeway) return s;
  if (killwords) return s.slice(0, length - end.length) + end;
  const cut = s.slice(0, length - end.length);
  const i = cut.lastIndexOf(' ');
  return (i === -1 ? cut : cut.slice(0, i)) + end;
}

function wordwrap(s: string, width: number, breakLong: boolean, wrapstring: string, breakOnHyphens: boolean): string {
  const paragraphs = s.split(/\r\n|\r|\n/);
  return paragraphs
    .map((para) => {
      const chunks = para.split(breakOnHyphens ? /(\s+|(?<=[\w!"'&.,?])-{2,}(?=\w)|(?<=[^\d\W]-)(?=[^\d\W]))/ : /(\s+)/).filter((c) => c !== '' && c !== undefined);
      const lines: string[] = [];
      let cur = '';
      for (const c of chunks.map((c) => c.replace(/\s/g, ' '))) {
        if (/^\s+$/.test(c)) {
          if (cur) cur += c;
          continue;
        }
        if ((cur + c).trimEnd().length <= width) {
          cur += c;
          continue;
        }
        if (cur.trim()) lines.push(cur.trimEnd());
        cur = '';
        let w = c;
        while (breakLong && w.length > width) {
          lines.push(w.slice(0, width));
          w = w.slice(width);
        }
        cur = w;
      }
      if (cur.trim()) lines.push(cur.trimEnd());
      return lines.join(wrapstring);
    })
    .join(wrapstring);
}

function indent(s: string, width: unknown, first: boolean, blank: boolean): string {
  const ind = typeof width === 'string' ? width : ' '.repeat(num(width));
  const nl = '\n';
  const body = s + '';
  let rv: string;
  if (blank) rv = body.split(nl).join(nl + ind);
  else {
    const lines = body.split(nl);
    rv = lines[0]!;
    if (lines.length > 1) rv += nl + lines.slice(1).map((l) => (l ? ind + l : l)).join(nl);
  }
  if (first) rv = ind + rv;
  return rv;
}

function filesizeformat(value: unknown, binary: boolean): string {
  const bytes = num(toFloat(value, 0) as number | PyFloat);
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  let prefix = prefixes[0]!;
  for (let i = 0; i < prefixes.length; i++) {
    unit = base ** (i + 2);
    prefix = prefixes[i]!;
    if (bytes < unit) return `${((base * bytes) / unit).toFixed(1)} ${prefix}`;
  }
  return `${((base * bytes) / unit).toFixed(1)} ${prefix}`;
}

function urlencodeStr(s: string, forQuery: boolean): string {
  const safe = forQuery ? '' : '/';
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (forQuery && c === ' ') out += '+';
    else if (/[A-Za-z0-9_.\-~]/.test(c) || safe.includes(c)) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function title(s: string): string {
  return s
    .split(/([-\s({[<]+)/)
    .filter((x) => x)
    .map((item) => item.charAt(0).toUpperCase() + item.slice(1).toLowerCase())
    .join('');
}

function sortedItems(v: PyDict | Dict): [unknown, unknown][] {
  const entries = dictEntries(v);
  try {
    return stableSort(entries, (e) => e[0], false);
  } catch {
    return entries;
  }
}

/** repr with dict keys sorted (pprint's one-line form). */
function pprintRepr(v: unknown): string {
  if (isOdict(v)) return pyRepr(v);
  if (isDict(v)) return '{' + sortedItems(v).map(([k, x]) => `${pprintRepr(k)}: ${pprintRepr(x)}`).join(', ') + '}';
  if (Array.isArray(v)) {
    const inner = v.map(pprintRepr).join(', ');
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    return `[${inner}]`;
  }
  return pyRepr(v);
}

/** Python's pprint.pformat(v) at width 80: containers that do not fit are split one item per line. */
function pformat(v: unknown, indent = 0, allowance = 0): string {
  const rep = pprintRepr(v);
  if (rep.length <= 80 - indent - allowance) return rep;
  if (isOdict(v)) {
    // pprint's _pprint_ordered_dict: the class name around the list of its items.
    const items = dictEntries(v as Dict).map((e) => pyTuple(e));
    return `OrderedDict(${pformat(items, indent + 'OrderedDict'.length + 1, allowance + 1)})`;
  }
  if (isDict(v)) {
    const items = sortedItems(v);
    if (!items.length) return rep;
    const ind = indent + 1;
    return '{' + items.map(([k, x], i) => {
      const kr = pprintRepr(k);
      return `${kr}: ${pformat(x, ind + kr.length + 2, i === items.length - 1 ? allowance + 1 : 1)}`;
    }).join(',\n' + ' '.repeat(ind)) + '}';
  }
  if (Array.isArray(v) && v.length) {
    const tuple = isTuple(v);
    const ind = indent + 1;
    const body = v.map((x, i) => pformat(x, ind, i === v.length - 1 ? allowance + 1 : 1)).join(',\n' + ' '.repeat(ind));
    return tuple ? `(${body}${v.length === 1 ? ',' : ''})` : `[${body}]`;
  }
  return rep;
}

const F: Record<string, FilterFn> = {
  abs: (v) => {
    strict(v);
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (isNumber(v)) return isFloat(v) ? mkFloat(Math.abs(num(v))) : Math.abs(num(v));
    throw new TemplateError(`bad operand type for abs(): '${typeName(v)}'`, 'type');
  },
  attr: (v, a, kw) => {
    const [name] = bind(['name'], a, kw, 'attr', 1);
    return getattrOnly(v, pyStr(name));
  },
  batch: (v, a, kw) => {
    const [count, fill] = bind(['linecount', 'fill_with'], a, kw, 'batch', 1);
    const n = num(count);
    const out: unknown[][] = [];
    let tmp: unknown[] = [];
    for (const item of list(v)) {
      if (tmp.length === n) {
        out.push(tmp);
        tmp = [];
      }
      tmp.push(item);
    }
    if (tmp.length) {
      if (fill !== undefined && fill !== null) while (tmp.length < n) tmp.push(fill);
      out.push(tmp);
    }
    return new PyGenerator(out);
  },
  capitalize: (v) => {
    const s = softStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  center: (v, a, kw) => {
    const [w] = bind(['width'], a, kw, 'center');
    const s = softStr(v);
    const width = w === undefined ? 80 : num(w);
    const n = Math.max(0, width - s.length);
    const left = Math.floor(n / 2) + (n & width & 1);
    return ' '.repeat(left) + s + ' '.repeat(n - left);
  },
  default: (v, a, kw) => {
    const [dflt, boolean] = bind(['default_value', 'boolean'], a, kw, 'default', 0, ['default_value']);
    if (v instanceof Undefined || (boolean && !pyBool(v))) return dflt === undefined ? '' : dflt;
    return v;
  },
  dictsort: (v, a, kw) => {
    const [cs, by, reverse] = bind(['case_sensitive', 'by', 'reverse'], a, kw, 'dictsort');
    strict(v);
    if (!isDict(v)) throw new TemplateError(`'${typeName(v)}' object has no attribute 'items'`, 'runtime');
    const pos = by === undefined || by === 'key' ? 0 : by === 'value' ? 1 : -1;
    if (pos === -1) throw new TemplateError('You can only sort by either "key" or "value"', 'runtime');
    const items = dictEntries(v).map((e) => pyTuple(e));
    return stableSort(items, (e) => (cs ? e[pos] : lowerIfStr(e[pos])), pyBool(reverse ?? false));
  },
  escape: (v) => (v instanceof Markup ? v : new Markup(htmlEscape(softStr(v)))),
  filesizeformat: (v, a, kw) => filesizeformat(v, pyBool(bind(['binary'], a, kw, 'filesizeformat')[0] ?? false)),
  first: (v) => {
    const items = list(v);
    return items.length ? items[0] : new Undefined('No first item, sequence was empty.');
  },
  float: (v, a, kw) => toFloat(strict(v), bind(['default'], a, kw, 'float')[0] ?? mkFloat(0)),
  forceescape: (v) => new Markup(htmlEscape(softStr(v))),
  format: (v, a, kw) => {
    if (a.length && Object.keys(kw).length) throw new TemplateError("can't handle positional and keyword arguments at the same time", 'runtime');
    const args = Object.keys(kw).length ? new PyDict(Object.entries(kw)) : pyTuple(a);
    return v instanceof Markup ? binop('mod', v, args) : percentFormat(softStr(v), args);
  },
  groupby: (v, a, kw) => {
    const [attribute, dflt, cs] = bind(['attribute', 'default', 'case_sensitive'], a, kw, 'groupby', 1);
    const key = attrGetter(attribute, cs ? undefined : lowerIfStr, dflt);
    const out = attrGetter(attribute, undefined, dflt);
    const sorted = stableSort(list(v), key, false);
    const groups: unknown[] = [];
    let cur: unknown[] = [];
    let curKey: unknown;
    for (const item of sorted) {
      const k = key(item);
      if (cur.length && pyEq(k, curKey)) cur.push(item);
      else {
        if (cur.length) groups.push(GroupTuple(cs ? curKey : out(cur[0]), cur));
        cur = [item];
        curKey = k;
      }
    }
    if (cur.length) groups.push(GroupTuple(cs ? curKey : out(cur[0]), cur));
    return groups;
  },
  indent: (v, a, kw) => {
    const [w, first, blank] = bind(['width', 'first', 'blank'], a, kw, 'indent');
    // Jinja's do_indent starts with `s += "\n"`: only a str (or Markup) gets through it; a list does, into a list,
    // which then has no splitlines.
    if (typeof v !== 'string' && !(v instanceof Markup)) {
      strict(v);
      if (Array.isArray(v) && !isTuple(v)) throw new TemplateError("'list' object has no attribute 'splitlines'", 'runtime');
      throw new TemplateError(`unsupported operand type(s) for +=: '${typeName(v)}' and 'str'`, 'type');
    }
    return indent(softStr(v), w ?? 4, pyBool(first ?? false), pyBool(blank ?? false));
  },
  int: (v, a, kw) => {
    const [dflt, base] = bind(['default', 'base'], a, kw, 'int');
    return toInt(strict(v), dflt ?? 0, base ?? 10);
  },
  items: (v) => {
    if (v instanceof Undefined) return new PyGenerator([]);
    if (!isDict(v)) throw new TemplateError(`Can only get item pairs from a mapping.`, 'type');
    return new PyGenerator(dictEntries(v).map((e) => pyTuple(e)));
  },
  join: (v, a, kw) => {
    const [d, attribute] = bind(['d', 'attribute'], a, kw, 'join');
    let items = list(v);
    if (attribute !== undefined && attribute !== null) items = items.map(attrGetter(attribute));
    const sep = d === undefined ? '' : pyStr(d);
    return items.map((x) => pyStr(x)).join(sep);
  },
  last: (v) => {
    const items = Array.isArray(v) ? v : list(v);
    return items.length ? items[items.length - 1] : new Undefined('No last item, sequence was empty.');
  },
  length: (v) => pyLen(v),
  list: (v) => list(v),
  random: (v) => {
    // Jinja2's random.choice: any item of the sequence (a character of a string), undefined when it is empty.
    const items = Array.isArray(v) ? v : list(v);
    return items.length ? items[Math.floor(Math.random() * items.length)] : new Undefined('No random item, sequence was empty.');
  },
  lower: (v) => softStr(v).toLowerCase(),
  map: (v, a, kw, x) => {
    const items = list(v);
    if (!a.length && 'attribute' in kw) {
      const get = attrGetter(kw['attribute'], undefined, kw['default']);
      return new PyGenerator(items.map(get));
    }
    if (!a.length) throw new TemplateError('map requires a filter argument', 'runtime');
    const name = pyStr(a[0]);
    const fn = x.scope.ctx.rs.engine.filter(name);
    if (!fn) throw new TemplateError(`No filter named '${name}'.`, 'runtime');
    const rest = a.slice(1);
    return new PyGenerator(items.map((i) => fn(i, rest, kw, x)));
  },
  max: (v, a, kw) => minMax(v, kw, a, 'max'),
  min: (v, a, kw) => minMax(v, kw, a, 'min'),
  pprint: (v) => pformat(v),
  reject: (v, a, kw, x) => selectOrReject(v, a, kw, x, false, false),
  rejectattr: (v, a, kw, x) => selectOrReject(v, a, kw, x, true, false),
  replace: (v, a, kw, x) => {
    const [o, n, c] = bind(['old', 'new', 'count'], a, kw, 'replace', 2);
    return callValue(getattr(softStr(v), 'replace'), c === undefined || c === null ? [pyStr(o), pyStr(n)] : [pyStr(o), pyStr(n), c], {}, x);
  },
  reverse: (v) => {
    if (typeof v === 'string') return [...v].reverse().join('');
    return new PyGenerator(list(v).reverse());
  },
  round: (v, a, kw) => {
    const [precision, method] = bind(['precision', 'method'], a, kw, 'round');
    const m = method ?? 'common';
    if (m !== 'common' && m !== 'ceil' && m !== 'floor') throw new TemplateError('method must be common, ceil or floor', 'runtime');
    const p = precision === undefined ? 0 : num(precision);
    strict(v);
    const x = num(v);
    if (m === 'common') {
      if (isInt(v) || typeof v === 'boolean') return p >= 0 ? num(v) : pyRoundHalfEven(x, p);
      return mkFloat(pyRoundHalfEven(x, p));
    }
    const f = 10 ** p;
    return mkFloat((m === 'ceil' ? Math.ceil(x * f) : Math.floor(x * f)) / f);
  },
  safe: (v) => (v instanceof Markup ? v : new Markup(softStr(v))),
  select: (v, a, kw, x) => selectOrReject(v, a, kw, x, false, true),
  selectattr: (v, a, kw, x) => selectOrReject(v, a, kw, x, true, true),
  slice: (v, a, kw) => {
    const [slices, fill] = bind(['slices', 'fill_with'], a, kw, 'slice', 1);
    const seq = list(v);
    const n = num(slices);
    const per = Math.floor(seq.length / n);
    const extra = seq.length % n;
    let offset = 0;
    const out: unknown[][] = [];
    for (let i = 0; i < n; i++) {
      const start = offset + i * per;
      if (i < extra) offset++;
      const end = offset + (i + 1) * per;
      const part = seq.slice(start, end);
      if (fill !== undefined && fill !== null && i >= extra) part.push(fill);
      out.push(part);
    }
    return new PyGenerator(out);
  },
  sort: (v, a, kw) => {
    const [reverse, cs, attribute] = bind(['reverse', 'case_sensitive', 'attribute'], a, kw, 'sort');
    const parts = typeof attribute === 'string' && attribute.includes(',') ? attribute.split(',') : [attribute];
    const getters = parts.map((p) => attrGetter(p, cs ? undefined : lowerIfStr));
    const key = getters.length === 1 ? getters[0]! : (item: unknown) => pyTuple(getters.map((g) => g(item)));
    return stableSort(list(v), key, pyBool(reverse ?? false));
  },
  string: (v) => (v instanceof Markup ? v : softStr(v)),
  striptags: (v) => {
    const s = softStr(v).replace(/<!--[\s\S]*?-->|<[^>]*>/g, '');
    return s.split(/\s+/).filter(Boolean).join(' ').replace(/&(amp|lt|gt|quot|#34|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#34': '"', '#39': "'" })[e]!);
  },
  sum: (v, a, kw) => {
    const [attribute, start] = bind(['attribute', 'start'], a, kw, 'sum');
    let items = list(v);
    if (attribute !== undefined && attribute !== null) items = items.map(attrGetter(attribute));
    let total: unknown = start ?? 0;
    for (const i of items) total = addValues(total, i);
    return total;
  },
  title: (v) => title(softStr(v)),
  tojson: (v, a, kw) => {
    const [ind] = bind(['indent'], a, kw, 'tojson');
    const s = jsonDumps(v, { sortKeys: true, indent: ind === undefined || ind === null ? null : num(ind) });
    return new Markup(s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027'));
  },
  trim: (v, a, kw) => {
    const [chars] = bind(['chars'], a, kw, 'trim');
    const s = softStr(v);
    if (chars === undefined || chars === null) return s.replace(/^\s+|\s+$/g, '');
    const c = pyStr(chars);
    let i = 0;
    let j = s.length;
    while (i < j && c.includes(s[i]!)) i++;
    while (j > i && c.includes(s[j - 1]!)) j--;
    return s.slice(i, j);
  },
  truncate: (v, a, kw) => {
    const [length, killwords, end, leeway] = bind(['length', 'killwords', 'end', 'leeway'], a, kw, 'truncate');
    const [len, e, lw] = [length === undefined ? 255 : num(length), end === undefined ? '...' : pyStr(end), leeway === undefined || leeway === null ? 5 : num(leeway)];
    // Jinja's do_truncate asserts these (AssertionError).
    if (len < [...e].length) throw new TemplateError(`expected length >= ${[...e].length}, got ${len}`, 'runtime');
    if (lw < 0) throw new TemplateError(`expected leeway >= 0, got ${lw}`, 'runtime');
    return truncate(softStr(v), len, pyBool(killwords ?? false), e, lw);
  },
  unique: (v, a, kw) => {
    const [cs, attribute] = bind(['case_sensitive', 'attribute'], a, kw, 'unique');
    const key = attrGetter(attribute, cs ? undefined : lowerIfStr);
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const item of list(v)) {
      const k = key(item);
      if (!seen.some((s) => pyEq(s, k))) {
        seen.push(k);
        out.push(item);
      }
    }
    return new PyGenerator(out);
  },
  upper: (v) => softStr(v).toUpperCase(),
  urlencode: (v) => {
    strict(v);
    if (typeof v === 'string' || !(Array.isArray(v) || isDict(v))) return urlencodeStr(pyStr(v), false);
    const pairs = isDict(v) ? dictEntries(v) : pyIter(v).map((p) => pyIter(p) as [unknown, unknown]);
    return pairs.map(([k, x]) => `${urlencodeStr(pyStr(k), true)}=${urlencodeStr(pyStr(x), true)}`).join('&');
  },
  urlize: urlizeFilter,
  wordcount: (v) => (softStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  wordwrap: (v, a, kw) => {
    const [width, blw, wrapstring, boh] = bind(['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'], a, kw, 'wordwrap');
    return wordwrap(softStr(v), width === undefined ? 79 : num(width), pyBool(blw ?? true), wrapstring === undefined || wrapstring === null ? '\n' : pyStr(wrapstring), pyBool(boh ?? true));
  },
  xmlattr: (v, a, kw) => {
    const [autospace] = bind(['autospace'], a, kw, 'xmlattr');
    strict(v);
    if (!isDict(v)) throw new TemplateError('xmlattr expects a dict', 'type');
    const parts: string[] = [];
    for (const [k, x] of dictEntries(v)) {
      if (x === null || x === undefined || x instanceof Undefined) continue;
      const key = pyStr(k);
      if (/[\s/>=]/.test(key)) throw new TemplateError(`Invalid character in attribute name: ${pyRepr(key)}`, 'runtime');
      parts.push(`${htmlEscape(key)}="${htmlEscape(pyStr(x))}"`);
    }
    const rv = parts.join(' ');
    return new Markup(rv && pyBool(autospace ?? true) ? ' ' + rv : rv);
  },
};
/** Filters that take no argument: any given is a TypeError, as in Python. */
for (const name of ['abs', 'capitalize', 'escape', 'first', 'forceescape', 'last', 'length', 'list', 'lower', 'safe', 'string', 'striptags', 'title', 'upper', 'wordcount', 'urlencode', 'reverse', 'pprint', 'items']) {
  const f = F[name]!;
  F[name] = (v, a, kw, x) => {
    const extra = Object.keys(kw);
    if (extra.length) throw new TemplateError(`do_${name}() got an unexpected keyword argument '${extra[0]}'`, 'type');
    if (a.length) throw new TemplateError(`do_${name}() takes 1 positional argument but ${a.length + 1} were given`, 'type');
    return f(v, a, kw, x);
  };
}
F['d'] = F['default']!;
F['e'] = F['escape']!;
F['count'] = F['length']!;

/** `a + b` for `sum`. */
const addValues = (a: unknown, b: unknown): unknown => binop('add', a, b);

/** What `groupby` yields: a tuple `(grouper, list)` with those two attributes. */
function GroupTuple(grouper: unknown, items: unknown[]): unknown[] {
  const t = pyTuple([grouper, items]);
  Object.defineProperty(t, 'pyGetAttr', {
    value: (name: string): unknown => (name === 'grouper' ? grouper : name === 'list' ? items : MISSING),
  });
  return t;
}

export const BUILTIN_FILTERS: Record<string, FilterFn> = F;
