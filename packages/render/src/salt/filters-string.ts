/**
 * Salt's string filters (salt.utils.stringutils, hashutils, dateutils, path, salt.utils.jinja's quote and uuid):
 * quote, uuid, hashes, base64, numbers from text, case conversions, byte sizes, white/black lists, strftime,
 * path_join, which.
 */
import { createHash, createHmac, randomBytes, randomInt } from 'crypto';
import { TemplateError } from '../jinja/errors';
import type { FilterFn } from '../jinja/runtime';
import { Markup, PyFloat, isDict, isFloat, isInt, mkFloat, num, pyBool, pyIter, pyStr, typeName } from '../jinja/values';
import { fnmatchcase } from './data';
import { PyBytes, filter, parseFloatPy, parseIntPy } from './py';
import { saltPathJoin, which } from './pypath';
import { pyRegex } from './pyregex';

/** salt.utils.stringutils.to_bytes / to_str: str only (bytes pass through). */
function bytesOf(v: unknown): Buffer {
  if (v instanceof PyBytes) return v.b;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if ((v as { pyType?: string } | null)?.pyType === 'Markup') return Buffer.from(pyStr(v), 'utf8');
  throw new TemplateError(`expected str, bytes, or bytearray not <class '${typeName(v)}'>`, 'type');
}

function strOf(v: unknown): string {
  if (v instanceof PyBytes) return v.b.toString('utf8');
  return bytesOf(v).toString('utf8');
}

/** shlex.quote. */
/**
 * Python's base64.b64decode (not validating): characters outside the alphabet are skipped; the data must end on a
 * whole quantum or be padded with enough '=' (binascii's "Incorrect padding" / "1 more than a multiple of 4").
 */
