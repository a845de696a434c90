/** Python string formatting: `'%s-%d' % (a, 3)` (printf-style) and `'{}-{name}'.format(...)`. */
import { asStr, isPyDict, isTuple, pyRepr, pyStr, pyTuple, splitArgs, typeName } from './pyvalues';

const PERCENT = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([diouxXeEfFgGcrsa%])/g;

function pad(s: string, flags: string, width: number | undefined, numeric: boolean): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width);
}

function toNumber(v: unknown, conv: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  throw new Error(`%${conv} format: a number is required, not ${typeName(v)}`);
}

function convert(v: unknown, flags: string, width: number | undefined, prec: number | undefined, conv: string): string {
  let s: string;
  let numeric = true;
  switch (conv) {
    case 's':
      s = pyStr(v);
      if (prec !== undefined) s = s.slice(0, prec);
      numeric = false;
      break;
    case 'r':
    case 'a':
      s = pyRepr(v);
      numeric = false;
      break;
    case 'c':
      s = typeof v === 'number' ? String.fromCodePoint(v) : pyStr(v);
      numeric = false;
      break;
    case 'd':
    case 'i':
    case 'u':
      s = String(Math.trunc(toNumber(v, conv)));
      break;
    case 'o':
      s = Math.trunc(toNumber(v, conv)).toString(8);
      if (flags.includes('#')) s = '0o' + s;
      break;
    case 'x':
    case 'X':
      s = Math.trunc(toNumber(v, conv)).toString(16);
      if (flags.includes('#')) s = '0x' + s;
      if (conv === 'X') s = s.toUpperCase();
      break;
    case 'e':
    case 'E':
      s = toNumber(v, conv).toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      if (conv === 'E') s = s.toUpperCase();
      break;
    case 'g':
    case 'G':
      s = String(Number(toNumber(v, conv).toPrecision(prec ?? 6)));
      break;
    default:
      s = toNumber(v, conv).toFixed(prec ?? 6);
  }
  if (numeric && !s.startsWith('-')) {
    if (flags.includes('+')) s = '+' + s;
    else if (flags.includes(' ')) s = ' ' + s;
  }
  return pad(s, flags, width, numeric);
}

/** Python `fmt % args`: a tuple spreads, a dict feeds `%(name)s`, anything else (a list too) is the one argument. */
export function percentFormat(fmt: string, args: unknown): string {
  const list = isTuple(args) ? (args as unknown[]) : [args];
  let i = 0;
  const out = fmt.replace(PERCENT, (_m, key: string | undefined, flags: string, w: string | undefined, p: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    let width = w === undefined ? undefined : w === '*' ? Number(list[i++]) : Number(w);
    if (width !== undefined && width < 0) {
      flags += '-';
      width = -width;
    }
    let v: unknown;
    if (key !== undefined) {
      if (!isPyDict(args)) throw new Error('format requires a mapping');
      v = args[key];
      if (!(key in args)) throw new Error(`KeyError: '${key}'`);
    } else {
      if (i >= list.length) throw new Error('not enough arguments for format string');
      v = list[i++];
    }
    return convert(v, flags, width, p === undefined ? undefined : Number(p), conv);
  });
  if (!isPyDict(args) && i < list.length) throw new Error('not all arguments converted during string formatting');
  return out;
}

/** Python's `%` operator: string formatting for strings, floored modulo for numbers. */
export function pyMod(a: unknown, b: unknown): unknown {
  const s = asStr(a);
  if (s !== undefined) return percentFormat(s, b);
  const x = Number(a);
  const y = Number(b);
  return ((x % y) + y) % y;
}

const FIELD = /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}/g;

function formatSpec(v: unknown, spec: string): string {
  const m = /^(?:(.)?([<>^=]))?([-+ ])?(#)?(0)?(\d+)?(,)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) throw new Error(`Invalid format specifier '${spec}'`);
  const [, fill = ' ', align, sign, , zero, w, , p, type] = m;
  let s: string;
  if (type && type !== 's') s = convert(v, sign ?? '', undefined, p === undefined ? undefined : Number(p), type === 'n' ? 'd' : type === 'b' ? 'd' : type);
  else s = p !== undefined ? pyStr(v).slice(0, Number(p)) : pyStr(v);
  if (type === 'b') s = Math.trunc(Number(v)).toString(2);
  const width = w === undefined ? 0 : Number(w);
  if (s.length >= width) return s;
  const a = align ?? (zero ? '=' : typeof v === 'number' ? '>' : '<');
  const f = zero && !align ? '0' : fill;
  const n = width - s.length;
  if (a === '<') return s + f.repeat(n);
  if (a === '>') return f.repeat(n) + s;
  if (a === '^') return f.repeat(Math.floor(n / 2)) + s + f.repeat(Math.ceil(n / 2));
  const sg = /^[-+ ]/.test(s) ? s[0]! : '';
  return sg + f.repeat(n) + s.slice(sg.length);
}

/** Python `str.format(*args, **kwargs)`: `{}`, `{0}`, `{name}`, `{0[key]}`, `{a.b}`, `!r`, and format specs. */
export function strFormat(fmt: string, rawArgs: unknown[]): string {
  const [args, kw] = splitArgs(rawArgs);
  let auto = 0;
  return fmt.replace(FIELD, (m, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const parts = (field ?? '').split(/(?=[.[])/);
    const head = parts.shift() ?? '';
    let v: unknown = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[Number(head)] : kw[head];
    for (const p of parts) {
      const key = p.startsWith('.') ? p.slice(1) : p.slice(1, -1);
      v = Array.isArray(v) && /^\d+$/.test(key) ? v[Number(key)] : (v as Record<string, unknown> | null)?.[key];
    }
    if (v === undefined) throw new Error(`format: no value for field '{${field ?? ''}}'`);
    if (conv === 'r' || conv === 'a') v = pyRepr(v);
    return spec ? formatSpec(v, spec) : pyStr(v);
  });
}

/** Jinja's `format` filter: `'%s-%d'|format(a, 3)` is `'%s-%d' % (a, 3)`; keywords feed `%(name)s`. */
export function formatFilter(fmt: unknown, ...rest: unknown[]): string {
  const [args, kw] = splitArgs(rest);
  const named = Object.keys(kw).length > 0;
  if (named && args.length) throw new Error("format: can't handle positional and keyword arguments at the same time");
  return percentFormat(pyStr(fmt), named ? kw : pyTuple(args));
}
