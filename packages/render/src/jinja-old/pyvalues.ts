/** Python value semantics over JS data: repr/str, truthiness, equality, tuples and keyword arguments. */
import * as nunjucks from 'nunjucks';
import { isUndef, strict } from './undefined';

type Dict = Record<string, unknown>;

const SafeString = (nunjucks as unknown as { runtime: { SafeString: new (s: string) => object } }).runtime.SafeString;

const TUPLE = Symbol('tuple');

/** A Python tuple: a JS array marked so repr prints `(a, b)`. */
export function pyTuple(items: unknown[]): unknown[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/** A plain dict (not an array, SafeString, Date, function or class instance). */
export function isPyDict(v: unknown): v is Dict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Strings, including nunjucks SafeStrings (macro and caller output), as primitive strings. */
export function asStr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof SafeString) return String(v);
  return undefined;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (asStr(v) !== undefined) return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

function reprNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

export function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === q) out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return q + out + q;
}

/** Python `repr()`. */
export function pyRepr(v: unknown): string {
  strict(v);
  const s = asStr(v);
  if (s !== undefined) return reprString(s);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return reprNumber(v);
  if (Array.isArray(v)) {
    const inner = v.map(pyRepr).join(', ');
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    return `[${inner}]`;
  }
  if (typeof v === 'function') return '<function>';
  if (v instanceof Date) return reprString(v.toISOString());
  if (typeof v === 'object') {
    return `{${Object.entries(v as Dict).map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
  return String(v);
}

/** Python `str()`: strings as-is, everything else as repr. */
export function pyStr(v: unknown): string {
  strict(v);
  const s = asStr(v);
  if (s !== undefined) return s;
  return pyRepr(v);
}

/** Python truthiness; the undefined sentinel throws (StrictUndefined). */
export function pyBool(v: unknown): boolean {
  strict(v);
  if (v === null || v === undefined || v === false || v === 0 || v === '' || Number.isNaN(v)) return false;
  const s = asStr(v);
  if (s !== undefined) return s.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isPyDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python `==`: by value for lists and dicts, no string/number coercion. */
export function pyEq(a: unknown, b: unknown): boolean {
  const sa = asStr(a);
  const sb = asStr(b);
  if (sa !== undefined || sb !== undefined) return sa === sb;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof b === 'boolean' && typeof a === 'number') return Number(b) === a;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isPyDict(a) && isPyDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEq(a[k], b[k]));
  }
  return a === b;
}

/** Split nunjucks call arguments into positional args and keyword args (the trailing `__keywords` object). */
export function splitArgs(args: unknown[]): [unknown[], Dict] {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const kw: Dict = {};
    for (const [k, v] of Object.entries(last as Dict)) if (k !== '__keywords') kw[k] = v;
    return [args.slice(0, -1), kw];
  }
  return [args, {}];
}

/** Bind positional and keyword args to parameter names, Python-style. Missing ones are `undefined`. */
export function bindArgs(names: string[], args: unknown[], what: string): unknown[] {
  const [pos, kw] = splitArgs(args);
  if (pos.length > names.length) throw new Error(`${what}() takes at most ${names.length} arguments (${pos.length} given)`);
  const out = names.map((_, i) => pos[i]);
  for (const [k, v] of Object.entries(kw)) {
    const i = names.indexOf(k);
    if (i === -1) throw new Error(`${what}() got an unexpected keyword argument '${k}'`);
    out[i] = v;
  }
  return out;
}

export { isUndef };
