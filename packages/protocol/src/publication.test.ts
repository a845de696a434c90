import { decode, encode } from './codec';
import { createKeyPair } from './crypto/keys';
import type { PublicationMessage, RekeyMessage } from './messages';
import { PublicationError, PublicationKeyring, PublicationKeys, PublicationReceiver, buildRekey, sealPublication, type JobInput } from './publication';

const master = createKeyPair();
const rogue = createKeyPair();
const minions = ['web1', 'web2', 'db1'].map((id) => ({ id, ...createKeyPair() }));

let n = 0;
function job(over: Partial<JobInput> = {}): JobInput {
  return { jid: `2024010100000${n++}`, tgt: 'web*', tgtType: 'glob', fun: 'test.ping', arg: [], kwarg: {}, ...over };
}

function wire<T>(m: T): T {
  return decode(encode(m as never)) as T;
}

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof PublicationError) return e.reason;
    throw e;
  }
  return 'accepted';
}

function receivers(keys: PublicationKeys) {
  return minions.map((m) => {
    const r = new PublicationReceiver(master.publicPem, m);
    r.setKey(keys.current.epoch, keys.current.key);
    return r;
  });
}

describe('publications', () => {
  it('every minion opens a genuine publication', () => {
    const keys = new PublicationKeys();
    const msg = wire(sealPublication(master.privatePem, keys.current, job({ arg: ['a', 1], kwarg: { test: true } })));
    for (const r of receivers(keys)) {
      const j = r.open(msg);
      expect(j).toMatchObject({ fun: 'test.ping', arg: ['a', 1], kwarg: { test: true } });
    }
  });

  it('a minion holding the shared key cannot forge one: bad signature', () => {
    const keys = new PublicationKeys();
    const [r] = receivers(keys);
    // Sealed correctly with the shared key, but signed by someone other than the master.
    const forged = sealPublication(rogue.privatePem, keys.current, job({ fun: 'cmd.run', arg: ['rm -rf /'] }));
    expect(reason(() => r!.open(forged))).toBe('bad-signature');
    // Body swapped under a genuine signature.
    const genuine = sealPublication(master.privatePem, keys.current, job());
    const swapped: PublicationMessage = { ...genuine, body: forged.body };
    expect(reason(() => r!.open(swapped))).toBe('bad-signature');
    const flipped: PublicationMessage = { ...genuine, body: Buffer.from(genuine.body) };
    flipped.body[20]! ^= 1;
    expect(reason(() => r!.open(flipped))).toBe('bad-signature');
  });

  it('replays are rejected (same message, or same jid with a new nonce)', () => {
    const keys = new PublicationKeys();
    const [r] = receivers(keys);
    const j = job();
    const msg = sealPublication(master.privatePem, keys.current, j);
    expect(reason(() => r!.open(msg))).toBe('accepted');
    expect(reason(() => r!.open(msg))).toBe('replay');
    expect(reason(() => r!.open(sealPublication(master.privatePem, keys.current, { ...j })))).toBe('replay');
  });

  it('stale and future publications are rejected', () => {
    const keys = new PublicationKeys();
    const [r] = receivers(keys);
    const now = Date.now();
    expect(reason(() => r!.open(sealPublication(master.privatePem, keys.current, job({ ts: now - 61_000 })), now))).toBe('stale');
    expect(reason(() => r!.open(sealPublication(master.privatePem, keys.current, job({ ts: now + 31_000 })), now))).toBe('future');
    expect(reason(() => r!.open(sealPublication(master.privatePem, keys.current, job({ ts: now - 59_000 })), now))).toBe('accepted');
  });

  it('an unknown epoch asks for re-authentication', () => {
    const keys = new PublicationKeys();
    const [r] = receivers(keys);
    const next = keys.rotate();
    expect(reason(() => r!.open(sealPublication(master.privatePem, next, job())))).toBe('unknown-epoch');
  });

  it('rekey: the minion left out cannot open the next publication, the others can', () => {
    const keys = new PublicationKeys();
    const [web1, web2, db1] = receivers(keys);
    const next = keys.rotate();
    const remaining = minions.filter((m) => m.id !== 'web2').map((m) => ({ id: m.id, pub: m.publicPem }));
    // Chunk size 1 exercises multi-part rekeys.
    const rekeys = buildRekey(master.privatePem, next, remaining, { chunk: 1 }).map(wire);
    expect(rekeys).toHaveLength(2);
    const installed = (r: PublicationReceiver) => rekeys.map((m) => r.openRekey(m)).filter((e) => e !== undefined);
    expect(installed(web1!)).toEqual([next.epoch]);
    expect(installed(db1!)).toEqual([next.epoch]);
    expect(installed(web2!)).toEqual([]);
    const msg = sealPublication(master.privatePem, next, job());
    expect(reason(() => web1!.open(msg))).toBe('accepted');
    expect(reason(() => db1!.open(msg))).toBe('accepted');
    expect(reason(() => web2!.open(msg))).toBe('unknown-epoch');
    // web2 cannot take web1's wrapped key either: it is sealed to web1's RSA key.
    const stolen: RekeyMessage = { ...rekeys[1]!, keys: { web2: rekeys[1]!.keys.web1! } };
    expect(reason(() => web2!.openRekey(stolen))).toBe('bad-signature');
  });

  it('a forged rekey is rejected', () => {
    const keys = new PublicationKeys();
    const [web1] = receivers(keys);
    const forged = buildRekey(rogue.privatePem, keys.rotate(), [{ id: 'web1', pub: minions[0]!.publicPem }]);
    expect(reason(() => web1!.openRekey(forged[0]!))).toBe('bad-signature');
  });

  it('the keyring keeps the newest epochs only', () => {
    const ring = new PublicationKeyring(2);
    const k = Buffer.alloc(32);
    ring.set(10, k);
    ring.set(20, k);
    ring.set(30, k);
    expect(ring.epochs()).toEqual([30, 20]);
    expect(ring.set(5, k)).toBe(false);
    expect(ring.latest).toBe(30);
  });

  it('epochs increase even when rotated within the same millisecond', () => {
    const keys = new PublicationKeys(1000);
    const a = keys.rotate(1000).epoch;
    const b = keys.rotate(1000).epoch;
    expect(b).toBeGreaterThan(a);
  });
});
