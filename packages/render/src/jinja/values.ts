/**
 * Python values over JS data, as Jinja2 templates see them.
 *
 * - str: JS string; int: JS number (integral) or bigint past 2^53; bool: JS boolean; None: null.
 * - float: a non-integral JS number, or a PyFloat box for an integral float (`1.0` stays `1.0`).
 * - list: JS array; tuple: a JS array marked by `pyTuple`.
 * - dict: a PyDict (any hashable key, Python's equality: `True == 1 == 1.0`, insertion order) for dicts a template
 *   makes, or a plain JS object (string keys) for data handed in (grains, pillar, YAML). Both are read and written
 *   through the `dict*` helpers below, never directly.
 * - Undefined: Jinja's StrictUndefined; every use but `is defined` / `default` raises.
 */
import { TemplateError } from './errors';

export type Dict = Record<string, unknown>;

export class PyFloat {
  constructor(readonly v: number) {}
  valueOf(): number {
    return this.v;
  }
  toJSON(): number {
    return this.v;
  }
  toString(): string {
    return reprFloat(this.v);
  }
}

/** A float result: integral values are boxed so they keep printing as floats. */
export function mkFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

export function isInt(v: unknown): v is number | bigint {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}

/** int, float or bool (Python's numbers; bool is an int). */
export function isNumber(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof PyFloat;
}

/** The JS number of an int, float or bool. */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`expected a number, got ${typeName(v)}`);
}

const TUPLE = Symbol('tuple');

export function pyTuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

const VIEW: unique symbol = Symbol('view');

/**
 * A dict view or a range: an array (iterated, indexed, measured as one) that Python names and prints as its own type:
 * `dict_keys(['a'])`, `odict_items([('k', 1)])`, `range(0, 3)`. Copies (`|list`, slices) are lists.
 */
export function pyView<T extends unknown[]>(arr: T, name: string, repr?: string): T {
  Object.defineProperty(arr, VIEW, { value: { name, repr }, enumerable: false, configurable: true });
  return arr;
}

function viewOf(v: unknown[]): { name: string; repr?: string } | undefined {
  return (v as unknown as Record<symbol, { name: string; repr?: string } | undefined>)[VIEW];
}

export function isTuple(v: unknown): v is unknown[] {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/** Jinja's StrictUndefined. `hint` is Jinja's wording: `'x' is undefined`, `'dict object' has no attribute 'y'`. */
export class Undefined {
  constructor(
    readonly hint: string,
    readonly kind: 'undefined' | 'security' = 'undefined',
    /** Jinja's plain Undefined (an `x if y` with no else): prints as '' and is false. */
    readonly lenient = false,
  ) {}
}

export function isUndef(v: unknown): v is Undefined {
  return v instanceof Undefined;
}

/** Raise Jinja's UndefinedError for `v` (or SecurityError for an unsafe attribute). */
export function undefinedError(u: Undefined): TemplateError {
  return new TemplateError(u.hint, u.kind);
}

export function strict<T>(v: T): Exclude<T, Undefined> {
  if (v instanceof Undefined) throw undefinedError(v);
  return v as Exclude<T, Undefined>;
}

/** Keyword arguments as the last argument of a plain JS callable (`f(a, b, KwArgs)`). */
export class KwArgs {
  constructor(readonly kw: Dict) {}
}

const ESCAPE: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
export const htmlEscape = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPE[c]!);

/** Jinja's Markup (a str subclass whose operations escape what they take in): from `|e`, `|safe`, `|tojson`. */
export class Markup {
  readonly pyType = 'Markup';
  constructor(readonly s: string) {}
  pyStr(): string {
    return this.s;
  }
  pyRepr(): string {
    return `Markup(${reprString(this.s)})`;
  }
  pyIter(): unknown[] {
    return [...this.s];
  }
  pyBool(): boolean {
    return this.s.length > 0;
  }
  /** Escape a value taken into Markup (Markup itself is kept). */
  static escape(v: unknown): string {
    return v instanceof Markup ? v.s : htmlEscape(pyStr(v));
  }
}

/* ------------------------------------------------------------------ dicts */

