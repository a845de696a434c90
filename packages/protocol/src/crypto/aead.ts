/**
 * AES-256-GCM sealing. Layout: nonce (12 random bytes) || ciphertext || tag (16 bytes).
 * Random 96-bit nonces are safe for well under 2^32 messages per key; session keys are per-minion and per
 * authentication, and publication keys rotate on every key removal, so no key gets near that.
 */
import * as crypto from 'crypto';
import { AuthError } from '@brine/core';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;
export const AEAD_OVERHEAD = AEAD_NONCE_BYTES + AEAD_TAG_BYTES;

/** A fresh random 32-byte AES-256 key. */
export function newAeadKey(): Buffer {
  return crypto.randomBytes(AEAD_KEY_BYTES);
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== AEAD_KEY_BYTES) throw new RangeError(`aead key: must be ${AEAD_KEY_BYTES} bytes`);
}

function aadBuf(aad: Buffer | string | undefined): Buffer | undefined {
  return aad === undefined ? undefined : typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad;
}

/**
 * Nonces are cut from a pool the CSPRNG fills 1,024 at a time: one call into OpenSSL per nonce was a tenth of the
 * master's CPU answering 10,000 returns. Each is handed out once (the pool is refilled, never rewound).
 */
const pool = Buffer.alloc(AEAD_NONCE_BYTES * 1024);
let used = pool.length;

function nextNonce(): Buffer {
  if (used === pool.length) {
    crypto.randomFillSync(pool);
    used = 0;
  }
  const n = Buffer.from(pool.subarray(used, used + AEAD_NONCE_BYTES));
  used += AEAD_NONCE_BYTES;
  return n;
}

/** Encrypt and authenticate `plaintext`, binding `aad` (authenticated, not encrypted). */
export function aeadSeal(key: Buffer, plaintext: Buffer | string, aad?: Buffer | string): Buffer {
  checkKey(key);
  const nonce = nextNonce();
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  const a = aadBuf(aad);
  if (a) c.setAAD(a);
  const body = Buffer.concat([c.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

/** Decrypt a sealed box; throws AuthError when the key, the aad or any byte is wrong. */
export function aeadOpen(key: Buffer, sealed: Buffer, aad?: Buffer | string): Buffer {
  checkKey(key);
  if (!Buffer.isBuffer(sealed) || sealed.length < AEAD_OVERHEAD) throw new AuthError('aead open: sealed box is too short (truncated or not sealed)');
  const nonce = sealed.subarray(0, AEAD_NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - AEAD_TAG_BYTES);
  const body = sealed.subarray(AEAD_NONCE_BYTES, sealed.length - AEAD_TAG_BYTES);
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
    const a = aadBuf(aad);
    if (a) d.setAAD(a);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]);
  } catch (e) {
    throw new AuthError('aead open: authentication failed (wrong key, wrong context, or tampered data)', { cause: e });
  }
}
