/** Python operators on template values: arithmetic, comparison, `in`, subscripts and slices. */
import { TemplateError } from './errors';
import { percentFormat } from './format';
import {
  Markup, PyFloat, dictHas, isDict, isFloat, isInt, isNumber, isTuple, mkFloat, num, pyEq, pyIter, pyTuple, strict, typeName,
} from './values';

const typeErr = (msg: string): TemplateError => new TemplateError(msg, 'type');

function unsupported(op: string, a: unknown, b: unknown): TemplateError {
  return typeErr(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

const toBig = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(typeof v === 'boolean' ? Number(v) : (v as number)));

/** An int result: a JS number while exact, a bigint past 2^53. */
function intResult(n: number, big: () => bigint): number | bigint {
  if (Number.isSafeInteger(n)) return n;
  const b = big();
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

const isIntLike = (v: unknown): boolean => isInt(v) || typeof v === 'boolean';

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

function pyModNum(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r === 0 ? (b < 0 ? -0 : 0) : r;
}

function zeroCheck(b: unknown, what: string): void {
  if (num(b) === 0) throw new TemplateError(what, 'runtime');
}

export function binop(op: string, a: unknown, b: unknown): unknown {
  strict(a);
  strict(b);
  if (a instanceof Markup || b instanceof Markup) {
    if (op === 'add' && (a instanceof Markup || typeof a === 'string') && (b instanceof Markup || typeof b === 'string')) {
      return new Markup(Markup.escape(a) + Markup.escape(b));
    }
    if (op === 'mod' && a instanceof Markup) {
      const esc = (x: unknown): unknown => (typeof x === 'string' || x instanceof Markup ? Markup.escape(x) : x);
      const args = isTuple(b) ? pyTuple(b.map(esc)) : isDict(b) ? b : esc(b);
      return new Markup(percentFormat(a.s, args));
    }
    if (op === 'mul') {
      const m = a instanceof Markup ? a : (b as Markup);
      return new Markup(binop('mul', m.s, a instanceof Markup ? b : a) as string);
    }
    if (a instanceof Markup) a = a.s;
    if (b instanceof Markup) b = b.s;
  }
  const numeric = isNumber(a) && isNumber(b);
  const ints = numeric && isIntLike(a) && isIntLike(b);
  switch (op) {
    case 'add':
      if (numeric) {
        if (ints) return intResult(num(a) + num(b), () => toBig(a) + toBig(b));
        return mkFloat(num(a) + num(b));
      }
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
        const r = [...a, ...b];
        return isTuple(a) ? pyTuple(r) : r;
      }
      if (typeof a === 'string') throw typeErr(`can only concatenate str (not "${typeName(b)}") to str`);
      if (Array.isArray(a) && !isTuple(a)) throw typeErr(`can only concatenate list (not "${typeName(b)}") to list`);
      throw unsupported('+', a, b);
    case 'sub':
      if (numeric) return ints ? intResult(num(a) - num(b), () => toBig(a) - toBig(b)) : mkFloat(num(a) - num(b));
      throw unsupported('-', a, b);
    case 'mul':
      if (numeric) return ints ? intResult(num(a) * num(b), () => toBig(a) * toBig(b)) : mkFloat(num(a) * num(b));
      if ((typeof a === 'string' || Array.isArray(a)) && isIntLike(b)) return repeat(a, num(b));
      if ((typeof b === 'string' || Array.isArray(b)) && isIntLike(a)) return repeat(b, num(a));
      if (typeof a === 'string' || typeof b === 'string' || Array.isArray(a) || Array.isArray(b)) {
        throw typeErr(`can't multiply sequence by non-int of type '${typeName(typeof a === 'string' || Array.isArray(a) ? b : a)}'`);
      }
      throw unsupported('*', a, b);
    case 'div':
      if (numeric) {
        zeroCheck(b, 'division by zero');
        return mkFloat(num(a) / num(b));
      }
      throw unsupported('/', a, b);
    case 'floordiv':
      if (numeric) {
        zeroCheck(b, ints ? 'integer division or modulo by zero' : 'float floor division by zero');
        if (ints) {
          if (typeof a === 'bigint' || typeof b === 'bigint') {
            const x = toBig(a), y = toBig(b);
            const q = x / y;
            return (x % y !== 0n && (x < 0n) !== (y < 0n)) ? q - 1n : q;
          }
          return floorDiv(num(a), num(b));
        }
        return mkFloat(floorDiv(num(a), num(b)));
      }
      throw unsupported('//', a, b);
    case 'mod':
      if (typeof a === 'string') return percentFormat(a, b);
      if (numeric) {
        zeroCheck(b, ints ? 'integer division or modulo by zero' : 'float modulo');
        const r = pyModNum(num(a), num(b));
        return ints ? r : mkFloat(r);
      }
      throw unsupported('%', a, b);
    case 'pow':
      if (numeric) {
        if (ints && num(b) >= 0) return intResult(num(a) ** num(b), () => toBig(a) ** toBig(b));
        if (num(a) === 0 && num(b) < 0) throw new TemplateError('0.0 cannot be raised to a negative power', 'runtime');
        const r = num(a) ** num(b);
        if (!Number.isFinite(r) && Number.isFinite(num(a)) && Number.isFinite(num(b))) throw new TemplateError("(34, 'Numerical result out of range')", 'runtime');
        return mkFloat(r);
      }
      throw unsupported('** or pow()', a, b);
  }
  throw new TemplateError(`unknown operator ${op}`);
}

function repeat(seq: string | unknown[], n: number): unknown {
  if (typeof seq === 'string') return n > 0 ? seq.repeat(n) : '';
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(...seq);
  return isTuple(seq) ? pyTuple(out) : out;
}

export function neg(v: unknown): unknown {
  strict(v);
  if (isIntLike(v)) return typeof v === 'bigint' ? -v : intResult(-num(v), () => -toBig(v));
  if (isFloat(v)) return mkFloat(-num(v));
  throw typeErr(`bad operand type for unary -: '${typeName(v)}'`);
}

export function pos(v: unknown): unknown {
  strict(v);
  if (typeof v === 'boolean') return Number(v);
  if (isNumber(v)) return v;
  throw typeErr(`bad operand type for unary +: '${typeName(v)}'`);
}

/** Python's ordering `a < b` etc.: numbers with numbers, strings with strings, sequences item by item. */
export function pyCmp(a: unknown, b: unknown, op: string): number {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'bigint' || typeof b === 'bigint') {
      if (!isFloat(a) && !isFloat(b)) {
        const x = toBig(a), y = toBig(b);
        return x < y ? -1 : x > y ? 1 : 0;
      }
    }
    const x = num(a), y = num(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    // Python compares code points; JS compares UTF-16 units (differs only past the BMP).
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!pyEq(a[i], b[i])) return pyCmp(a[i], b[i], op);
    return a.length - b.length;
  }
  strict(a);
  strict(b);
  throw typeErr(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function contains(container: unknown, item: unknown): boolean {
  strict(container);
  strict(item);
  if (container instanceof Markup) container = container.s;
  if (item instanceof Markup) item = item.s;
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw typeErr(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEq(x, item));
  if (isDict(container)) return dictHas(container, item);
  const c = (container as { pyContains?: (x: unknown) => boolean } | null)?.pyContains;
  if (typeof c === 'function') return c.call(container, item);
  if (container !== null && typeof container === 'object') return pyIter(container).some((x) => pyEq(x, item));
  throw typeErr(`argument of type '${typeName(container)}' is not iterable`);
}

export function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case 'eq':
      return pyEq(a, b);
    case 'ne':
      return !pyEq(a, b);
    case 'lt':
      return pyCmp(a, b, '<') < 0;
    case 'lteq':
      return pyCmp(a, b, '<=') <= 0;
    case 'gt':
      return pyCmp(a, b, '>') > 0;
    case 'gteq':
      return pyCmp(a, b, '>=') >= 0;
    case 'in':
      return contains(b, a);
    case 'notin':
      return !contains(b, a);
  }
  throw new TemplateError(`unknown comparison ${op}`);
}