type Entry = [key: unknown, value: unknown];

/** A Python dict: hashable keys with Python's equality, insertion order. */
export class PyDict {
  readonly m = new Map<string, Entry>();
  constructor(entries?: Iterable<Entry>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }
  get size(): number {
    return this.m.size;
  }
  get(k: unknown): unknown {
    const e = this.m.get(hashKey(k));
    return e === undefined ? MISSING : e[1];
  }
  has(k: unknown): boolean {
    return this.m.has(hashKey(k));
  }
  set(k: unknown, v: unknown): void {
    const h = hashKey(k);
    const e = this.m.get(h);
    if (e) e[1] = v;
    else this.m.set(h, [k, v]);
  }
  delete(k: unknown): boolean {
    return this.m.delete(hashKey(k));
  }
  keys(): unknown[] {
    return [...this.m.values()].map((e) => e[0]);
  }
  values(): unknown[] {
    return [...this.m.values()].map((e) => e[1]);
  }
  entries(): Entry[] {
    return [...this.m.values()].map((e) => [e[0], e[1]]);
  }
  toJSON(): Dict {
    return toPlain(this) as Dict;
  }
  toString(): string {
    return pyRepr(this);
  }
}

/**
 * A dict Salt loaded from YAML (the yaml renderer's OrderedDict) that a plain object cannot stand for: a non-str
 * key, or integer-like keys after others. It is a dict in every way but one: `|yaml` keeps its order, as it keeps a
 * plain object's, where it sorts a template-made dict.
 */
export class OrderedPyDict extends PyDict {}

/** An empty dict of the same kind as `d` (a copy keeps its kind). */
export function sameKind(d: PyDict): PyDict {
  return d instanceof OrderedPyDict ? new OrderedPyDict() : new PyDict();
}

export const MISSING: unique symbol = Symbol('missing');

/** The hash of a Python key: equal keys (by Python's `==` for hashables) hash alike. */
export function hashKey(k: unknown): string {
  switch (typeof k) {
    case 'string':
      return 's' + k;
    case 'number':
      return 'n' + (Object.is(k, -0) ? 0 : k);
    case 'boolean':
      return k ? 'n1' : 'n0';
    case 'bigint':
      return 'n' + k.toString();
  }
  if (k === null || k === undefined) return 'N';
  if (k instanceof PyFloat) return 'n' + (Object.is(k.v, -0) ? 0 : k.v);
  if (isTuple(k)) return 't(' + k.map(hashKey).join(',') + ')';
  // Other hashable values (bytes) say how they key a dict.
  const own = (k as { pyHashKey?: () => string } | null)?.pyHashKey;
  if (typeof own === 'function') return own.call(k);
  throw new TemplateError(`unhashable type: '${typeName(k)}'`, 'type');
}

/** An array index as JS objects see one ("0" to "4294967294", no leading zero): such keys are listed first, ascending. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Whether a plain object made from these keys, in this order, lists them in this order: all str, and any
 * integer-like ones ('22', '443') first and ascending. A JS object lists integer-like keys before the others
 * whatever the insertion order, so a mapping like `{'*': ..., '22': ..., '80': ...}` must be a PyDict to keep the
 * order Python keeps (ufw-formula's services become states in that order).
 */
export function jsKeepsOrder(keys: readonly unknown[]): boolean {
  let prev = -1;
  let named = false;
  for (const k of keys) {
    if (typeof k !== 'string') return false;
    if (ARRAY_INDEX.test(k) && Number(k) <= 4294967294) {
      if (named || Number(k) < prev) return false;
      prev = Number(k);
    } else named = true;
  }
  return true;
}

