/**
 * The master's answer to ZMTP heartbeats, seen from a raw ZMTP peer: a PONG goes a sixth of the PING's TTL later,
 * and not at all when another message reached the peer first (libzmq's heartbeat timeout ends at any message).
 */
import * as net from 'net';
import { MasterTransport } from './master';
import { command, frameHeader, greeting, readyCommand } from './zmtp';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

type Frame = { command: boolean; body: Buffer; at: number };

/** A DEALER speaking ZMTP 3.0 by hand: what it received, frame by frame, after the greeting. */
async function rawDealer(port: number): Promise<{ frames: Frame[]; sock: net.Socket; send(parts: Buffer[]): void; ping(ttlDs: number, ctx: string): void }> {
  const sock = net.connect(port, '127.0.0.1');
  closers.push(() => void sock.destroy());
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  const frames: Frame[] = [];
  let buf = Buffer.alloc(0);
  let greeted = false;
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (!greeted) {
      if (buf.length < 64) return;
      buf = buf.subarray(64);
      greeted = true;
    }
    while (buf.length >= 2) {
      const long = (buf[0]! & 0x02) !== 0;
      const head = long ? 9 : 2;
      if (buf.length < head) return;
      const size = long ? Number(buf.readBigUInt64BE(1)) : buf[1]!;
      if (buf.length < head + size) return;
      frames.push({ command: (buf[0]! & 0x04) !== 0, body: Buffer.from(buf.subarray(head, head + size)), at: Date.now() });
      buf = buf.subarray(head + size);
    }
  });
  sock.write(Buffer.concat([greeting(), ...readyCommand('DEALER')]));
  const send = (parts: Buffer[]) => sock.write(Buffer.concat(parts.flatMap((p, i) => [frameHeader(i < parts.length - 1 ? 1 : 0, p.length), p])));
  const ping = (ttlDs: number, ctx: string) => {
    const body = Buffer.alloc(2 + ctx.length);
    body.writeUInt16BE(ttlDs, 0);
    body.write(ctx, 2, 'ascii');
    sock.write(Buffer.concat(command('PING', body)));
  };
  return { frames, sock, send, ping };
}

const pongs = (frames: Frame[]) => frames.filter((f) => f.command && f.body.subarray(1, 1 + f.body[0]!).toString('ascii') === 'PONG');
const contextOf = (f: Frame) => f.body.subarray(5).toString('ascii');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function master(): Promise<MasterTransport> {
  const m = await MasterTransport.bind({ interface: '127.0.0.1', publishPort: 0, requestPort: 0, linger: 0 });
  closers.push(() => m.close());
  m.onRequest(async (_peer, frames) => [Buffer.from(`re:${frames[0]!.toString()}`)]);
  return m;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

describe('ZMTP heartbeats at the master', () => {
  it('answers a PING with its context a sixth of its TTL later, or at once when it carries no TTL', async () => {
    const m = await master();
    const d = await rawDealer(m.requestPort);
    await until(() => d.frames.some((f) => f.command)); // the master's READY
    d.ping(0, 'now');
    await until(() => pongs(d.frames).length === 1);
    expect(contextOf(pongs(d.frames)[0]!)).toBe('now');
    const sent = Date.now();
    d.ping(6, 'later'); // TTL 600 ms: the PONG waits 100 ms
    await until(() => pongs(d.frames).length === 2);
    expect(contextOf(pongs(d.frames)[1]!)).toBe('later');
    expect(pongs(d.frames)[1]!.at - sent).toBeGreaterThanOrEqual(90);
  });

  it('sends no PONG when a reply went to the peer meanwhile, and one again once the peer is only heartbeating', async () => {
    const m = await master();
    const d = await rawDealer(m.requestPort);
    await until(() => d.frames.some((f) => f.command));
    d.ping(12, 'busy'); // TTL 1.2 s: a PONG would go after 200 ms
    d.send([Buffer.from('c1'), Buffer.from('job')]);
    await until(() => d.frames.some((f) => !f.command && f.body.toString() === 're:job'));
    await sleep(500);
    expect(pongs(d.frames)).toEqual([]); // the reply answered the heartbeat
    d.ping(12, 'idle');
    await until(() => pongs(d.frames).length === 1);
    expect(contextOf(pongs(d.frames)[0]!)).toBe('idle');
  });
});
