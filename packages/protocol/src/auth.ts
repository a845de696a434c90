/**
 * The authentication handshake (the only unauthenticated request).
 *
 *   minion -> master  auth {id, pub, nonce, ts, master?, sig = minionSign(T_auth(id, pub, nonce, ts, master))}
 *   master -> minion  auth.reply {status, id, nonce, ts, masterPub, sessionKey?, pubKey?, pubKeyEpoch?,
 *                                 sig = masterSign(T_reply(...every field...))}
 *
 * The master checks the signature (proof of possession of the private key), the timestamp and a nonce cache
 * (so a replayed auth inside the window cannot replace a live session). Its key store then decides the
 * status. Every reply is signed and echoes the minion's nonce, so a minion can tell a fresh, genuine reply
 * from a forged "rejected". `accepted` carries the session key and the current publication key, each wrapped
 * with RSA-OAEP to the minion's own public key. The minion verifies the signature with `masterPub` and pins
 * that key's fingerprint (`checkMasterPin` / `pinMasterKey`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { AuthError } from '@brine/core';
import { fingerprint, fingerprintsEqual, normalizePublicPem, type KeyPair } from './crypto/keys';
import { tryParsePublicKey } from './crypto/parsed-key';
import type { KeyObject } from 'crypto';
import { randomId } from './crypto/random';
import { rsaDecrypt, rsaEncrypt, sign, verify } from './crypto/rsa';
import { transcript } from './crypto/transcript';
import { AEAD_KEY_BYTES } from './crypto/aead';
import { AUTH_FRESHNESS_MS, isValidMinionId } from './limits';
import type { AuthReply, AuthRequest, AuthStatus } from './messages';
import type { ReplayCache } from './replay';

export interface MinionKeys extends KeyPair {
  id: string;
}

const T_AUTH = 'brine/auth/v1';
const T_AUTH_REPLY = 'brine/auth.reply/v1';

function authTranscript(r: Pick<AuthRequest, 'id' | 'pub' | 'nonce' | 'ts' | 'master'>): Buffer {
  return transcript(T_AUTH, r.id, r.pub, r.nonce, r.ts, r.master ?? '');
}

/** Minion side: a signed auth request. `expectMaster` is the fingerprint it has pinned or was configured with. */
export function createAuthRequest(me: MinionKeys, opts: { expectMaster?: string; now?: number } = {}): AuthRequest {
  if (!isValidMinionId(me.id)) throw new AuthError(`minion id '${me.id}': invalid (use letters, digits, '.', '_', '-')`);
  const base = { id: me.id, pub: me.publicPem, nonce: randomId(), ts: opts.now ?? Date.now(), ...(opts.expectMaster ? { master: opts.expectMaster } : {}) };
  return { kind: 'auth', ...base, sig: sign(me.privatePem, authTranscript(base)) };
}

export interface VerifiedAuth {
  id: string;
  /** The minion's public key, normalised to SPKI PEM (store this one). */
  pub: string;
  fingerprint: string;
  nonce: string;
  /** The parsed key (the reply wraps keys to it without parsing `pub` again). */
  key?: KeyObject;
}

export interface VerifyAuthOptions {
  now?: number;
  freshnessMs?: number;
  /** Nonces seen inside the freshness window; a repeat is a replay. Size it for the auth rate. */
  replay?: ReplayCache;
}