/** A dict handed in from outside: a plain JS object. */
export function isPlainObject(v: unknown): v is Dict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isDict(v: unknown): v is PyDict | Dict {
  return v instanceof PyDict || isPlainObject(v);
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function dictGet(d: PyDict | Dict, k: unknown): unknown {
  if (d instanceof PyDict) return d.get(k);
  if (typeof k !== 'string') return MISSING;
  return hasOwn(d, k) ? d[k] : MISSING;
}

export function dictHas(d: PyDict | Dict, k: unknown): boolean {
  if (d instanceof PyDict) return d.has(k);
  return typeof k === 'string' && hasOwn(d, k);
}

export function dictSet(d: PyDict | Dict, k: unknown, v: unknown): void {
  if (d instanceof PyDict) return d.set(k, v);
  if (typeof k !== 'string') {
    hashKey(k);
    throw new TemplateError(
      `cannot store the non-string key ${pyRepr(k)} in a dict that came from data (grains, pillar or YAML); build a new dict in the template instead`,
      'type',
    );
  }
  Object.defineProperty(d, k, { value: v, writable: true, enumerable: true, configurable: true });
}

export function dictDelete(d: PyDict | Dict, k: unknown): boolean {
  if (d instanceof PyDict) return d.delete(k);
  if (typeof k !== 'string' || !hasOwn(d, k)) return false;
  delete d[k];
  return true;
}

/**
 * The keys of a plain object as written, where JS lists them otherwise (integer-like keys first) or an int key
 * became a str property: set by the SLS reader on a mapping like `{smtp: ..., '628': ..., 10: ...}`
 * (postfix-formula's master.cf services), read by the template engine (which iterates it as Python iterates the
 * dict Salt loaded), invisible to everything else (a non-enumerable symbol: a spread or JSON drops it).
 */
const KEY_ORDER = Symbol('brine.keyOrder');

/** Mark `o` with its keys as written (str, or an int key as a number), when a plain object would list others. */
export function withKeyOrder<T extends object>(o: T, keys: readonly unknown[]): T {
  if (jsKeepsOrder(keys)) return o;
  const seen = new Set<string>();
  const order = keys.filter((k) => !seen.has(String(k)) && (seen.add(String(k)), true));
  Object.defineProperty(o, KEY_ORDER, { value: order, configurable: true });
  return o;
}

/** A plain object's keys as Python sees them: as written (withKeyOrder, an int key an int), keys added since after. */
export function typedKeys(o: Dict): unknown[] {
  const own = Object.keys(o);
  const order = (o as { [KEY_ORDER]?: unknown[] })[KEY_ORDER];
  if (!order) return own;
  const have = new Set(own);
  const out = order.filter((k) => have.has(String(k)));
  if (out.length === own.length) return out;
  const listed = new Set(out.map(String));
  for (const k of own) if (!listed.has(k)) out.push(k);
  return out;
}

/** A plain object's property names in the order of `typedKeys`. */
export const plainKeys = (o: Dict): string[] => typedKeys(o).map(String);

/** Give `to` (a copy of `from`) the key order and key types `from` was written with. */
export function copyKeyOrder<T extends object>(from: Dict, to: T): T {
  const order = (from as { [KEY_ORDER]?: unknown[] })[KEY_ORDER];
  return order ? withKeyOrder(to, typedKeys(from)) : to;
}

export function dictKeys(d: PyDict | Dict): unknown[] {
  return d instanceof PyDict ? d.keys() : typedKeys(d);
}

export function dictValues(d: PyDict | Dict): unknown[] {
  return d instanceof PyDict ? d.values() : typedKeys(d).map((k) => d[String(k)]);
}

export function dictEntries(d: PyDict | Dict): Entry[] {
  return d instanceof PyDict ? d.entries() : typedKeys(d).map((k) => [k, d[String(k)]]);
}

export function dictLen(d: PyDict | Dict): number {
  return d instanceof PyDict ? d.size : Object.keys(d).length;
}

/** A new dict of the same kind of keys: plain when every key is a string, else a PyDict. */
export function newDict(entries: Entry[]): PyDict {
  return new PyDict(entries);
}

/** Deep copy into plain JS data (for functions outside the engine): PyDict -> object, PyFloat -> number. */
export function toPlain(v: unknown): unknown {
  if (v instanceof PyDict) {
    const o: Dict = {};
    const keys: string[] = [];
    for (const [k, x] of v.entries()) {
      const key = typeof k === 'string' ? k : pyStr(k);
      keys.push(key);
      Object.defineProperty(o, key, { value: toPlain(x), writable: true, enumerable: true, configurable: true });
    }
    // Plain data for functions outside the engine: str keys (JSON's), in the dict's order.
    return withKeyOrder(o, keys);
  }
  if (v instanceof PyFloat) return v.v;
  if (v instanceof Markup) return v.s;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Undefined) throw undefinedError(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (isPlainObject(v)) {
    let changed = false;
    const o: Dict = {};
    for (const k of plainKeys(v)) {
      const x = v[k];
      const p = toPlain(x);
      if (p !== x) changed = true;
      Object.defineProperty(o, k, { value: p, writable: true, enumerable: true, configurable: true });
    }
    return changed ? copyKeyOrder(v, o) : v;
  }
  return v;
}

/* ------------------------------------------------------------------ names, repr, str */

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'function':
      return 'function';
  }
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return viewOf(v)?.name ?? (isTuple(v) ? 'tuple' : 'list');
  if (isDict(v)) return 'dict';
  if (v instanceof Undefined) return 'StrictUndefined';
  const named = (v as { pyType?: string }).pyType;
  return typeof named === 'string' ? named : 'object';
}