export function b64decode(input: string): Buffer {
  // binascii.a2b_base64 (strict_mode=False), step by step: a pad that completes a quantum ends the input.
  const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out: number[] = [];
  let quad = 0;
  let pads = 0;
  let acc = 0;
  let bits = 0;
  let count = 0;
  for (const ch of input) {
    if (ch === '=') {
      if (quad >= 2 && quad + ++pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = ALPHA.indexOf(ch);
    if (v < 0) continue;
    count++;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
    quad = (quad + 1) % 4;
  }
  if (quad === 1) throw new TemplateError(`binascii.Error: Invalid base64-encoded string: number of data characters (${count}) cannot be 1 more than a multiple of 4`, 'runtime');
  if (quad !== 0) throw new TemplateError('binascii.Error: Incorrect padding', 'runtime');
  return Buffer.from(out);
}

export function shellQuote(s: unknown): string {
  if (typeof s !== 'string') throw new TemplateError('expected string or bytes-like object', 'type');
  if (!s) return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

/** uuid.uuid5(namespace, name). */
export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(Buffer.concat([ns, Buffer.from(name, 'utf8')])).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const GLOBAL_UUID = '91633ebf-1c86-5e33-935a-28061f4b480e';

const digest = (algo: string) => (v: Record<string, unknown>) => createHash(algo).update(bytesOf(v['instr'])).digest('hex');

/** salt.utils.stringutils.to_num. */
function toNum(text: unknown): unknown {
  if (typeof text === 'boolean') return text ? 1 : 0;
  if (isInt(text)) return text;
  if (isFloat(text)) return Math.trunc(num(text));
  if (typeof text === 'string') {
    const i = parseIntPy(text);
    if (i !== null) return i;
    const f = parseFloatPy(text);
    if (f !== null) return mkFloat(f);
    return text;
  }
  throw new TemplateError(`int() argument must be a string, a bytes-like object or a real number, not '${typeName(text)}'`, 'type');
}

const isUpper = (c: string): boolean => c !== c.toLowerCase() && c === c.toUpperCase();
const isLower = (c: string): boolean => c !== c.toUpperCase() && c === c.toLowerCase();

function snakeCase(s: string): string {
  const c = [...s];
  let res = c[0]!.toLowerCase();
  for (let i = 1; i < c.length; i++) {
    const letter = c[i]!;
    if (isUpper(letter) && (isLower(c[i - 1]!) || (i !== c.length - 1 && isLower(c[i + 1]!)))) res += '_';
    res += letter.toLowerCase();
  }
  return res;
}

const capitalize = (w: string): string => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w);

function camelCase(s: string, upper: boolean): string {
  const words = s.split('_');
  if (upper) words[0] = capitalize(words[0]!);
  return words[0] + words.slice(1).map(capitalize).join('');
}

function humanToBytes(size: unknown, defaultUnit: string, handleMetric: boolean): number {
  const m = /^(?<value>[0-9.]*)\s*(?<unit>.*)$/s.exec(pyStr(size).trim())!;
  const unit = (m.groups!['unit']!.toLowerCase() || defaultUnit.toLowerCase());
  const raw = m.groups!['value']!;
  let value: number;
  const i = parseIntPy(raw);
  if (i !== null) value = Number(i);
  else {
    const f = parseFloatPy(raw);
    if (f === null) return 0;
    value = f;
  }
  let dec = false;
  if (/^[kmgtpezy]b$/.test(unit)) dec = handleMetric;
  else if (!/^(b|[kmgtpezy](ib)?)$/.test(unit)) return 0;
  const p = 'bkmgtpezy'.indexOf(unit[0]!);
  value *= dec ? 10 ** (p * 3) : 2 ** (p * 10);
  return Math.trunc(value);
}

function exprMatch(line: unknown, expr: unknown): boolean {
  if (typeof line !== 'string' || typeof expr !== 'string') return false;
  if (fnmatchcase(line, expr)) return true;
  try {
    return pyRegex(`\\A${expr}\\Z`).match(line) !== null;
  } catch {
    return false;
  }
}

function listArg(v: unknown): unknown[] {
  if (v === null || v === undefined || v === '' || v === false) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || isDict(v)) return pyIter(v);
  throw new TemplateError(`Expecting iterable list, but got ${typeName(v)} (${pyStr(v)})`, 'type');
}

/* strftime over a naive local datetime (datetime.fromtimestamp). */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function strftime(d: Date, fmt: string, micro = 0): string {
  const p = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);
  const yday = Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86400000) + 1;
  const weekNum = (firstDay: number): number => Math.floor((yday + 6 - ((d.getDay() - firstDay + 7) % 7)) / 7);
  const map: Record<string, () => string> = {
    a: () => DAYS[d.getDay()]!.slice(0, 3),
    A: () => DAYS[d.getDay()]!,
    b: () => MONTHS[d.getMonth()]!.slice(0, 3),
    h: () => MONTHS[d.getMonth()]!.slice(0, 3),
    B: () => MONTHS[d.getMonth()]!,
    c: () => strftime(d, '%a %b %e %H:%M:%S %Y'),
    C: () => p(Math.floor(d.getFullYear() / 100)),
    d: () => p(d.getDate()),
    D: () => strftime(d, '%m/%d/%y'),
    e: () => p(d.getDate(), 2, ' '),
    F: () => strftime(d, '%Y-%m-%d'),
    f: () => p(micro, 6),
    H: () => p(d.getHours()),
    I: () => p(d.getHours() % 12 || 12),
    j: () => p(yday, 3),
    k: () => p(d.getHours(), 2, ' '),
    l: () => p(d.getHours() % 12 || 12, 2, ' '),
    m: () => p(d.getMonth() + 1),
    M: () => p(d.getMinutes()),
    n: () => '\n',
    p: () => (d.getHours() < 12 ? 'AM' : 'PM'),
    r: () => strftime(d, '%I:%M:%S %p'),
    R: () => strftime(d, '%H:%M'),
    s: () => String(Math.floor(d.getTime() / 1000)),
    S: () => p(d.getSeconds()),
    t: () => '\t',
    T: () => strftime(d, '%H:%M:%S'),
    u: () => String(d.getDay() || 7),
    U: () => p(weekNum(0)),
    w: () => String(d.getDay()),
    W: () => p(weekNum(1)),
    x: () => strftime(d, '%m/%d/%y'),
    X: () => strftime(d, '%H:%M:%S'),
    y: () => p(d.getFullYear() % 100),
    Y: () => String(d.getFullYear()),
    z: () => '',
    Z: () => '',
    '%': () => '%',
  };
  return fmt.replace(/%([a-zA-Z%])/g, (m, c: string) => (map[c] ? map[c]!() : m));
}

/** salt.utils.dateutils.date_cast without timelib: None is now, a number (or numeric str) a Unix time. */
function dateCast(date: unknown): { d: Date; micro: number } {
  if (date === null || date === undefined) {
    const now = Date.now();
    return { d: new Date(now), micro: (now % 1000) * 1000 };
  }
  let t: number;
  if (typeof date === 'string') {
    if (/^\d+$/.test(date)) t = Number(date);
    else {
      const f = parseFloatPy(date);
      if (f === null) throw new TemplateError(`Unable to parse ${date}. Consider installing timelib`, 'runtime');
      t = f;
    }
  } else if (typeof date === 'number' || date instanceof PyFloat || typeof date === 'bigint' || typeof date === 'boolean') t = num(date);
  else throw new TemplateError(`Unable to parse ${pyStr(date)}. Consider installing timelib`, 'runtime');
  const ms = Math.floor(t * 1000);
  return { d: new Date(ms), micro: Math.round((t - Math.floor(t)) * 1e6) % 1000000 };
}

const strftimeFilter = filter('strftime', [['date', null], ['format', '%Y-%m-%d']], (v) => {
  const { d, micro } = dateCast(v['date']);
  return strftime(d, pyStr(v['format']), micro);
});

