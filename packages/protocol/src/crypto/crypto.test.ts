import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuthError } from '@brine/core';
import { aeadOpen, aeadSeal, newAeadKey, AEAD_OVERHEAD } from './aead';
import { createKeyPair, fingerprint, fingerprintsEqual, generateKeyPair, loadOrCreateKeyPair, normalizePublicPem } from './keys';
import { parsePublicKey } from './parsed-key';
import { randomId } from './random';
import { rsaDecrypt, rsaEncrypt, sign, verify } from './rsa';
import { transcript } from './transcript';

const a = createKeyPair();
const b = createKeyPair();

describe('key files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the private key 0400, the public key 0644, the directory 0700', () => {
    const pki = path.join(dir, 'pki');
    const kp = generateKeyPair(pki, 'minion');
    expect(fs.statSync(kp.privatePath).mode & 0o777).toBe(0o400);
    expect(fs.statSync(kp.publicPath).mode & 0o777).toBe(0o644);
    expect(fs.statSync(pki).mode & 0o777).toBe(0o700);
    expect(kp.privatePath).toBe(path.join(pki, 'minion.pem'));
    expect(fs.readFileSync(kp.publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('loadOrCreate generates once, then loads the same key', () => {
    const first = loadOrCreateKeyPair(dir, 'master');
    const second = loadOrCreateKeyPair(dir, 'master');
    expect(second.publicPem).toBe(first.publicPem);
    expect(second.privatePem).toBe(first.privatePem);
  });

  it('refuses to overwrite, re-derives a missing .pub, rejects a swapped .pub', () => {
    const kp = generateKeyPair(dir, 'm');
    expect(() => generateKeyPair(dir, 'm')).toThrow();
    fs.unlinkSync(kp.publicPath);
    expect(fingerprint(loadOrCreateKeyPair(dir, 'm').publicPem)).toBe(fingerprint(kp.publicPem));
    fs.chmodSync(kp.publicPath, 0o644);
    fs.writeFileSync(kp.publicPath, b.publicPem);
    expect(() => loadOrCreateKeyPair(dir, 'm')).toThrow(AuthError);
  });

  it('accepts a .pub in another encoding of the same key, and names the file it cannot read', () => {
    const kp = generateKeyPair(dir, 'enc');
    const pkcs1 = crypto.createPublicKey(kp.publicPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    fs.writeFileSync(kp.publicPath, pkcs1);
    expect(loadOrCreateKeyPair(dir, 'enc').publicPem).toBe(pkcs1);
    fs.writeFileSync(kp.publicPath, kp.publicPem.replace(/\n/g, '\r\n'));
    expect(fingerprint(loadOrCreateKeyPair(dir, 'enc').publicPem)).toBe(fingerprint(kp.publicPem));
    fs.writeFileSync(kp.publicPath, 'not a key');
    expect(() => loadOrCreateKeyPair(dir, 'enc')).toThrow(/enc\.pub: does not match/);
    fs.chmodSync(kp.privatePath, 0o600);
    fs.writeFileSync(kp.privatePath, 'not a key either');
    expect(() => loadOrCreateKeyPair(dir, 'enc')).toThrow(/enc\.pem: not a readable RSA private key/);
  });

  it('rejects key names that are paths', () => {
    expect(() => generateKeyPair(dir, '../evil')).toThrow(RangeError);
  });

  it('4096-bit keys on request', () => {
    const kp = createKeyPair({ bits: 4096 });
    expect(rsaEncrypt(kp.publicPem, Buffer.alloc(32)).length).toBe(512);
  });
});

describe('fingerprint', () => {
  it('is SHA-256 of the SPKI DER as 32 colon-separated hex pairs', () => {
    const fp = fingerprint(a.publicPem);
    expect(fp).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(fingerprint(a.privatePem)).toBe(fp); // a private key's public half has the same fingerprint
    expect(fingerprint(normalizePublicPem(a.publicPem))).toBe(fp);
    expect(fingerprint(b.publicPem)).not.toBe(fp);
  });

  it('compares ignoring case and separators', () => {
    const fp = fingerprint(a.publicPem);
    expect(fingerprintsEqual(fp.toUpperCase(), fp.replace(/:/g, ''))).toBe(true);
    expect(fingerprintsEqual(fp, fingerprint(b.publicPem))).toBe(false);
    expect(fingerprintsEqual('', '')).toBe(false);
  });
});

describe('RSA', () => {
  it('sign/verify round trip; other key, other data, flipped byte fail', () => {
    const data = Buffer.from('hello');
    const sig = sign(a.privatePem, data);
    expect(verify(a.publicPem, data, sig)).toBe(true);
    expect(verify(b.publicPem, data, sig)).toBe(false);
    expect(verify(a.publicPem, Buffer.from('hellO'), sig)).toBe(false);
    const bad = Buffer.from(sig);
    bad[10]! ^= 1;
    expect(verify(a.publicPem, data, bad)).toBe(false);
    expect(verify(a.publicPem, data, Buffer.alloc(3))).toBe(false);
  });

  it('OAEP encrypt/decrypt; the wrong private key throws AuthError', () => {
    const key = newAeadKey();
    const ct = rsaEncrypt(a.publicPem, key);
    expect(rsaDecrypt(a.privatePem, ct).equals(key)).toBe(true);
    expect(() => rsaDecrypt(b.privatePem, ct)).toThrow(AuthError);
  });
});

describe('AEAD', () => {
  const key = newAeadKey();
  it('round trips with aad; nonce is random', () => {
    const s1 = aeadSeal(key, 'secret', 'ctx');
    const s2 = aeadSeal(key, 'secret', 'ctx');
    expect(s1.equals(s2)).toBe(false);
    expect(s1.length).toBe(6 + AEAD_OVERHEAD);
    expect(aeadOpen(key, s1, 'ctx').toString()).toBe('secret');
  });

  it('no nonce comes twice, across refills of the nonce pool, and a box still opens after the pool moved on', () => {
    const first = aeadSeal(key, 'kept');
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(aeadSeal(key, 'x').subarray(0, 12).toString('hex'));
    expect(seen.size).toBe(5000);
    expect(seen.has(first.subarray(0, 12).toString('hex'))).toBe(false);
    expect(aeadOpen(key, first).toString()).toBe('kept');
  });

  it('any flipped byte, wrong aad, wrong key, or truncation throws', () => {
    const sealed = aeadSeal(key, Buffer.from('payload'), Buffer.from('aad'));
    for (let i = 0; i < sealed.length; i++) {
      const t = Buffer.from(sealed);
      t[i]! ^= 0x01;
      expect(() => aeadOpen(key, t, Buffer.from('aad'))).toThrow(AuthError);
    }
    expect(() => aeadOpen(key, sealed, Buffer.from('aaD'))).toThrow(AuthError);
    expect(() => aeadOpen(key, sealed)).toThrow(AuthError);
    expect(() => aeadOpen(newAeadKey(), sealed, Buffer.from('aad'))).toThrow(AuthError);
    expect(() => aeadOpen(key, sealed.subarray(0, 20), Buffer.from('aad'))).toThrow(AuthError);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => aeadSeal(Buffer.alloc(16), 'x')).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('randomId is hex and unique', () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomId()));
    expect(ids.size).toBe(100);
    expect([...ids][0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('transcript is unambiguous', () => {
    expect(transcript('t', 'ab', 'c').equals(transcript('t', 'a', 'bc'))).toBe(false);
    expect(transcript('t', 1, 'x').equals(transcript('t', '1', 'x'))).toBe(true);
  });
});

test('a canonical SPKI PEM and the same key written otherwise parse to the same canonical PEM and fingerprint', () => {
  const { publicPem } = createKeyPair();
  const der = crypto.createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
  const expected = crypto.createHash('sha256').update(der).digest('hex').match(/../g)!.join(':');
  const crlf = publicPem.replace(/\n/g, '\r\n');
  const wide = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const pkcs1 = crypto.createPublicKey(publicPem).export({ type: 'pkcs1', format: 'pem' }) as string;
  for (const pem of [publicPem, crlf, wide, pkcs1]) {
    const p = parsePublicKey(pem);
    expect(p.spkiPem).toBe(publicPem);
    expect(p.fingerprint).toBe(expected);
    expect(p.acceptable).toBe(true);
  }
});
