/**
 * SHA-crypt (`$5$` SHA-256, `$6$` SHA-512), Ulrich Drepper's scheme that glibc's crypt(3) implements and
 * /etc/shadow holds: what Salt's `random.shadow_hash` and `shadow.gen_password` return through Python's `crypt`.
 * Node has no crypt(3), so it is written out here, checked against `openssl passwd -5/-6`.
 */
import { createHash, randomBytes } from 'crypto';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS_DEFAULT = 5000;

/** The byte order of the final digest in the output (groups of three, then the remainder). */
const ORDER: Record<'sha256' | 'sha512', number[][]> = {
  sha512: [
    [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51],
    [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60],
    [40, 61, 19], [62, 20, 41], [63],
  ],
  sha256: [
    [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
    [31, 30],
  ],
};

function b64Group(bytes: number[]): string {
  // the bytes given first are the most significant; 4 characters for 3 bytes, 3 for 2, 2 for 1
  let w = 0;
  for (const b of bytes) w = (w << 8) | b;
  const n = bytes.length + 1;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += B64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

function repeatTo(src: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
  return out;
}

/** crypt(3) of `password` with `$5$` / `$6$` and `salt` (at most 16 characters used; `rounds=N$` prefix honoured). */
export function shaCrypt(password: string, algo: 'sha256' | 'sha512', salt: string): string {
  const id = algo === 'sha512' ? '6' : '5';
  let rounds = ROUNDS_DEFAULT;
  let custom = false;
  const m = /^rounds=(\d+)\$/.exec(salt);
  if (m) {
    rounds = Number(m[1]);
    // glibc clamped these; libxcrypt (Debian's crypt) fails with "*0", which would lock an account: an error here
    if (rounds < 1000 || rounds > 999_999_999) throw new RangeError(`crypt rounds=${m[1]}: must be 1000 to 999999999`);
    custom = true;
    salt = salt.slice(m[0].length);
  }
  salt = salt.split('$')[0]!.slice(0, 16);
  const P0 = Buffer.from(password, 'utf8');
  const S0 = Buffer.from(salt, 'utf8');
  const h = () => createHash(algo);

  const B = h().update(P0).update(S0).update(P0).digest();
  const a = h().update(P0).update(S0).update(repeatTo(B, P0.length));
  for (let n = P0.length; n > 0; n >>= 1) a.update(n & 1 ? B : P0);
  const A = a.digest();

  const dp = h();
  for (let i = 0; i < P0.length; i++) dp.update(P0);
  const P = repeatTo(dp.digest(), P0.length);
  const ds = h();
  for (let i = 0; i < 16 + A[0]!; i++) ds.update(S0);
  const S = repeatTo(ds.digest(), S0.length);

  let C = A;
  for (let i = 0; i < rounds; i++) {
    const c = h();
    c.update(i & 1 ? P : C);
    if (i % 3) c.update(S);
    if (i % 7) c.update(P);
    c.update(i & 1 ? C : P);
    C = c.digest();
  }
  let out = '';
  for (const g of ORDER[algo]) out += b64Group(g.map((i) => C[i]!));
  return `$${id}$${custom ? `rounds=${rounds}$` : ''}${salt}$${out}`;
}

/** A random 16-character salt from crypt's alphabet (Python's crypt.mksalt). */
export function cryptSalt(): string {
  return [...randomBytes(16)].map((b) => B64[b & 0x3f]).join('');
}