/** Python's float repr: shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function reprFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mant, expS] = n.toExponential().split('e') as [string, string];
  const exp = Number(expS);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) out = '0.' + '0'.repeat(-exp - 1) + digits;
    else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
    else out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    out = m + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  return (neg ? '-' : '') + out;
}

/** Python's str.isprintable() is false for these (separators and other categories, but ' ' is printable). */
const NON_PRINTABLE = /^[\p{Z}\p{C}]$/u;

export function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '\\') out += '\\\\';
    else if (c === q) out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c !== ' ' && NON_PRINTABLE.test(c)) {
      out += code < 0x100 ? '\\x' + code.toString(16).padStart(2, '0') : code < 0x10000 ? '\\u' + code.toString(16).padStart(4, '0') : '\\U' + code.toString(16).padStart(8, '0');
    } else out += c;
  }
  return out + q;
}

/**
 * Salt reads pillar YAML into OrderedDicts: a mapping nested in the pillar is one. It is a dict in every way Brine
 * models but `str()`/`repr()` (`OrderedDict([('k', 'v')])`, as `~`, `|string`, `%`, `join` and `pprint` show it),
 * except where Salt's finalizer prints `{{ x }}`: there it is a dict again, through lists and dicts (toOutput).
 */
export const ODICT: unique symbol = Symbol('OrderedDict');

export function isOdict(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as { [ODICT]?: boolean })[ODICT] === true;
}

function setOdict(o: object): void {
  Object.defineProperty(o, ODICT, { value: true, enumerable: false, configurable: true });
}

/** Mark every mapping below `data` (not `data` itself, a plain dict in Salt) an OrderedDict; done once per tree. */
export function markOdicts(data: unknown): void {
  const walk = (v: unknown, mark: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, true));
    if (!isDict(v)) return;
    if (mark) {
      if (isOdict(v)) return;
      setOdict(v);
    }
    for (const [, x] of dictEntries(v)) walk(x, true);
  };
  walk(data, false);
}

/** `out` is a copy of `src`: an OrderedDict's copy is one too. */
export function keepOdict<T>(src: unknown, out: T): T {
  if (isOdict(src)) setOdict(out as object);
  return out;
}

function reprOdict(v: PyDict | Dict): string {
  const items = dictEntries(v);
  return items.length ? `OrderedDict([${items.map(([k, x]) => `(${pyRepr(k)}, ${pyRepr(x)})`).join(', ')}])` : 'OrderedDict()';
}

/** What Salt's finalizer prints for `{{ x }}`: OrderedDicts as dicts, through lists, tuples and dicts. */
export function pyStrFinal(v: unknown): string {
  const fin = (x: unknown): string => (Array.isArray(x) && viewOf(x) ? pyRepr(x) : reprContainer(x, fin, false) ?? pyRepr(x));
  return (Array.isArray(v) || isDict(v)) && typeof (v as { pyStr?: unknown }).pyStr !== 'function' ? fin(v) : pyStr(v);
}

