/**
 * Python helpers for Salt's template API: argument binding with Python's rules and messages, `copy.deepcopy`,
 * Python type tests (`isinstance(x, list)`, `Mapping`, `Hashable`), `in` on lists.
 */
import { TemplateError } from '../jinja/errors';
import type { CallCtx } from '../jinja/runtime';
import {
  PyDict, PyFloat, Undefined, copyKeyOrder, keepOdict, dictEntries, plainKeys, sameKind, isDict, isPlainObject, isTuple, pyEq, pyStr, pyTuple, strict, typeName,
  type Dict,
} from '../jinja/values';

export type AnyDict = PyDict | Dict;

/** A function templates call: positional args, keyword args (Jinja's call convention). */
export type TemplateFunction = (args: unknown[], kw: Dict, x: CallCtx) => unknown;

/** A parameter without a default. */
export const REQUIRED: unique symbol = Symbol('required');

/** `[name, default]`, or a bare name for a required parameter. */
export type ParamSpec = string | [string, unknown];

export interface Signature {
  name: string;
  params: ParamSpec[];
  /** Accepts `*args`: extra positionals land in `rest`. */
  varargs?: boolean;
  /** Accepts `**kwargs`: unknown keywords land in `extra`. */
  varkw?: boolean;
  /**
   * Parameters that may be bound to an Undefined: Python only raises when the function operates on it (str, bool,
   * iteration, comparison), and some never do (`isinstance`, a YAML dump).
   */
  undefinedOk?: string[];
}

export interface Bound {
  /** Values by parameter name (defaults filled in). */
  v: Record<string, unknown>;
  rest: unknown[];
  extra: Dict;
}

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

/**
 * Bind Python-style: positionals in order, keywords by name, defaults last. Every value but a parameter named
 * `default` must be defined (StrictUndefined); a `default` may be handed back untouched as Python does.
 */
export function bindSig(sig: Signature, args: unknown[], kw: Dict): Bound {
  const names = sig.params.map((p) => (typeof p === 'string' ? p : p[0]));
  const v: Record<string, unknown> = {};
  const rest: unknown[] = [];
  const extra: Dict = {};
  if (args.length > names.length && !sig.varargs) {
    const min = sig.params.filter((p) => typeof p === 'string').length;
    const range = min === names.length ? String(names.length) : `from ${min} to ${names.length}`;
    throw new TemplateError(`${sig.name}() takes ${range} positional argument${names.length === 1 && min === 1 ? '' : 's'} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`, 'type');
  }
  args.forEach((a, i) => {
    if (i < names.length) v[names[i]!] = a;
    else rest.push(a);
  });
  for (const [k, x] of Object.entries(kw)) {
    const i = names.indexOf(k);
    if (i === -1) {
      if (!sig.varkw) throw new TemplateError(`${sig.name}() got an unexpected keyword argument '${k}'`, 'type');
      extra[k] = x;
    } else if (i < args.length) {
      throw new TemplateError(`${sig.name}() got multiple values for argument '${k}'`, 'type');
    } else v[k] = x;
  }
  const missing: string[] = [];
  sig.params.forEach((p, i) => {
    const n = names[i]!;
    if (Object.prototype.hasOwnProperty.call(v, n)) return;
    if (typeof p === 'string') missing.push(n);
    else v[n] = p[1];
  });
  if (missing.length) {
    const list = missing.map((m) => `'${m}'`);
    const words = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
    throw new TemplateError(`${sig.name}() missing ${plural(missing.length, 'required positional argument')}: ${words}`, 'type');
  }
  for (const [k, x] of Object.entries(v)) if (k !== 'default' && !sig.undefinedOk?.includes(k)) strict(x);
  rest.forEach((x) => strict(x));
  return { v, rest, extra };
}

/** A template function from a signature and a body over the bound values. */
export function fn(
  name: string,
  params: ParamSpec[],
  body: (v: Record<string, unknown>, b: Bound, x: CallCtx) => unknown,
  more: Omit<Signature, 'name' | 'params'> = {},
): TemplateFunction {
  const sig: Signature = { name, params, ...more };
  return (args, kw, x) => {
    const b = bindSig(sig, args, kw);
    const r = body(b.v, b, x);
    return r === undefined ? null : r;
  };
}

/* ------------------------------------------------------------------ Python types */

export const isStr = (v: unknown): v is string => typeof v === 'string';
/** `isinstance(v, list)` (a tuple is not a list). */
export const isList = (v: unknown): v is unknown[] => Array.isArray(v) && !isTuple(v);
/** `isinstance(v, (list, tuple))`. */
export const isSeq = (v: unknown): v is unknown[] => Array.isArray(v);

/** `isinstance(v, Hashable)`: scalars and tuples (of anything: Python checks the type only). */
export function isHashable(v: unknown): boolean {
  if (Array.isArray(v)) return isTuple(v);
  if (isDict(v)) return false;
  return true;
}

/** `x in lst` for a list. */
export function inList(lst: unknown[], x: unknown): boolean {
  return lst.some((y) => pyEq(y, x));
}

