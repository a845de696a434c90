/**
 * Public keys parsed once: an auth request needs the key's size check, a signature check, its canonical SPKI PEM
 * and its fingerprint. Each of those parsed the PEM again (`createPublicKey`, a quarter of the master's CPU at a
 * few thousand minions). `parsePublicKey` parses once and remembers the result in a bounded LRU keyed by the
 * SHA-256 of the PEM text, so a minion that retries costs no parse at all. Anyone may offer a key: the cache is
 * capped (oldest used dropped first) and holds only what is derived from the PEM text itself, so an entry can
 * never be stale (the same text always parses to the same key).
 */
import * as crypto from 'crypto';

export interface ParsedPublicKey {
  key: crypto.KeyObject;
  /** Canonical SubjectPublicKeyInfo PEM (what the key store keeps). */
  spkiPem: string;
  /** SHA-256 of the DER SPKI, hex pairs joined by ':'. */
  fingerprint: string;
  /** RSA of 2048-4096 bits with public exponent 65537 (what the master accepts). */
  acceptable: boolean;
}

/** Parsed keys kept; about 2.5 KB each (a 20,000-minion fleet fits, a flood of strangers only evicts). */
export const PARSED_KEY_CACHE_MAX = 20_000;

const cache = new Map<string, ParsedPublicKey>();

const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=\n]+)\n-----END PUBLIC KEY-----\n?$/;

/** The DER of `pem` when it is already canonical SPKI PEM (what minions send): no export needed to know it. */
function canonicalDer(pem: string): Buffer | undefined {
  const m = SPKI_PEM.exec(pem);
  if (!m) return undefined;
  const der = Buffer.from(m[1]!.replace(/\n/g, ''), 'base64');
  return der.toString('base64').match(/.{1,64}/g)!.join('\n') === m[1] ? der : undefined;
}

/** Canonical SPKI PEM of a DER SubjectPublicKeyInfo. */
export function spkiPemOfDer(der: Buffer): string {
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** The fingerprint of a DER SubjectPublicKeyInfo: its SHA-256, hex pairs joined by ':'. */
export function fingerprintOfDer(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex').match(/../g)!.join(':');
}

function parse(pem: string): ParsedPublicKey {
  const key = crypto.createPublicKey(pem);
  const der = canonicalDer(pem) ?? key.export({ type: 'spki', format: 'der' });
  const d = key.asymmetricKeyDetails;
  const bits = d?.modulusLength ?? 0;
  return {
    key,
    spkiPem: spkiPemOfDer(der),
    fingerprint: fingerprintOfDer(der),
    acceptable: key.asymmetricKeyType === 'rsa' && bits >= 2048 && bits <= 4096 && d?.publicExponent === 65537n,
  };
}

/** The parsed public key of `pem` (cached); throws when `pem` is not a public key. */
export function parsePublicKey(pem: string): ParsedPublicKey {
  const h = crypto.createHash('sha256').update(pem).digest('base64');
  const hit = cache.get(h);
  if (hit) {
    cache.delete(h); // most recently used last
    cache.set(h, hit);
    return hit;
  }
  const p = parse(pem);
  if (cache.size >= PARSED_KEY_CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(h, p);
  return p;
}

/** Like parsePublicKey, undefined instead of throwing. */
export function tryParsePublicKey(pem: string): ParsedPublicKey | undefined {
  try {
    return parsePublicKey(pem);
  } catch {
    return undefined;
  }
}

/** Entries held now (for tests). */
export function parsedKeyCacheSize(): number {
  return cache.size;
}
