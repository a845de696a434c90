/**
 * Python's `random.Random` (CPython 3.11's Mersenne Twister, MT19937), so seeded draws give Salt's numbers:
 * `salt['random.seed'](59)` picks the same minute for a minion as Salt does, `random_shuffle(seed=42)` the same
 * order. Seeding as `random.seed(a)` (version 2): an int uses all its bits (its absolute value as 32-bit words,
 * least significant first); a str is encoded as UTF-8 and followed by its SHA-512 digest, read as one big-endian
 * int. Draws as `_randbelow_with_getrandbits`: the bit length of n, redrawn while the value is >= n.
 * Unseeded use (no seed given) draws from Node's crypto instead: Python's own is unpredictable there too.
 */
import { createHash, randomBytes } from 'crypto';

const N = 624;
const M = 397;

/** The 32-bit words of |n|, least significant first (CPython's random_seed); [0] for 0. */
function words(n: bigint): number[] {
  let a = n < 0n ? -n : n;
  const out: number[] = [];
  while (a > 0n) {
    out.push(Number(a & 0xffffffffn));
    a >>= 32n;
  }
  return out.length ? out : [0];
}

/** A seed as Python 3.11's `random.seed(a)` turns it into an int. */
function seedInt(a: number | bigint | string | boolean): bigint {
  if (typeof a === 'string') {
    const b = Buffer.from(a, 'utf8');
    const all = Buffer.concat([b, createHash('sha512').update(b).digest()]);
    return BigInt('0x' + all.toString('hex'));
  }
  if (typeof a === 'boolean') return a ? 1n : 0n;
  if (typeof a === 'number') {
    if (!Number.isInteger(a)) throw new TypeError('a float seed is hashed by Python; Brine takes int and str seeds only');
    return BigInt(a);
  }
  return a;
}

export class PyRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  constructor(seed: number | bigint | string | boolean) {
    this.initByArray(words(seedInt(seed)));
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next 32 random bits (genrand_uint32). */
  uint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      const mag = (y: number) => (y & 1 ? 0x9908b0df : 0);
      for (; kk < N - M; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = (mt[kk + M]! ^ (y >>> 1) ^ mag(y)) >>> 0;
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = (mt[kk + (M - N)]! ^ (y >>> 1) ^ mag(y)) >>> 0;
      }
      const y = (mt[N - 1]! & 0x80000000) | (mt[0]! & 0x7fffffff);
      mt[N - 1] = (mt[M - 1]! ^ (y >>> 1) ^ mag(y)) >>> 0;
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `getrandbits(k)`: k random bits (32-bit words, least significant first; the last one's top bits). */
  getrandbits(k: number): bigint {
    if (k <= 32) return BigInt(k === 0 ? 0 : this.uint32() >>> (32 - k));
    let r = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let w = this.uint32();
      if (left < 32) w >>>= 32 - left;
      r |= BigInt(w) << shift;
      shift += 32n;
    }
    return r;
  }

  /** A random int in [0, n), n > 0 (`_randbelow_with_getrandbits`). */
  randbelow(n: bigint): bigint {
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `sample(population, k)`: k distinct positions' items, in selection order. */
  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length;
    if (!(k >= 0 && k <= n)) throw new RangeError('Sample larger than population or is negative');
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    const result: T[] = [];
    if (n <= setsize) {
      const pool = [...population];
      for (let i = 0; i < k; i++) {
        const j = Number(this.randbelow(BigInt(n - i)));
        result.push(pool[j]!);
        pool[j] = pool[n - i - 1]!;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = Number(this.randbelow(BigInt(n)));
        while (selected.has(j)) j = Number(this.randbelow(BigInt(n)));
        selected.add(j);
        result.push(population[j]!);
      }
    }
    return result;
  }
}

/** A random int in [0, n), n > 0: seeded as Python's `random.seed(seed)`, or from crypto when seed is undefined. */
export function randBelow(n: bigint, seed?: number | bigint | string | boolean): bigint {
  if (seed !== undefined) return new PyRandom(seed).randbelow(n);
  const k = n.toString(2).length;
  const bytes = Math.ceil(k / 8);
  const mask = (1n << BigInt(k)) - 1n;
  for (;;) {
    const r = BigInt('0x' + randomBytes(bytes).toString('hex')) & mask;
    if (r < n) return r;
  }
}