/** repr() of a list, tuple, view or dict whose items print with `item` (OrderedDicts as such when `odict`); else undefined. */
function reprContainer(v: unknown, item: (x: unknown) => string, odict: boolean): string | undefined {
  if (Array.isArray(v)) {
    const view = viewOf(v);
    if (view?.repr !== undefined) return view.repr;
    const inner = v.map(item).join(', ');
    if (view) return `${view.name}([${inner}])`;
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    return `[${inner}]`;
  }
  if (!isDict(v)) return undefined;
  if (odict && isOdict(v)) return reprOdict(v);
  return '{' + dictEntries(v).map(([k, x]) => `${pyRepr(k)}: ${item(x)}`).join(', ') + '}';
}

/** Python `repr()`. */
export function pyRepr(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return reprString(v);
    case 'number':
      return Number.isInteger(v) ? (Object.is(v, -0) ? '0' : String(v)) : reprFloat(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return v.toString();
    case 'undefined':
      return 'None';
  }
  if (v === null) return 'None';
  if (v instanceof PyFloat) return reprFloat(v.v);
  if (v instanceof Undefined) return v.lenient ? '' : 'Undefined';
  const c = reprContainer(v, pyRepr, true);
  if (c !== undefined) return c;
  const r = (v as { pyRepr?: () => string }).pyRepr;
  if (typeof r === 'function') return r.call(v);
  if (v instanceof Date) return reprString(v.toISOString());
  if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
  return `<${typeName(v)} object>`;
}

/** Python `str()`. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) {
    if (v.lenient) return '';
    throw undefinedError(v);
  }
  const s = (v as { pyStr?: () => string } | null)?.pyStr;
  if (typeof s === 'function') return s.call(v);
  return pyRepr(v);
}

/** Python truthiness; Undefined raises (StrictUndefined). */
export function pyBool(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0 && !Number.isNaN(v);
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'undefined':
      return false;
  }
  if (v === null) return false;
  if (v instanceof Undefined) {
    if (v.lenient) return false;
    throw undefinedError(v);
  }
  if (v instanceof PyFloat) return v.v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return dictLen(v) > 0;
  const b = (v as { pyBool?: () => boolean }).pyBool;
  if (typeof b === 'function') return b.call(v);
  return true;
}

/** Python `==`. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a instanceof Markup) a = a.s;
  if (b instanceof Markup) b = b.s;
  if (a === b) return a === a || typeof a !== 'number'; // NaN != NaN
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  if (isNumber(a) && isNumber(b)) {
    if ((typeof a === 'bigint' || typeof b === 'bigint') && isInt(a) && isInt(b)) return BigInt(a) === BigInt(b);
    return num(a) === num(b);
  }
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (isDict(a) && isDict(b)) {
    if (dictLen(a) !== dictLen(b)) return false;
    // Two OrderedDicts are equal only in the same order (one against a dict compares as dicts).
    if (isOdict(a) && isOdict(b)) {
      const [ea, eb] = [dictEntries(a), dictEntries(b)];
      return ea.every(([k, v], i) => pyEq(k, eb[i]![0]) && pyEq(v, eb[i]![1]));
    }
    for (const [k, v] of dictEntries(a)) {
      const w = dictGet(b, k);
      if (w === MISSING || !pyEq(v, w)) return false;
    }
    return true;
  }
  return false;
}

/** The items a `for` loop (or `list()`) visits: list items, dict keys, string characters. */
export function pyIter(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return dictKeys(v);
  if (v instanceof Undefined) {
    if (v.lenient) return [];
    throw undefinedError(v);
  }
  const it = (v as { pyIter?: () => unknown[] } | null)?.pyIter;
  if (typeof it === 'function') return it.call(v);
  throw new TemplateError(`'${typeName(v)}' object is not iterable`, 'type');
}

export function pyLen(v: unknown): number {
  if (v instanceof Markup) v = v.s;
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return dictLen(v);
  if (v instanceof Undefined) throw undefinedError(v);
  const own = (v as { pyLen?: () => number } | null)?.pyLen;
  if (typeof own === 'function') return own.call(v);
  throw new TemplateError(`object of type '${typeName(v)}' has no len()`, 'type');
}
