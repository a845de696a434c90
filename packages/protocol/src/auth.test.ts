import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuthError } from '@brine/core';
import { buildAuthReply, checkMasterPin, createAuthRequest, openAuthReply, pinMasterKey, PINNED_MASTER_FILE, verifyAuthRequest } from './auth';
import { decode, encode } from './codec';
import { newAeadKey } from './crypto/aead';
import { createKeyPair, fingerprint } from './crypto/keys';
import type { AuthReply, AuthRequest } from './messages';
import { ReplayCache } from './replay';

const master = createKeyPair();
const impostor = createKeyPair();
const web1 = { id: 'web1', ...createKeyPair() };
const other = createKeyPair();

function roundTrip<T>(m: T): T {
  return decode(encode(m as never)) as T;
}

describe('auth handshake', () => {
  it('accepted: the minion unwraps the session and publication keys', () => {
    const req = roundTrip(createAuthRequest(web1, { expectMaster: fingerprint(master.publicPem) }));
    const v = verifyAuthRequest(req, { replay: new ReplayCache(100, 300_000) });
    expect(v.id).toBe('web1');
    expect(v.fingerprint).toBe(fingerprint(web1.publicPem));
    const keys = { sessionKey: newAeadKey(), pubKey: newAeadKey(), pubKeyEpoch: 42 };
    const reply = roundTrip(buildAuthReply(master, v, 'accepted', keys));
    const out = openAuthReply(reply, req, web1, { trustedFingerprint: fingerprint(master.publicPem) });
    expect(out.status).toBe('accepted');
    if (out.status !== 'accepted') throw new Error('unreachable');
    expect(out.sessionKey.equals(keys.sessionKey)).toBe(true);
    expect(out.pubKey.equals(keys.pubKey)).toBe(true);
    expect(out.pubKeyEpoch).toBe(42);
    expect(out.masterFingerprint).toBe(fingerprint(master.publicPem));
  });

  it('pending replies are signed too and carry no keys', () => {
    const req = createAuthRequest(web1);
    const reply = buildAuthReply(master, verifyAuthRequest(req), 'pending');
    expect(reply.sessionKey).toBeUndefined();
    expect(openAuthReply(reply, req, web1).status).toBe('pending');
  });

  it("the master's publish port travels signed in pending and accepted replies", () => {
    const req = createAuthRequest(web1);
    const v = verifyAuthRequest(req);
    const pending = roundTrip(buildAuthReply(master, v, 'pending', { publishPort: 14505 }));
    expect(openAuthReply(pending, req, web1).publishPort).toBe(14505);
    const keys = { sessionKey: newAeadKey(), pubKey: newAeadKey(), pubKeyEpoch: 3 };
    const accepted = roundTrip(buildAuthReply(master, v, 'accepted', { ...keys, publishPort: 24505 }));
    expect(openAuthReply(accepted, req, web1).publishPort).toBe(24505);
    // Changed in transit, or added to a reply signed without it: the signature no longer verifies.
    expect(() => openAuthReply({ ...accepted, publishPort: 4505 }, req, web1)).toThrow(/signature does not verify/);
    const without = buildAuthReply(master, v, 'pending');
    expect(openAuthReply(without, req, web1).publishPort).toBeUndefined();
    expect(() => openAuthReply({ ...without, publishPort: 4505 }, req, web1)).toThrow(/signature does not verify/);
    expect(() => buildAuthReply(master, v, 'accepted', { publishPort: 4505 })).toThrow(/needs the session and publication keys/);
  });

  it('master refuses a bad signature, a key not matching the signer, stale ts, a replayed nonce', () => {
    const req = createAuthRequest(web1);
    const bad = { ...req, sig: Buffer.from(req.sig) };
    bad.sig[5]! ^= 1;
    expect(() => verifyAuthRequest(bad)).toThrow(/signature does not verify/);
    // Claiming web1 with someone else's key but web1's signature: the signature is over the offered key.
    expect(() => verifyAuthRequest({ ...req, pub: other.publicPem })).toThrow(/signature/);
    // Changing the id invalidates the signature.
    expect(() => verifyAuthRequest({ ...req, id: 'db1' })).toThrow(/signature/);
    const old = createAuthRequest(web1, { now: Date.now() - 3_600_000 });
    expect(() => verifyAuthRequest(old)).toThrow(/timestamp/);
    const cache = new ReplayCache(100, 300_000);
    verifyAuthRequest(req, { replay: cache });
    expect(() => verifyAuthRequest(req, { replay: cache })).toThrow(/nonce was already used/);
  });

  it('master refuses keys that make verification expensive or weak: e != 65537, under 2048 or over 4096 bits', () => {
    const rsa = (modulusLength: number, publicExponent: number) => {
      const k = crypto.generateKeyPairSync('rsa', { modulusLength, publicExponent, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
      return { id: 'odd1', publicPem: k.publicKey, privatePem: k.privateKey };
    };
    expect(() => verifyAuthRequest(createAuthRequest(rsa(2048, 3)))).toThrow(/2048-4096 bits with exponent 65537/);
    expect(() => verifyAuthRequest(createAuthRequest(rsa(1024, 65537)))).toThrow(/2048-4096 bits/);
    expect(verifyAuthRequest(createAuthRequest(rsa(3072, 65537))).id).toBe('odd1');
  });

  it('minion refuses a forged reply, an impostor master, and a reply to another request', () => {
    const req = createAuthRequest(web1);
    const v = verifyAuthRequest(req);
    const keys = { sessionKey: newAeadKey(), pubKey: newAeadKey(), pubKeyEpoch: 1 };
    const genuine = buildAuthReply(master, v, 'accepted', keys);
    // Impostor signs with its own key: valid signature, wrong fingerprint.
    const fake = buildAuthReply(impostor, v, 'accepted', keys);
    expect(() => openAuthReply(fake, req, web1, { trustedFingerprint: fingerprint(master.publicPem) })).toThrow(/not the trusted master/);
    // Tampering with a signed field.
    const tampered: AuthReply = { ...genuine, pubKeyEpoch: 2 };
    expect(() => openAuthReply(tampered, req, web1)).toThrow(/signature does not verify/);
    const downgraded: AuthReply = { ...genuine, status: 'rejected' };
    expect(() => openAuthReply(downgraded, req, web1)).toThrow(AuthError);
    // Old reply replayed to a new request.
    const req2: AuthRequest = createAuthRequest(web1);
    expect(() => openAuthReply(genuine, req2, web1)).toThrow(/not for this request/);
  });
});

describe('master pinning', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-pin-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('pins on first contact, then refuses another key', () => {
    expect(checkMasterPin(master.publicPem, undefined).firstContact).toBe(true);
    expect(pinMasterKey(dir, master.publicPem)).toBe(fingerprint(master.publicPem));
    expect(fs.existsSync(path.join(dir, PINNED_MASTER_FILE))).toBe(true);
    expect(pinMasterKey(dir, master.publicPem)).toBe(fingerprint(master.publicPem));
    expect(() => pinMasterKey(dir, impostor.publicPem)).toThrow(AuthError);
  });

  it('a configured fingerprint wins over trust on first use', () => {
    expect(() => pinMasterKey(dir, impostor.publicPem, fingerprint(master.publicPem))).toThrow(/master_finger/);
    expect(fs.existsSync(path.join(dir, PINNED_MASTER_FILE))).toBe(false);
  });
});