const randomHash = filter('random_hash', [['size', 9999999999], ['hash_type', null]], (v) => {
  const algo = v['hash_type'] ? pyStr(v['hash_type']) : 'md5';
  const n = Math.floor(Math.random() * (num(v['size']) + 1));
  return createHash(algo).update(String(n)).digest('hex');
});

export const STRING_FILTERS: Record<string, FilterFn> = {
  quote: filter('quote', ['txt'], (v) => shellQuote(v['txt'])),
  uuid: filter('uuid_', ['val'], (v) => uuid5(GLOBAL_UUID, strOf(v['val']))),
  md5: filter('md5_digest', ['instr'], digest('md5')),
  sha1: filter('sha1_digest', ['instr'], digest('sha1')),
  sha256: filter('sha256_digest', ['instr'], digest('sha256')),
  sha512: filter('sha512_digest', ['instr'], digest('sha512')),
  hmac: filter('hmac_signature', ['string', 'shared_secret', 'challenge_hmac'], (v) => {
    const mac = createHmac('sha256', bytesOf(v['shared_secret'])).update(bytesOf(v['string'])).digest('base64');
    return mac === bytesOf(v['challenge_hmac']).toString('latin1');
  }),
  hmac_compute: filter('hmac_compute', ['string', 'shared_secret'], (v) =>
    createHmac('sha256', bytesOf(v['shared_secret'])).update(bytesOf(v['string'])).digest('hex'),
  ),
  base64_encode: filter('base64_b64encode', ['instr'], (v) => bytesOf(v['instr']).toString('base64')),
  base64_decode: filter('base64_b64decode', ['instr'], (v) => {
    const raw = b64decode(bytesOf(v['instr']).toString('latin1'));
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return new PyBytes(raw);
    }
  }),
  str_to_num: filter('to_num', ['text'], (v) => toNum(v['text'])),
  to_num: filter('to_num', ['text'], (v) => toNum(v['text'])),
  to_bytes: filter('to_bytes', ['s', ['encoding', null], ['errors', 'strict']], (v) => new PyBytes(bytesOf(v['s']))),
  to_snake_case: filter('camel_to_snake_case', ['camel_input'], (v) => snakeCase(pyStr(v['camel_input']))),
  to_camelcase: filter('snake_to_camel_case', ['snake_input', ['uppercamel', false]], (v) => camelCase(pyStr(v['snake_input']), pyBool(v['uppercamel']))),
  human_to_bytes: filter('human_to_bytes', ['size', ['default_unit', 'B'], ['handle_metric', false]], (v) =>
    humanToBytes(v['size'], pyStr(v['default_unit']), pyBool(v['handle_metric'])),
  ),
  check_whitelist_blacklist: filter('check_whitelist_blacklist', ['value', ['whitelist', null], ['blacklist', null]], (v) => {
    const black = listArg(v['blacklist']);
    const white = listArg(v['whitelist']);
    const blackMatch = black.some((e) => exprMatch(v['value'], e));
    const whiteMatch = white.some((e) => exprMatch(v['value'], e));
    if (black.length && !white.length) return !blackMatch;
    if (white.length && !black.length) return whiteMatch;
    if (black.length && white.length) return !blackMatch && whiteMatch;
    return true;
  }),
  contains_whitespace: filter('contains_whitespace', ['text'], (v) => /\s/u.test(pyStr(v['text']))),
  is_hex: filter('is_hex', ['value'], (v) => typeof v['value'] === 'string' && parseIntPy(v['value'], 16) !== null),
  strftime: strftimeFilter,
  date_format: strftimeFilter,
  random_str: filter('random', [['size', 32]], (v) => randomBytes(num(v['size'])).toString('base64').slice(0, num(v['size']))),
  random_hash: randomHash,
  rand_str: randomHash,
  path_join: filter(
    'join',
    [],
    (_v, b) => {
      for (const k of Object.keys(b.extra)) if (k !== 'use_posixpath' && !k.startsWith('__')) throw new TemplateError(`The following keyword arguments are not valid: ${k}=${pyStr(b.extra[k])}`, 'runtime');
      // salt.utils.path.join takes str (or bytes) parts only.
      for (const p of b.rest) if (typeof p !== 'string' && !(p instanceof Markup) && !(p instanceof PyBytes)) throw new TemplateError(`expected str, bytes, or bytearray not <class '${typeName(p)}'>`, 'type');
      return saltPathJoin(b.rest.map((p) => pyStr(p)));
    },
    { varargs: true, varkw: true },
  ),
  which: filter('which', [['exe', null]], (v) => (v['exe'] ? which(pyStr(v['exe'])) : null)),
  gen_mac: filter('gen_mac', [['prefix', 'AC:DE:48']], (v) => {
    const h = (): string => randomInt(256).toString(16).toUpperCase().padStart(2, '0');
    return `${pyStr(v['prefix'])}:${h()}:${h()}:${h()}`;
  }),
};