/** A slice object (`x[a:b:c]`). */
export class PySlice {
  readonly pyType = 'slice';
  constructor(
    readonly start: unknown,
    readonly stop: unknown,
    readonly step: unknown,
  ) {}
}

function sliceIndex(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  strict(v);
  if (!isIntLike(v)) throw typeErr('slice indices must be integers or None or have an __index__ method');
  return num(v);
}

/** Python's slice over a sequence of length n: the selected indices. */
export function sliceIndices(s: PySlice, n: number): number[] {
  const step = sliceIndex(s.step) ?? 1;
  if (step === 0) throw new TemplateError('slice step cannot be zero', 'runtime');
  const clamp = (v: number | null, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    if (v < 0) v += n;
    return Math.min(Math.max(v, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    const start = clamp(sliceIndex(s.start), 0, 0, n);
    const stop = clamp(sliceIndex(s.stop), n, 0, n);
    for (let i = start; i < stop; i += step) out.push(i);
  } else {
    const start = clamp(sliceIndex(s.start), n - 1, -1, n - 1);
    const stop = clamp(sliceIndex(s.stop), -1, -1, n - 1);
    for (let i = start; i > stop; i += step) out.push(i);
  }
  return out;
}

export function applySlice(v: unknown, s: PySlice): unknown {
  if (typeof v === 'string') {
    const chars = [...v];
    return sliceIndices(s, chars.length).map((i) => chars[i]).join('');
  }
  if (Array.isArray(v)) {
    const r = sliceIndices(s, v.length).map((i) => v[i]);
    return isTuple(v) ? pyTuple(r) : r;
  }
  return undefined;
}