/** Master side: check an auth request's key, signature, freshness and nonce. Throws AuthError with the reason. */
export function verifyAuthRequest(req: AuthRequest, opts: VerifyAuthOptions = {}): VerifiedAuth {
  const now = opts.now ?? Date.now();
  const window = opts.freshnessMs ?? AUTH_FRESHNESS_MS;
  if (!isValidMinionId(req.id)) throw new AuthError(`auth: minion id '${String(req.id).slice(0, 64)}' is invalid`);
  // Cheap checks before the signature: a stale request or an odd key costs no RSA operation.
  if (Math.abs(now - req.ts) > window) {
    throw new AuthError(`auth ${req.id}: timestamp is ${Math.round((now - req.ts) / 1000)} s off the master's clock (sync clocks; window ${window / 1000} s)`);
  }
  // Parsed once for every use below (and cached: a retrying minion's key is not parsed again).
  const k = tryParsePublicKey(req.pub);
  if (!k?.acceptable) throw new AuthError(`auth ${req.id}: public key is not an RSA key of 2048-4096 bits with exponent 65537`);
  if (!verify(k.key, authTranscript(req), req.sig)) throw new AuthError(`auth ${req.id}: signature does not verify with the offered key`);
  if (opts.replay && opts.replay.checkAndAdd(`${req.id}\0${req.nonce}`, now)) throw new AuthError(`auth ${req.id}: nonce was already used (replayed request)`);
  return { id: req.id, pub: k.spkiPem, fingerprint: k.fingerprint, nonce: req.nonce, key: k.key };
}

export interface AcceptedKeys {
  /** The new 32-byte session key for this minion. */
  sessionKey: Buffer;
  /** The current 32-byte publication key and its epoch. */
  pubKey: Buffer;
  pubKeyEpoch: number;
}

/** The publish port is signed when present, and only then (a reply without it signs exactly as before). */
function replyTranscript(r: Omit<AuthReply, 'kind' | 'sig'>): Buffer {
  const tail = r.publishPort !== undefined ? [r.publishPort] : [];
  return transcript(T_AUTH_REPLY, r.status, r.id, r.nonce, r.ts, r.masterPub, r.sessionKey ?? null, r.pubKey ?? null, r.pubKeyEpoch ?? null, ...tail);
}

/** What a reply may say besides its status: the master's publish port (any status). */
export interface AuthReplyExtras {
  publishPort?: number;
}

/**
 * Master side: the signed reply. The keys in `extras` are required for `accepted` and ignored otherwise; they are
 * wrapped to `auth.pub` (the key the master verified, i.e. the one in its accepted/ directory). `publishPort`, for
 * any status, tells the minion where to subscribe (several masters on one host each have their own).
 */
export function buildAuthReply(master: KeyPair, auth: VerifiedAuth, status: AuthStatus, extras?: AuthReplyExtras | (AcceptedKeys & AuthReplyExtras), now = Date.now()): AuthReply {
  const base: Omit<AuthReply, 'kind' | 'sig'> = { status, id: auth.id, nonce: auth.nonce, ts: now, masterPub: master.publicPem };
  if (extras?.publishPort !== undefined) base.publishPort = extras.publishPort;
  if (status === 'accepted') {
    const keys = extras && 'sessionKey' in extras ? extras : undefined;
    if (!keys) throw new AuthError(`auth ${auth.id}: accepted reply needs the session and publication keys`);
    base.sessionKey = rsaEncrypt(auth.key ?? auth.pub, keys.sessionKey);
    base.pubKey = rsaEncrypt(auth.key ?? auth.pub, keys.pubKey);
    base.pubKeyEpoch = keys.pubKeyEpoch;
  }
  return { kind: 'auth.reply', ...base, sig: sign(master.privatePem, replyTranscript(base)) };
}

/** `publishPort`: the master's publish port when its reply said (verified with the rest of the reply). */
export type AuthOutcome =
  | { status: 'pending' | 'rejected' | 'denied'; masterPub: string; masterFingerprint: string; publishPort?: number }
  | ({ status: 'accepted'; masterPub: string; masterFingerprint: string; publishPort?: number } & AcceptedKeys);

export interface OpenAuthReplyOptions {
  /**
   * The master fingerprint this minion trusts (configured `master_finger`, or pinned on first contact).
   * When given, a reply from any other master key is refused. When absent the caller must pin the
   * returned `masterFingerprint` (trust on first use) — see `pinMasterKey`.
   */
  trustedFingerprint?: string;
}

