/** Random identifiers, HMAC and constant-time comparison. */
import * as crypto from 'crypto';

/** 128 random bits as 32 hex characters (nonces, request ids). */
export function randomId(bytes = 16): string {
  return crypto.randomBytes(bytes).toString('hex');
}

/** HMAC-SHA256. */
export function hmac(key: Buffer, data: Buffer | string): Buffer {
  return crypto.createHmac('sha256', key).update(data).digest();
}

/** Constant-time equality (false for different lengths). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** SHA-256 digest. */
export function sha256(data: Buffer | string): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}
