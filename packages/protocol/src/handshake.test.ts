/**
 * The pieces together over real sockets: auth, a sealed request, a publication, a rekey that cuts one
 * minion off. This is the shape the master and minion packages build on.
 */
import { ProtocolError } from '@brine/core';
import { buildAuthReply, createAuthRequest, openAuthReply, verifyAuthRequest } from './auth';
import { decode, decodeExpecting, encode } from './codec';
import { createKeyPair } from './crypto/keys';
import type { AuthReply, ErrorReply, ReplyEnvelope, WireMessage } from './messages';
import { PublicationError, PublicationKeys, PublicationReceiver, buildRekey, sealPublication } from './publication';
import { ReplayCache } from './replay';
import { ClientSession, RemoteError, SessionError, SessionTable } from './session';
import { MasterTransport } from './transport/master';
import { MinionTransport } from './transport/minion';

const masterKeys = createKeyPair();
const accepted = new Map<string, string>(); // id -> pub

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('auth, sealed request, publication and rekey over ZeroMQ', async () => {
  const sessions = new SessionTable();
  const pubKeys = new PublicationKeys();
  const authNonces = new ReplayCache(10_000, 300_000);
  const master = await MasterTransport.bind({ interface: '127.0.0.1', publishPort: 0, requestPort: 0, linger: 0 });
  master.onRequest(async (_peer, frames) => {
    const msg = decodeExpecting(frames, ['auth', 'req']);
    if (msg.kind === 'auth') {
      const v = verifyAuthRequest(msg, { replay: authNonces });
      if (!accepted.has(v.id)) return encode(buildAuthReply(masterKeys, v, 'pending'));
      return encode(buildAuthReply(masterKeys, v, 'accepted', { sessionKey: sessions.create(v.id), pubKey: pubKeys.current.key, pubKeyEpoch: pubKeys.current.epoch }));
    }
    try {
      const req = sessions.open(msg);
      const data = req.body.kind === 'pillar' ? { role: `for ${req.id}` } : null;
      return encode(sessions.sealReply(req, { ok: true, data }));
    } catch (e) {
      if (e instanceof SessionError && (e.reason === 'no-session' || e.reason === 'bad-seal')) {
        return encode({ kind: 'error', code: 'reauth', message: e.message, seq: msg.seq } satisfies ErrorReply);
      }
      throw e;
    }
  });

  const ids = ['web1', 'web2'];
  const minions = ids.map((id) => {
    const keys = { id, ...createKeyPair() };
    const transport = MinionTransport.connect({ host: '127.0.0.1', publishPort: master.publishPort, requestPort: master.requestPort, id });
    const got: string[] = [];
    const errors: string[] = [];
    let receiver: PublicationReceiver | undefined;
    transport.onPublish((frames) => {
      if (!receiver) return;
      const m: WireMessage = decode(frames);
      try {
        if (m.kind === 'pub') got.push(receiver.open(m).jid);
        else if (m.kind === 'rekey') receiver.openRekey(m);
      } catch (e) {
        errors.push(e instanceof PublicationError ? e.reason : String(e));
      }
    });
    const auth = async (): Promise<ClientSession | null> => {
      const sent = createAuthRequest(keys);
      const reply = decodeExpecting(await transport.request(encode(sent), 5000), ['auth.reply']) as AuthReply;
      const out = openAuthReply(reply, sent, keys, { trustedFingerprint: undefined });
      if (out.status !== 'accepted') return null;
      receiver = new PublicationReceiver(out.masterPub, keys);
      receiver.setKey(out.pubKeyEpoch, out.pubKey);
      return new ClientSession(id, out.sessionKey);
    };
    const ask = async (s: ClientSession) => {
      const env = s.seal({ kind: 'pillar' });
      const rep = decodeExpecting(await transport.request(encode(env), 5000), ['rep', 'error']) as ReplyEnvelope | ErrorReply;
      return s.openReply(rep, env.seq);
    };
    return { id, keys, transport, got, errors, auth, ask };
  });

  try {
    // Not accepted yet: pending.
    expect(await minions[0]!.auth()).toBeNull();
    for (const m of minions) accepted.set(m.id, m.keys.publicPem);
    const s = await Promise.all(minions.map((m) => m.auth()));
    expect(await minions[0]!.ask(s[0]!)).toEqual({ ok: true, data: { role: 'for web1' } });
    expect(await minions[1]!.ask(s[1]!)).toEqual({ ok: true, data: { role: 'for web2' } });

    await waitFor(() => ids.every((id) => master.isSubscribed(id)));
    await master.publish(encode(sealPublication(masterKeys.privatePem, pubKeys.current, { jid: 'j1', tgt: '*', tgtType: 'glob', fun: 'test.ping', arg: [], kwarg: {} })));
    await waitFor(() => minions.every((m) => m.got.includes('j1')));

    // Delete web2's key: end its session, rotate, rekey the rest.
    accepted.delete('web2');
    sessions.delete('web2');
    const next = pubKeys.rotate();
    for (const rk of buildRekey(masterKeys.privatePem, next, [...accepted].map(([id, pub]) => ({ id, pub })))) await master.publish(encode(rk));
    await master.publish(encode(sealPublication(masterKeys.privatePem, next, { jid: 'j2', tgt: '*', tgtType: 'glob', fun: 'test.ping', arg: [], kwarg: {} })));
    await waitFor(() => minions[0]!.got.includes('j2') && minions[1]!.errors.includes('unknown-epoch'));
    expect(minions[1]!.got).not.toContain('j2');
    // And its requests are refused with "reauth"; re-auth now yields pending.
    await expect(minions[1]!.ask(s[1]!)).rejects.toThrow(RemoteError);
    expect(await minions[1]!.auth()).toBeNull();
  } finally {
    for (const m of minions) await m.transport.close();
    await master.close();
  }
});

it('the master handler never sees an unvalidated message', () => {
  expect(() => decodeExpecting([Buffer.from('{"v":1,"kind":"pub","epoch":1}')], ['auth', 'req'])).toThrow(ProtocolError);
});