/** Minion side: verify the master's reply to `sent` and unwrap the keys. Throws AuthError. */
export function openAuthReply(reply: AuthReply, sent: AuthRequest, me: MinionKeys, opts: OpenAuthReplyOptions = {}): AuthOutcome {
  if (reply.id !== me.id || reply.nonce !== sent.nonce) throw new AuthError('auth reply: not for this request (id or nonce differs; stale or misrouted)');
  let masterFingerprint: string;
  try {
    masterFingerprint = fingerprint(reply.masterPub);
  } catch (e) {
    throw new AuthError('auth reply: master public key is unreadable', { cause: e });
  }
  if (opts.trustedFingerprint !== undefined && !fingerprintsEqual(opts.trustedFingerprint, masterFingerprint)) {
    throw new AuthError(`auth reply: master key ${masterFingerprint} is not the trusted master ${opts.trustedFingerprint} (if the master was re-keyed on purpose, remove the pinned key)`);
  }
  if (!verify(reply.masterPub, replyTranscript(reply), reply.sig)) throw new AuthError('auth reply: master signature does not verify');
  const masterPub = normalizePublicPem(reply.masterPub);
  const port = reply.publishPort !== undefined ? { publishPort: reply.publishPort } : {};
  if (reply.status !== 'accepted') return { status: reply.status, masterPub, masterFingerprint, ...port };
  if (!reply.sessionKey || !reply.pubKey || reply.pubKeyEpoch === undefined) throw new AuthError('auth reply: accepted without keys');
  const sessionKey = rsaDecrypt(me.privatePem, reply.sessionKey);
  const pubKey = rsaDecrypt(me.privatePem, reply.pubKey);
  if (sessionKey.length !== AEAD_KEY_BYTES || pubKey.length !== AEAD_KEY_BYTES) throw new AuthError('auth reply: wrapped keys have the wrong length');
  return { status: 'accepted', masterPub, masterFingerprint, sessionKey, pubKey, pubKeyEpoch: reply.pubKeyEpoch, ...port };
}

/**
 * Pinning decision without I/O: `pinned` is the fingerprint stored earlier (or configured). Returns whether
 * this is first contact (nothing pinned: the caller should store it); throws AuthError on a mismatch.
 */
export function checkMasterPin(masterPub: string, pinned: string | undefined): { fingerprint: string; firstContact: boolean } {
  const fp = fingerprint(masterPub);
  if (pinned === undefined) return { fingerprint: fp, firstContact: true };
  if (!fingerprintsEqual(pinned, fp)) throw new AuthError(`master key: fingerprint ${fp} does not match the pinned ${pinned} (possible impostor; remove the pinned key only if the master was re-keyed)`);
  return { fingerprint: fp, firstContact: false };
}

/** File name of the pinned master key inside a minion's pki dir (Salt's name). */
export const PINNED_MASTER_FILE = 'minion_master.pub';

/** The pinned master key's fingerprint from `dir/minion_master.pub`, or undefined before first contact. */
export function readPinnedMaster(dir: string): string | undefined {
  const p = path.join(dir, PINNED_MASTER_FILE);
  if (!fs.existsSync(p)) return undefined;
  return fingerprint(fs.readFileSync(p, 'utf8'));
}

/**
 * Trust on first use, with an optional configured fingerprint: if `configured` is set the key must match it;
 * otherwise it must match `dir/minion_master.pub` if that exists; otherwise it is written there (0644).
 * Returns the fingerprint; throws AuthError on a mismatch.
 */
export function pinMasterKey(dir: string, masterPub: string, configured?: string): string {
  const fp = fingerprint(masterPub);
  if (configured !== undefined && !fingerprintsEqual(configured, fp)) throw new AuthError(`master key: fingerprint ${fp} does not match the configured master_finger ${configured}`);
  const { firstContact } = checkMasterPin(masterPub, readPinnedMaster(dir));
  if (firstContact) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const p = path.join(dir, PINNED_MASTER_FILE);
    fs.writeFileSync(p, normalizePublicPem(masterPub), { mode: 0o644 });
    fs.chmodSync(p, 0o644);
  }
  return fp;
}
