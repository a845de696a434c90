import { AuthError } from '@brine/core';
import { decode, encode, packJson } from './codec';
import { aeadSeal, newAeadKey } from './crypto/aead';
import type { ErrorReply, ReplyEnvelope, RequestEnvelope } from './messages';
import { ClientSession, RemoteError, SessionError, SessionTable, newSessionState, openRequest, requestAad, sealRequest } from './session';

function wire(env: RequestEnvelope): RequestEnvelope {
  return decode(encode(env)) as RequestEnvelope;
}

function failure(f: () => unknown): SessionError {
  try {
    f();
  } catch (e) {
    if (e instanceof SessionError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('sealed requests', () => {
  const table = new SessionTable();
  const web1 = new ClientSession('web1', table.create('web1'));
  const db1 = new ClientSession('db1', table.create('db1'));

  it('round trip: request opened by the master, reply opened by the minion', () => {
    const env = wire(web1.seal({ kind: 'file.get', path: 'nginx/nginx.conf', saltenv: 'base' }));
    const opened = table.open(env);
    expect(opened).toMatchObject({ id: 'web1', seq: env.seq, body: { kind: 'file.get', path: 'nginx/nginx.conf' } });
    const rep = decode(encode(table.sealReply(opened, { ok: true, data: { contents: Buffer.from('worker_processes 2;') } }))) as ReplyEnvelope;
    const body = web1.openReply(rep, env.seq);
    expect(body).toEqual({ ok: true, data: { contents: Buffer.from('worker_processes 2;') } });
    // Bound to the seq: the same reply does not answer another request.
    expect(() => web1.openReply(rep, env.seq + 1)).toThrow(AuthError);
  });

  it('a minion cannot speak as another id', () => {
    // db1 claims to be web1, sealing with its own key.
    const forged = sealRequest('web1', db1.key, 1000, { kind: 'pillar' });
    expect(failure(() => table.open(forged)).reason).toBe('bad-seal');
    // db1 takes a genuine web1 envelope and relabels it.
    const genuine = web1.seal({ kind: 'pillar' });
    expect(failure(() => table.open({ ...genuine, id: 'db1' })).reason).toBe('bad-seal');
    // ...or bumps the seq / ts: bound as associated data.
    expect(failure(() => table.open({ ...genuine, seq: genuine.seq + 1 })).reason).toBe('bad-seal');
    expect(failure(() => table.open({ ...genuine, ts: genuine.ts + 1 })).reason).toBe('bad-seal');
    // Unknown ids have no session.
    expect(failure(() => table.open({ ...genuine, id: 'ghost' })).reason).toBe('no-session');
  });

  it('a replayed seq is rejected; out-of-order seqs inside the window are fine', () => {
    const a = web1.seal({ kind: 'ping' });
    const b = web1.seal({ kind: 'ping' });
    table.open(b);
    table.open(a);
    expect(failure(() => table.open(a)).reason).toBe('replay');
    expect(failure(() => table.open(b)).reason).toBe('replay');
  });

  it('a stale or future ts is rejected', () => {
    const now = Date.now();
    const old = sealRequest('web1', web1.key, 5000, { kind: 'ping' }, now - 301_000);
    expect(failure(() => table.open(old, now)).reason).toBe('stale');
    const future = sealRequest('web1', web1.key, 5001, { kind: 'ping' }, now + 301_000);
    expect(failure(() => table.open(future, now)).reason).toBe('stale');
    expect(table.open(sealRequest('web1', web1.key, 5002, { kind: 'ping' }, now - 299_000), now).body.kind).toBe('ping');
  });

  it('a deleted session cannot make requests; re-auth creates a new key and window', () => {
    const t = new SessionTable();
    const s = new ClientSession('x1', t.create('x1'));
    const env = s.seal({ kind: 'ping' });
    t.delete('x1');
    expect(failure(() => t.open(env)).reason).toBe('no-session');
    const s2 = new ClientSession('x1', t.create('x1'));
    expect(failure(() => t.open(env)).reason).toBe('bad-seal'); // old key no longer works
    expect(t.open(s2.seal({ kind: 'ping' })).seq).toBe(1);
  });

  it('a box that opens but holds a malformed body is a ProtocolError', () => {
    const key = newAeadKey();
    const state = newSessionState('m1', key);
    const ts = Date.now();
    const body = aeadSeal(key, packJson({ kind: 'rm -rf' }), requestAad('m1', 1, ts));
    expect(() => openRequest({ kind: 'req', id: 'm1', seq: 1, ts, body }, () => state)).toThrow(/unknown request kind 'rm -rf'/);
    expect(() => openRequest({ kind: 'req', id: 'm1', seq: 1, ts, body }, () => state)).toThrow(SessionError); // seq consumed
  });

  it('an error reply becomes a RemoteError with the reason', () => {
    const err: ErrorReply = { kind: 'error', code: 'reauth', message: 'no session' };
    try {
      web1.openReply(err, 1);
      throw new Error('did not throw');
    } catch (e) {
      expect(e).toBeInstanceOf(RemoteError);
      expect((e as RemoteError).reason).toBe('reauth');
    }
  });
});

describe('several sessions per id (the daemon and `brine call` on its host)', () => {
  it('keeps the daemon session alive while short-lived sessions come and go; the least recently used goes first', async () => {
    const { SessionTable: Table, ClientSession: Client } = await import('./session');
    const t = new Table();
    const daemon = new Client('m1', t.create('m1'));
    for (let i = 0; i < 10; i++) {
      const call = new Client('m1', t.create('m1'));
      expect(t.open(call.seal({ kind: 'ping' })).id).toBe('m1');
      // The daemon keeps talking, so it is never the least recently used.
      expect(t.open(daemon.seal({ kind: 'ping' })).id).toBe('m1');
    }
    const idle = new Client('m1', t.create('m1'));
    for (let i = 0; i < 4; i++) t.open(new Client('m1', t.create('m1')).seal({ kind: 'ping' }));
    expect(() => t.open(idle.seal({ kind: 'ping' }))).toThrow(/seal|session/i);
    t.delete('m1');
    expect(() => t.open(daemon.seal({ kind: 'ping' }))).toThrow();
  });

  it('orders uses within one millisecond (a counter, not a clock): the session just used is never the one dropped', async () => {
    const { SessionTable: Table, ClientSession: Client } = await import('./session');
    const t = new Table();
    const now = 1_700_000_000_000;
    const daemon = new Client('m1', t.create('m1', now));
    for (let i = 0; i < 3; i++) t.create('m1', now);
    expect(t.open(daemon.seal({ kind: 'ping' }, now), now).id).toBe('m1');
    t.create('m1', now); // a fifth session: the least recently used of the others goes, not the daemon's
    expect(t.open(daemon.seal({ kind: 'ping' }, now), now).id).toBe('m1');
  });
});
