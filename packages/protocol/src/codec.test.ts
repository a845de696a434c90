import { ProtocolError } from '@brine/core';
import { decode, decodeExpecting, encode, packJson, unpackJson } from './codec';
import type { WireMessage } from './messages';

const req: WireMessage = { kind: 'req', id: 'web1', seq: 7, ts: 1700000000000, body: Buffer.from([1, 2, 3, 0, 255]) };
const rekey: WireMessage = {
  kind: 'rekey',
  epoch: 5,
  ts: 1,
  nonce: '00112233445566778899aabbccddeeff',
  part: 0,
  parts: 1,
  keys: { web1: Buffer.alloc(256, 1), web2: Buffer.alloc(256, 2) },
  sig: Buffer.alloc(256, 9),
};

function header(frames: Buffer[]): Record<string, unknown> {
  return JSON.parse(frames[0]!.toString()) as Record<string, unknown>;
}

function frames(h: unknown, ...blobs: Buffer[]): Buffer[] {
  return [Buffer.from(JSON.stringify(h)), ...blobs];
}

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

describe('codec', () => {
  it('round trips messages; binary fields travel as raw frames', () => {
    const f = encode(req);
    expect(f).toHaveLength(2);
    expect(header(f)).toEqual({ v: 1, kind: 'req', id: 'web1', seq: 7, ts: 1700000000000, body: { $f: 1 } });
    expect(f[1]!.equals(req.body)).toBe(true);
    expect(decode(f)).toEqual(req);
    const r = encode(rekey);
    expect(r).toHaveLength(4);
    expect(decode(r)).toEqual(rekey);
  });

  it('drops undefined optional fields', () => {
    const m: WireMessage = { kind: 'error', code: 'reauth', message: 'x', seq: undefined };
    expect(header(encode(m))).toEqual({ v: 1, kind: 'error', code: 'reauth', message: 'x' });
  });

  it('refuses to encode an invalid message', () => {
    expect(() => encode({ ...req, seq: -1 } as WireMessage)).toThrow(ProtocolError);
  });

  it('rejects garbage', () => {
    expect(reason(() => decode([]))).toMatch(/no frames/);
    expect(reason(() => decode([Buffer.from('\x00\xffnot json')]))).toMatch(/not JSON/);
    expect(reason(() => decode([Buffer.from('[1,2]')]))).toMatch(/not an object/);
    expect(reason(() => decode(['str' as unknown as Buffer]))).toMatch(/not bytes/);
    expect(reason(() => decode(frames({ kind: 'req' })))).toMatch(/version undefined/);
    expect(reason(() => decode(frames({ v: 2, kind: 'req' })))).toMatch(/version 2 is not supported/);
  });

  it('rejects unknown and missing kinds', () => {
    expect(reason(() => decode(frames({ v: 1, kind: 'shell' })))).toMatch(/unknown message kind 'shell'/);
    expect(reason(() => decode(frames({ v: 1 })))).toMatch(/missing message kind/);
  });

  it('rejects missing, wrongly typed and extra fields', () => {
    const h = header(encode(req));
    expect(reason(() => decode(frames({ ...h, seq: undefined }, req.body)))).toMatch(/\.seq: missing field/);
    expect(reason(() => decode(frames({ ...h, seq: '7' }, req.body)))).toMatch(/\.seq: expected integer, got string/);
    expect(reason(() => decode(frames({ ...h, seq: 1.5 }, req.body)))).toMatch(/\.seq: expected integer/);
    expect(reason(() => decode(frames({ ...h, id: '../etc' }, req.body)))).toMatch(/\.id: expected string matching/);
    expect(reason(() => decode(frames({ ...h, body: 'AQID' })))).toMatch(/\.body: expected bytes, got string/);
    expect(reason(() => decode(frames({ ...h, admin: true }, req.body)))).toMatch(/\.admin: unexpected field/);
  });

  it('rejects bad frame references', () => {
    const h = header(encode(req));
    expect(reason(() => decode(frames(h)))).toMatch(/frame reference 1 is out of range/);
    expect(reason(() => decode(frames(h, req.body, Buffer.from('x'))))).toMatch(/1 unreferenced frame/);
    expect(reason(() => decode(frames({ ...h, body: { $f: 0 } }, req.body)))).toMatch(/out of range/);
    const rk = header(encode(rekey));
    (rk.keys as Record<string, unknown>).web2 = { $f: 1 };
    expect(reason(() => decode(frames(rk, Buffer.alloc(256), Buffer.alloc(256), Buffer.alloc(256))))).toMatch(/referenced twice/);
  });

  it('rejects oversized messages before parsing', () => {
    const big = encode({ ...req, body: Buffer.alloc(2000) });
    expect(reason(() => decode(big, { maxBytes: 1000 }))).toMatch(/exceeds the limit of 1000/);
    expect(decode(big, { maxBytes: 4000 }).kind).toBe('req');
    expect(reason(() => decode(Array.from({ length: 5000 }, () => Buffer.alloc(0))))).toMatch(/frames/);
  });

  it('decodeExpecting restricts kinds', () => {
    expect(decodeExpecting(encode(req), ['auth', 'req']).kind).toBe('req');
    expect(reason(() => decodeExpecting(encode(rekey), ['auth', 'req']))).toMatch(/kind 'rekey' is not valid here/);
  });

  it('a bigint (an int past 2^53 from YAML or Jinja) crosses as its exact digits in a string, in a body and a message', () => {
    const v = { ret: { keyid: 6491630072354022473n, small: 12 } };
    expect(unpackJson(packJson(v))).toEqual({ ret: { keyid: '6491630072354022473', small: 12 } });
    expect(JSON.parse(JSON.stringify([-(2n ** 64n)]))).toEqual(['-18446744073709551616']);
  });

  it('packJson carries Buffers inside sealed bodies', () => {
    const v = { a: Buffer.from('hi'), list: [Buffer.from([0, 1])], n: 1 };
    expect(unpackJson(packJson(v))).toEqual(v);
    expect(() => unpackJson(Buffer.from('{'))).toThrow(ProtocolError);
  });
});
