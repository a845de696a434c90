/**
 * random.* (Salt 3006 salt/modules/mod_random.py): hashes, encodings, random strings, /etc/shadow hashes and
 * seeded numbers. Seeded draws use Python's Mersenne Twister (render's PyRandom), so `random.seed` gives a minion
 * the same number Salt gives it: `minute: {{ salt['random.seed'](59) }}` keeps a fleet's cron minutes where Salt put
 * them.
 */
import { createHash, getHashes, randomInt } from 'crypto';
import { UsageError } from '@brine/core';
import { PyRandom, randBelow, saltSample } from '@brine/render';
import { cryptSalt, shaCrypt } from './sha-crypt';
import { arg, type ExecModule } from './types';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const WHITESPACE = ' \t\n\r\x0b\x0c';

function int(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return BigInt(v.trim());
  throw new UsageError(`random: ${what} must be an integer, not ${JSON.stringify(v)}`);
}

/** A `random.seed(a)` seed: int or str (Python hashes any other kind by its own rules; Brine refuses them). */
function seedOf(v: unknown): number | bigint | string | boolean {
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v;
  throw new UsageError(`random: seed must be an int or a string, not ${JSON.stringify(v)}`);
}

function bool(v: unknown): boolean {
  return typeof v === 'string' ? ['true', 'yes', 'on', '1'].includes(v.toLowerCase()) : Boolean(v);
}

/** salt.utils.pycrypto.secure_password's character set and draw (the system's CSPRNG). */
function getStr(args: unknown[], kwargs: Record<string, unknown>): string {
  const length = Number(int(arg(args, kwargs, 0, 'length', 20), 'length'));
  let chars = String(arg(args, kwargs, 1, 'chars', null) ?? '');
  if (bool(arg(args, kwargs, 7, 'printable', false))) chars = DIGITS + LOWER + UPPER + PUNCT + WHITESPACE;
  if (!chars) {
    if (bool(arg(args, kwargs, 2, 'lowercase', true))) chars += LOWER;
    if (bool(arg(args, kwargs, 3, 'uppercase', true))) chars += UPPER;
    if (bool(arg(args, kwargs, 4, 'digits', true))) chars += DIGITS;
    if (bool(arg(args, kwargs, 5, 'punctuation', true))) chars += PUNCT;
    if (bool(arg(args, kwargs, 6, 'whitespace', false))) chars += WHITESPACE;
  }
  const set = [...chars];
  if (!set.length) throw new UsageError('random.get_str: no characters to draw from');
  return Array.from({ length }, () => set[randomInt(set.length)]).join('');
}

export const randomModule: ExecModule = {
  name: 'random',
  docs: {
    hash: 'The hex digest of value (algorithm: sha512, or any hashlib name).',
    str_encode: 'value encoded with encoder (base64).',
    get_str: 'A random string of length characters (chars=, or the classes lowercase, uppercase, digits, punctuation, whitespace, printable).',
    shadow_hash: 'A salted /etc/shadow hash of password (random if not given) with crypt_salt (random if not given): sha512 or sha256.',
    rand_int: 'A random integer from start to end (inclusive); the same one for the same seed.',
    seed: "A number in [0, range) that stays the same for the same hash (default: the minion's id), as Salt draws it.",
    sample: 'size items of a list (the same ones for the same str seed).',
    shuffle: 'The list in a random order (the same one for the same str seed).',
  },
  params: {
    hash: ['value', 'algorithm'],
    str_encode: ['value', 'encoder'],
    get_str: ['length', 'chars', 'lowercase', 'uppercase', 'digits', 'punctuation', 'whitespace', 'printable'],
    shadow_hash: ['crypt_salt', 'password', 'algorithm'],
    rand_int: ['start', 'end', 'seed'],
    seed: ['range', 'hash'],
    sample: ['value', 'size', 'seed'],
    shuffle: ['value', 'seed'],
  },
  functions: {
    hash: (args, kwargs) => {
      const value = arg(args, kwargs, 0, 'value', undefined);
      const algorithm = String(arg(args, kwargs, 1, 'algorithm', 'sha512'));
      if (typeof value !== 'string') throw new UsageError('random.hash: value must be a string (bytes-like)');
      if (!getHashes().includes(algorithm)) throw new UsageError('You must specify a valid algorithm.');
      return createHash(algorithm).update(value, 'utf8').digest('hex');
    },
    str_encode: (args, kwargs) => {
      const value = arg(args, kwargs, 0, 'value', undefined);
      const encoder = String(arg(args, kwargs, 1, 'encoder', 'base64'));
      if (typeof value !== 'string') throw new UsageError('Value must be an encode-able string');
      if (encoder !== 'base64') throw new UsageError('You must specify a valid encoder');
      return Buffer.from(value, 'utf8').toString('base64');
    },
    get_str: (args, kwargs) => getStr(args, kwargs),
    shadow_hash: (args, kwargs) => {
      const salt = arg(args, kwargs, 0, 'crypt_salt', null);
      const password = arg(args, kwargs, 1, 'password', null);
      const algorithm = String(arg(args, kwargs, 2, 'algorithm', 'sha512'));
      if (algorithm !== 'sha512' && algorithm !== 'sha256') throw new UsageError(`Cannot hash using '${algorithm}' hash algorithm. Natively supported algorithms are: ['sha512', 'sha256'].`);
      return shaCrypt(password === null ? getStr([], {}) : String(password), algorithm, salt === null ? cryptSalt() : String(salt));
    },
    rand_int: (args, kwargs) => {
      const start = int(arg(args, kwargs, 0, 'start', 1), 'start');
      const end = int(arg(args, kwargs, 1, 'end', 10), 'end');
      const seed = arg(args, kwargs, 2, 'seed', null);
      const width = end - start + 1n;
      if (width <= 0n) throw new UsageError(`empty range for randrange() (${start}, ${end + 1n}, ${width})`);
      const n = start + (seed === null ? randBelow(width) : new PyRandom(seedOf(seed)).randbelow(width));
      return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    },
    seed: (args, kwargs, env) => {
      const range = int(arg(args, kwargs, 0, 'range', 10), 'range');
      const hash = arg(args, kwargs, 1, 'hash', null);
      if (range <= 0n) throw new UsageError('empty range for randrange()');
      const n = new PyRandom(seedOf(hash ?? env.id)).randbelow(range);
      return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    },
    sample: (args, kwargs) => {
      const value = arg(args, kwargs, 0, 'value', undefined);
      if (!Array.isArray(value) && typeof value !== 'string') throw new UsageError('Population must be a sequence.');
      return saltSample(typeof value === 'string' ? [...value] : value, Number(int(arg(args, kwargs, 1, 'size', undefined), 'size')), arg(args, kwargs, 2, 'seed', null));
    },
    shuffle: (args, kwargs) => {
      const value = arg(args, kwargs, 0, 'value', undefined);
      if (!Array.isArray(value) && typeof value !== 'string') throw new UsageError('Population must be a sequence.');
      const list = typeof value === 'string' ? [...value] : value;
      return saltSample(list, list.length, arg(args, kwargs, 1, 'seed', null));
    },
  },
};
