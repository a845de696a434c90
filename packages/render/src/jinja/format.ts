/** Python string formatting: `'%s-%d' % (a, 3)` (printf-style) and `'{}-{name}'.format(...)`. */
import { TemplateError } from './errors';
import {
  MISSING, PyFloat, dictGet, isDict, isFloat, isNumber, isTuple, num, pyRepr, pyStr, type Dict, typeName,
} from './values';

const PERCENT = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcrsa%])/g;

function pad(s: string, flags: string, width: number | undefined, numeric: boolean): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]/.test(s) ? s[0]! : '';
    const pre = /^[-+ ]?0[xXob]/.test(s) ? s.slice(sign.length, sign.length + 2) : '';
    const body = s.slice(sign.length + pre.length);
    return sign + pre + body.padStart(width - sign.length - pre.length, '0');
  }
  return s.padStart(width);
}

function toNumber(v: unknown, conv: string): number {
  if (isNumber(v)) return num(v);
  throw new TemplateError(`%${conv} format: a real number is required, not ${typeName(v)}`, 'type');
}

function toIntStr(v: unknown, conv: string, radix: number): string {
  if (typeof v === 'bigint') return v.toString(radix);
  if (!isNumber(v)) throw new TemplateError(`%${conv} format: an integer is required, not ${typeName(v)}`, 'type');
  if (isFloat(v) && conv !== 'd' && conv !== 'i' && conv !== 'u') throw new TemplateError(`%${conv} format: an integer is required, not float`, 'type');
  return Math.trunc(num(v)).toString(radix);
}

/** Python's `%e` digits: at least two exponent digits. */
function expForm(x: number, prec: number): string {
  return x.toExponential(prec).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's `%g` / `{:g}`. */
export function generalForm(x: number, prec: number, alt = false): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const p = prec === 0 ? 1 : prec;
  if (x === 0) return alt ? '0.' + '0'.repeat(p - 1) : Object.is(x, -0) ? '-0' : '0';
  const exp = Number(x.toExponential(p - 1).split('e')[1]);
  let s: string;
  if (exp >= -4 && exp < p) s = x.toFixed(Math.max(0, p - 1 - exp));
  else s = expForm(x, p - 1);
  if (!alt) s = s.replace(/\.?0+(?=e|$)/, (m) => (m.startsWith('.') || s.includes('.') ? '' : m));
  return s;
}

/** `x` with `prec` decimals, rounded half-even on its exact binary value (Python's `%.Nf` and round()). */
export function fixedForm(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (prec > 40 || Math.abs(x) >= 1e21) return x.toFixed(Math.min(prec, 100));
  const exact = Math.abs(x).toFixed(Math.min(100, prec + 60));
  const [ip, fp = ''] = exact.split('.') as [string, string | undefined];
  const rest = fp.slice(prec);
  let n = BigInt(ip + fp.slice(0, prec));
  const tie = /^50*$/.test(rest);
  if ((!tie && rest[0]! >= '5') || (tie && n % 2n === 1n)) n += 1n;
  let s = n.toString().padStart(prec + 1, '0');
  if (prec) s = s.slice(0, -prec) + '.' + s.slice(-prec);
  return (x < 0 || Object.is(x, -0) ? '-' : '') + s;
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
      if (prec !== undefined) s = s.slice(0, prec);
      numeric = false;
      break;
    case 'c':
      s = typeof v === 'number' ? String.fromCodePoint(v) : pyStr(v);
      numeric = false;
      break;
    case 'd':
    case 'i':
    case 'u':
      s = toIntStr(v, conv, 10);
      break;
    case 'o':
      s = toIntStr(v, conv, 8);
      if (flags.includes('#')) s = s.replace(/^(-?)/, '$10o');
      break;
    case 'x':
    case 'X':
      s = toIntStr(v, conv, 16);
      if (flags.includes('#')) s = s.replace(/^(-?)/, '$10x');
      if (conv === 'X') s = s.toUpperCase();
      break;
    case 'e':
    case 'E':
      s = expForm(toNumber(v, conv), prec ?? 6);
      if (conv === 'E') s = s.toUpperCase();
      break;
    case 'g':
    case 'G':
      s = generalForm(toNumber(v, conv), prec ?? 6, flags.includes('#'));
      if (conv === 'G') s = s.toUpperCase();
      break;
    default:
      s = fixedForm(toNumber(v, conv), prec ?? 6);
      if (conv === 'F') s = s.toUpperCase();
  }
  if (numeric && !s.startsWith('-')) {
    if (flags.includes('+')) s = '+' + s;
    else if (flags.includes(' ')) s = ' ' + s;
  }
  return pad(s, flags, width, numeric);
}

/** Python `fmt % args`: a tuple spreads, a dict feeds `%(name)s`, anything else is the one argument. */
export function percentFormat(fmt: string, args: unknown): string {
  const list = isTuple(args) ? args : [args];
  let i = 0;
  let usedMapping = false;
  const out = fmt.replace(PERCENT, (_m, key: string | undefined, flags: string, w: string | undefined, p: string | undefined, conv: string) => {
    if (conv === '%' && key === undefined) return '%';
    let width = w === undefined ? undefined : w === '*' ? num(list[i++]) : Number(w);
    if (width !== undefined && width < 0) {
      flags += '-';
      width = -width;
    }
    const prec = p === undefined ? undefined : p === '*' ? num(list[i++]) : Number(p);
    let v: unknown;
    if (key !== undefined) {
      if (!isDict(args)) throw new TemplateError('format requires a mapping', 'type');
      usedMapping = true;
      v = dictGet(args, key);
      if (v === MISSING) throw new TemplateError(`'${key}'`, 'runtime');
    } else {
      if (i >= list.length) throw new TemplateError('not enough arguments for format string', 'type');
      v = list[i++];
    }
    if (conv === '%') return '%';
    return convert(v, flags, width, prec, conv);
  });
  if (!usedMapping && !isDict(args) && i < list.length) throw new TemplateError('not all arguments converted during string formatting', 'type');
  return out;
}

