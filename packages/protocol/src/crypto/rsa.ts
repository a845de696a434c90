/**
 * RSA signatures and encryption (node crypto / OpenSSL).
 *
 * Signatures: RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32. PSS has a security proof and is what
 * modern guidance prefers over PKCS#1 v1.5; both peers are Brine so compatibility with other stacks is moot.
 * Encryption: RSAES-OAEP with SHA-256 (and MGF1-SHA-256); max plaintext 190 bytes for 2048-bit keys, which is
 * plenty for the 32-byte AES keys it wraps.
 *
 * Parsed keys are cached (bounded): parsing a private PEM costs about as much as signing; public keys come from
 * `parsePublicKey`'s LRU (parsed-key.ts).
 */
import * as crypto from 'crypto';
import { AuthError } from '@brine/core';
import { parsePublicKey } from './parsed-key';

const CACHE_MAX = 4096;
const privCache = new Map<string, crypto.KeyObject>();

function cached(cache: Map<string, crypto.KeyObject>, pem: string, make: (pem: string) => crypto.KeyObject): crypto.KeyObject {
  let k = cache.get(pem);
  if (k === undefined) {
    k = make(pem);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(pem, k);
  }
  return k;
}

export type PrivateKeyInput = string | crypto.KeyObject;
export type PublicKeyInput = string | crypto.KeyObject;

function privKey(k: PrivateKeyInput): crypto.KeyObject {
  return typeof k === 'string' ? parsePrivateKey(k) : k;
}

/** The parsed private key of `pem`, cached: signing with the same PEM later parses nothing. Throws on garbage. */
export function parsePrivateKey(pem: string): crypto.KeyObject {
  return cached(privCache, pem, crypto.createPrivateKey);
}

function pubKey(k: PublicKeyInput): crypto.KeyObject {
  return typeof k === 'string' ? parsePublicKey(k).key : k;
}

const PSS = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

/** RSA-PSS-SHA256 signature over `data`. */
export function sign(privPem: PrivateKeyInput, data: Buffer | string): Buffer {
  return crypto.sign('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, { key: privKey(privPem), ...PSS });
}

/** True when `sig` is a valid RSA-PSS-SHA256 signature of `data` by `pubPem`; false (never throws) otherwise. */
export function verify(pubPem: PublicKeyInput, data: Buffer | string, sig: Buffer): boolean {
  try {
    return crypto.verify('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, { key: pubKey(pubPem), ...PSS }, sig);
  } catch {
    return false;
  }
}

const OAEP = { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

/** RSA-OAEP-SHA256 encryption to `pubPem` (plaintext at most 190 bytes with a 2048-bit key). */
export function rsaEncrypt(pubPem: PublicKeyInput, data: Buffer): Buffer {
  return crypto.publicEncrypt({ key: pubKey(pubPem), ...OAEP }, data);
}

/** RSA-OAEP-SHA256 decryption; throws AuthError when the ciphertext was not made for this key. */
export function rsaDecrypt(privPem: PrivateKeyInput, data: Buffer): Buffer {
  try {
    return crypto.privateDecrypt({ key: privKey(privPem), ...OAEP }, data);
  } catch (e) {
    throw new AuthError('rsa decrypt: ciphertext does not decrypt with this private key (was it sealed to another key?)', { cause: e });
  }
}
