/**
 * RSA key pairs on disk and their fingerprints. Node's `crypto` (OpenSSL) throughout: RSA-2048 keygen is
 * ~130 ms there versus ~1.8 s in node-forge's pure-JS path, and signing is ~45x faster (see the README).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AuthError } from '@brine/core';
import { fingerprintOfDer, parsePublicKey, spkiPemOfDer, tryParsePublicKey } from './parsed-key';
import { parsePrivateKey } from './rsa';

export interface KeyPair {
  /** PKCS#8 PEM. */
  privatePem: string;
  /** SubjectPublicKeyInfo (SPKI) PEM. */
  publicPem: string;
}

export interface KeyPairFiles extends KeyPair {
  privatePath: string;
  publicPath: string;
}

export interface GenerateKeyOptions {
  /** RSA modulus length; 2048 (default) or 4096. */
  bits?: 2048 | 4096;
}

/** A fresh RSA key pair in memory. */
export function createKeyPair(opts: GenerateKeyOptions = {}): KeyPair {
  const bits = opts.bits ?? 2048;
  if (bits !== 2048 && bits !== 4096) throw new RangeError(`key size: ${String(bits)} is not supported (use 2048 or 4096)`);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function keyPaths(dir: string, name: string): { privatePath: string; publicPath: string } {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) throw new RangeError(`key name: '${name}' is not a plain file name`);
  return { privatePath: path.join(dir, `${name}.pem`), publicPath: path.join(dir, `${name}.pub`) };
}

/**
 * Generate `dir/name.pem` (private, mode 0400) and `dir/name.pub` (public, mode 0644); `dir` is created with
 * mode 0700 (and tightened to 0700 if it exists). Overwrites nothing: throws if either file exists.
 */
export function generateKeyPair(dir: string, name: string, opts: GenerateKeyOptions = {}): KeyPairFiles {
  const { privatePath, publicPath } = keyPaths(dir, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const kp = createKeyPair(opts);
  // 'wx' refuses to clobber; the mode applies at creation (umask can only remove bits, so chmod after).
  fs.writeFileSync(privatePath, kp.privatePem, { mode: 0o400, flag: 'wx' });
  fs.chmodSync(privatePath, 0o400);
  fs.writeFileSync(publicPath, kp.publicPem, { mode: 0o644, flag: 'wx' });
  fs.chmodSync(publicPath, 0o644);
  return { ...kp, privatePath, publicPath };
}

/**
 * Load `dir/name.pem` (+ `.pub`), or generate both on first start. A missing `.pub` is re-derived from the
 * private key; a `.pub` that does not match the private key is an error (someone swapped it).
 */
export function loadOrCreateKeyPair(dir: string, name: string, opts: GenerateKeyOptions = {}): KeyPairFiles {
  const { privatePath, publicPath } = keyPaths(dir, name);
  if (!fs.existsSync(privatePath)) {
    if (fs.existsSync(publicPath)) fs.unlinkSync(publicPath); // orphan public key without its private half
    return generateKeyPair(dir, name, opts);
  }
  const privatePem = fs.readFileSync(privatePath, 'utf8');
  let derivedDer: Buffer;
  try {
    derivedDer = publicDerFromPrivate(privatePem);
  } catch (e) {
    throw new AuthError(`${privatePath}: not a readable RSA private key (remove it to generate a new one)`, { cause: e });
  }
  const derived = spkiPemOfDer(derivedDer);
  if (!fs.existsSync(publicPath)) {
    fs.writeFileSync(publicPath, derived, { mode: 0o644 });
    fs.chmodSync(publicPath, 0o644);
    return { privatePem, publicPem: derived, privatePath, publicPath };
  }
  const publicPem = fs.readFileSync(publicPath, 'utf8');
  // The same text as derived (what Brine writes) needs no parse; any other encoding is compared by fingerprint.
  if (publicPem !== derived && tryParsePublicKey(publicPem)?.fingerprint !== fingerprintOfDer(derivedDer)) {
    throw new AuthError(`${publicPath}: does not match ${privatePath} (remove the .pub to re-derive it)`);
  }
  return { privatePem, publicPem, privatePath, publicPath };
}

/** The SPKI PEM of a private key's public half. */
export function publicPemFromPrivate(privatePem: string): string {
  return spkiPemOfDer(publicDerFromPrivate(privatePem));
}

/**
 * The DER SPKI of a private key's public half. The private key is parsed once and kept for signing (rsa.ts): a
 * minion's start costs one private-key parse, not three.
 */
function publicDerFromPrivate(privatePem: string): Buffer {
  return crypto.createPublicKey(parsePrivateKey(privatePem)).export({ type: 'spki', format: 'der' });
}

/** Canonical SPKI PEM for any accepted public key PEM (PKCS#1 `RSA PUBLIC KEY` too); throws on garbage. */
export function normalizePublicPem(pubPem: string): string {
  return parsePublicKey(pubPem).spkiPem;
}

/**
 * True when `pubPem` parses as an RSA public key of 2048 to 4096 bits with the public exponent 65537. The bounds
 * keep verifying an unauthenticated auth request cheap: a huge modulus or exponent makes each check cost
 * milliseconds of the master's only thread.
 */
export function isAcceptablePublicKey(pubPem: string): boolean {
  return tryParsePublicKey(pubPem)?.acceptable ?? false;
}

/**
 * SHA-256 of the DER SubjectPublicKeyInfo, as lowercase hex pairs joined by ':' (Salt's `finger` format with
 * `hash_type: sha256`). Throws on a PEM that is not a public key.
 */
export function fingerprint(pubPem: string): string {
  return parsePublicKey(pubPem).fingerprint;
}

/** Compare fingerprints ignoring case and separators (users paste `AB:CD...` or `abcd...`). */
export function fingerprintsEqual(a: string, b: string): boolean {
  const norm = (s: string): string => s.toLowerCase().replace(/[^0-9a-f]/g, '');
  const x = norm(a);
  return x.length === 64 && x === norm(b);
}