/** Python's `str(x)`. */
export function str(v: unknown): string {
  return pyStr(strict(v));
}

/** A str argument, or Python's TypeError. */
export function wantStr(v: unknown, what: string): string {
  strict(v);
  if (typeof v !== 'string') throw new TemplateError(`${what} must be str, not ${typeName(v)}`, 'type');
  return v;
}

/** Python truthiness of a possibly-undefined value (StrictUndefined raises). */
export { pyBool } from '../jinja/values';

/** `copy.deepcopy`: dicts keep their kind (PyDict / plain), tuples stay tuples, sharing is kept (memo). */
export function deepcopy<T>(v: T, memo: Map<object, unknown> = new Map()): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof PyFloat || v instanceof Undefined) return v;
  const seen = memo.get(v as object);
  if (seen !== undefined) return seen as T;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    if (isTuple(v)) pyTuple(out);
    memo.set(v, out);
    for (const x of v) out.push(deepcopy(x, memo));
    return out as T;
  }
  if (v instanceof PyDict) {
    const out = sameKind(v);
    memo.set(v, out);
    for (const [k, x] of v.entries()) out.set(deepcopy(k, memo), deepcopy(x, memo));
    return keepOdict(v, out) as T;
  }
  if (isPlainObject(v)) {
    const out: Dict = {};
    memo.set(v, out);
    for (const k of plainKeys(v)) setOwn(out, k, deepcopy(v[k], memo));
    copyKeyOrder(v, out);
    return keepOdict(v, out) as T;
  }
  return v;
}

/** Set a key on a plain object (safe for `__proto__`). */
export function setOwn(o: Dict, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** A Python dict (a template-made dict: `|yaml` sorts its keys) from entries. */
export function pyDict(entries: [unknown, unknown][] = []): PyDict {
  return new PyDict(entries);
}

/** `dict(d)`: a shallow copy as a Python dict. */
export function shallowDict(d: AnyDict): PyDict {
  return new PyDict(dictEntries(d));
}

/** Python's `int(text)` for a str: None when it does not parse. */
export function parseIntPy(text: string, base = 10): number | bigint | null {
  const t = text.trim();
  if (base === 10) {
    if (!/^[-+]?\d+(_\d+)*$/.test(t)) return null;
    const clean = t.replace(/_/g, '');
    const n = Number(clean);
    return Number.isSafeInteger(n) ? n : BigInt(clean);
  }
  let body = t.toLowerCase();
  const neg = body.startsWith('-');
  body = body.replace(/^[-+]/, '');
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  if (prefix && body.startsWith(prefix)) body = body.slice(2);
  body = body.replace(/^_/, '');
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (!body || body.endsWith('_') || body.includes('__') || ![...body.replace(/_/g, '')].every((c) => digits.includes(c))) return null;
  const n = parseInt(body.replace(/_/g, ''), base);
  return neg ? -n : n;
}

/** Python's `float(text)` for a str: None when it does not parse. */
export function parseFloatPy(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^[-+]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)(e[-+]?\d+(_\d+)*)?$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(t)) return NaN;
  return null;
}

/** A SaltInvocationError / CommandExecutionError / TypeError surfacing in a render. */
export function saltError(msg: string): TemplateError {
  return new TemplateError(msg, 'runtime');
}

/** A Python `bytes` value (what `to_bytes` and a non-UTF-8 `base64_decode` return). */
export class PyBytes {
  readonly pyType = 'bytes';
  constructor(readonly b: Buffer) {}
  pyLen(): number {
    return this.b.length;
  }
  pyRepr(): string {
    const s = this.b.toString('latin1');
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    let out = 'b' + q;
    for (const byte of this.b) {
      const c = String.fromCharCode(byte);
      if (c === '\\' || c === q) out += '\\' + c;
      else if (c === '\t') out += '\\t';
      else if (c === '\n') out += '\\n';
      else if (c === '\r') out += '\\r';
      else if (byte < 0x20 || byte >= 0x7f) out += '\\x' + byte.toString(16).padStart(2, '0');
      else out += c;
    }
    return out + q;
  }
  pyStr(): string {
    return this.pyRepr();
  }
  /** bytes are hashable: a dict key (never equal to a str's). */
  pyHashKey(): string {
    return 'b' + this.b.toString('hex');
  }
}

/** A filter with a Python signature: the filtered value is the first parameter. */
export function filter(
  name: string,
  params: ParamSpec[],
  body: (v: Record<string, unknown>, b: Bound, x: CallCtx) => unknown,
  more: Omit<Signature, 'name' | 'params'> = {},
): (value: unknown, args: unknown[], kw: Dict, x: CallCtx) => unknown {
  const sig: Signature = { name, params, ...more };
  return (value, args, kw, x) => {
    const b = bindSig(sig, [value, ...args], kw);
    const r = body(b.v, b, x);
    return r === undefined ? null : r;
  };
}

/** Python's order of two str: by code point (JS compares UTF-16 units). */
export function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}