const FIELD = /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::((?:[^{}]|\{[^{}]*\})*))?\}/g;

function groupThousands(s: string, sep: string): string {
  const [int, frac] = s.split('.') as [string, string | undefined];
  const sign = /^[-+ ]/.test(int) ? int[0]! : '';
  const digits = int.slice(sign.length).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return sign + digits + (frac !== undefined ? '.' + frac : '');
}

export function formatSpec(v: unknown, spec: string): string {
  const m = /^(?:([\s\S])?([<>^=]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) throw new TemplateError(`Invalid format specifier '${spec}' for object of type '${typeName(v)}'`, 'runtime');
  const [, fillC, align, sign = '-', alt, zero, w, group, p, typeC] = m;
  const prec = p === undefined ? undefined : Number(p);
  const isNum = isNumber(v) && typeof v !== 'boolean' ? true : typeof v === 'boolean' && typeC !== undefined && typeC !== 's';
  let type = typeC;
  if (type === undefined && isNum) type = isFloat(v) || v instanceof PyFloat ? (prec !== undefined ? 'g' : '') : 'd';
  let s: string;
  if (!isNum || type === 's') {
    if (type && type !== 's') throw new TemplateError(`Unknown format code '${type}' for object of type '${typeName(v)}'`, 'runtime');
    s = pyStr(v);
    if (prec !== undefined) s = s.slice(0, prec);
  } else {
    const x = num(v);
    switch (type) {
      case 'd':
      case 'n':
        if (isFloat(v)) throw new TemplateError(`Unknown format code 'd' for object of type 'float'`, 'runtime');
        s = String(Math.trunc(x));
        break;
      case 'b': s = (alt ? '0b' : '') + Math.trunc(x).toString(2); break;
      case 'o': s = (alt ? '0o' : '') + Math.trunc(x).toString(8); break;
      case 'x': s = (alt ? '0x' : '') + Math.trunc(x).toString(16); break;
      case 'X': s = (alt ? '0X' : '') + Math.trunc(x).toString(16).toUpperCase(); break;
      case 'c': s = String.fromCodePoint(x); break;
      case 'e': case 'E': s = expForm(x, prec ?? 6); if (type === 'E') s = s.toUpperCase(); break;
      case 'f': case 'F': s = fixedForm(x, prec ?? 6); break;
      case 'g': case 'G': s = generalForm(x, prec ?? 6, !!alt); if (type === 'G') s = s.toUpperCase(); break;
      case '%': s = fixedForm(x * 100, prec ?? 6) + '%'; break;
      default: s = prec === undefined ? pyStr(v) : generalForm(x, prec, !!alt);
    }
    s = s.replace(/^-?/, (neg) => neg || (sign === '+' ? '+' : sign === ' ' ? ' ' : ''));
    if (group) s = groupThousands(s, group);
  }
  const width = w === undefined ? 0 : Number(w);
  if (s.length >= width) return s;
  const a = align ?? (zero && isNum ? '=' : isNum ? '>' : '<');
  const f = fillC ?? (zero && !align ? '0' : ' ');
  const n = width - s.length;
  if (a === '<') return s + f.repeat(n);
  if (a === '>') return f.repeat(n) + s;
  if (a === '^') return f.repeat(Math.floor(n / 2)) + s + f.repeat(Math.ceil(n / 2));
  const sg = /^[-+ ]/.test(s) ? s[0]! : '';
  return sg + f.repeat(n) + s.slice(sg.length);
}

/** Python `str.format(*args, **kwargs)`: `{}`, `{0}`, `{name}`, `{0[key]}`, `{a.b}`, `!r`, and format specs. */
export function strFormat(fmt: string, args: unknown[], kw: Dict, getattr: (o: unknown, k: string) => unknown): string {
  let auto = 0;
  return fmt.replace(FIELD, (m, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const parts = (field ?? '').split(/(?=[.[])/);
    const head = parts.shift() ?? '';
    let v: unknown;
    if (head === '') {
      if (auto >= args.length) throw new TemplateError(`Replacement index ${auto} out of range for positional args tuple`, 'runtime');
      v = args[auto++];
    } else if (/^\d+$/.test(head)) {
      if (Number(head) >= args.length) throw new TemplateError(`Replacement index ${head} out of range for positional args tuple`, 'runtime');
      v = args[Number(head)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(kw, head)) throw new TemplateError(`'${head}'`, 'runtime');
      v = kw[head];
    }
    for (const p of parts) {
      if (p.startsWith('.')) v = getattr(v, p.slice(1));
      else {
        const key = p.slice(1, -1);
        v = Array.isArray(v) && /^\d+$/.test(key) ? v[Number(key)] : isDict(v) ? dictGet(v, /^\d+$/.test(key) ? Number(key) : key) : undefined;
        if (v === MISSING || v === undefined) throw new TemplateError(`'${key}'`, 'runtime');
      }
    }
    if (conv === 'r' || conv === 'a') v = pyRepr(v);
    else if (conv === 's') v = pyStr(v);
    if (spec && spec.includes('{')) {
      spec = spec.replace(/\{([^{}]*)\}/g, (_x, f: string) => pyStr(f === '' ? args[auto++] : /^\d+$/.test(f) ? args[Number(f)] : kw[f]));
    }
    return spec ? formatSpec(v, spec) : pyStr(v);
  });
}
