/** The typed control channel over a real IPC ROUTER/DEALER: validation on both ends, the token, streams, aborts. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Dealer } from 'zeromq';
import { BrineError, MemoryLogger, ProtocolError, UsageError } from '@brine/core';
import { ControlClient, ControlServer, controlPaths, EVENT_BATCH_BYTES, type ControlHandlers, type ControlSink } from './transport';

let dir: string;
let server: ControlServer | undefined;
const clients: ControlClient[] = [];

/** Handlers for every operation; a test overrides the ones it exercises. */
function handlers(over: Partial<ControlHandlers> = {}): ControlHandlers {
  const never = () => {
    throw new Error('not used here');
  };
  return {
    'keys.changed': (_r, s) => s.end({ removed: [] }),
    match: (r, s) => s.end({ minions: typeof r.tgt === 'string' ? [r.tgt] : r.tgt }),
    status: never,
    'mine.get': never,
    publish: never,
    'event.listen': never,
    runner: never,
    ...over,
  };
}

async function start(h: ControlHandlers): Promise<void> {
  server = new ControlServer(dir, new MemoryLogger(), h);
  await server.start();
}

function client(): ControlClient {
  const c = new ControlClient(dir);
  clients.push(c);
  return c;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-control-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a request gets its operation reply, validated, and the socket and token are private', async () => {
  await start(handlers());
  expect(await client().request('match', { tgt: 'web1' })).toEqual({ minions: ['web1'] });
  expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  expect(fs.statSync(controlPaths(dir).tokenFile).mode & 0o777).toBe(0o400);
});

test('a stream: events in order, then the end', async () => {
  await start(
    handlers({
      publish: (r, s) => {
        s.event({ event: 'job', jid: '20260101000000000001', expected: ['a', 'b'] });
        s.event({ event: 'running', minion: 'a' });
        s.event({ event: 'return', minion: 'b', ret: r.arg, outcome: 'ok', success: true });
        s.end({ jid: '20260101000000000001', missing: { a: 'Timed out' } });
      },
    }),
  );
  const seen: string[] = [];
  const reply = await client().request('publish', { tgt: '*', fun: 'test.arg', arg: [1] }, { onEvent: (e) => seen.push(e.event) });
  expect(seen).toEqual(['job', 'running', 'return']);
  expect(reply).toEqual({ jid: '20260101000000000001', missing: { a: 'Timed out' } });
});

test('events of one turn share frames (bounded in bytes), in order, and all arrive before the end', async () => {
  const N = 5000;
  await start(
    handlers({
      'event.listen': async (_r, s) => {
        for (let i = 0; i < N; i++) s.event({ tag: `t/${i}`, data: { pad: 'x'.repeat(300) } });
        await new Promise((r) => setTimeout(r, 20));
        s.event({ tag: 'later', data: {} });
        s.end({});
      },
    }),
  );
  const raw = new Dealer({ linger: 0 });
  raw.connect(controlPaths(dir).endpoint);
  const token = fs.readFileSync(controlPaths(dir).tokenFile, 'utf8');
  try {
    await raw.send(JSON.stringify({ id: '1', token, op: 'event.listen', body: {} }));
    const frames: Record<string, unknown>[] = [];
    for (;;) {
      const [body] = await raw.receive();
      expect(body!.length).toBeLessThan(EVENT_BATCH_BYTES + 1000);
      const f = JSON.parse(String(body)) as Record<string, unknown>;
      frames.push(f);
      if (f['type'] === 'end') break;
    }
    const events = frames.filter((f) => f['type'] === 'events').flatMap((f) => f['events'] as { tag: string }[]);
    expect(events.map((e) => e.tag)).toEqual([...Array.from({ length: N }, (_, i) => `t/${i}`), 'later']);
    // About 1.6 MB of events in one turn: two frames (the byte bound), then one for the later event, then the end.
    expect(frames.map((f) => f['type'])).toEqual(['events', 'events', 'events', 'end']);
  } finally {
    raw.close();
  }
  // The client delivers each event of a batch, validated, in order.
  const got: string[] = [];
  await client().request('event.listen', {}, { onEvent: (e) => got.push(e.tag) });
  expect(got.length).toBe(N + 1);
  expect(got[N - 1]).toBe(`t/${N - 1}`);
});

test("the master refuses a bad token, an unknown operation and a body that does not fit the operation's schema", async () => {
  await start(handlers());
  const raw = new Dealer({ linger: 0 });
  raw.connect(controlPaths(dir).endpoint);
  const token = fs.readFileSync(controlPaths(dir).tokenFile, 'utf8');
  const ask = async (frame: Record<string, unknown>) => {
    await raw.send(JSON.stringify(frame));
    const [body] = await raw.receive();
    return JSON.parse(String(body)) as Record<string, unknown>;
  };
  try {
    expect(await ask({ id: '1', token: 'x'.repeat(64), op: 'match', body: { tgt: '*' } })).toMatchObject({ id: '1', type: 'end', ok: false, code: 'bad-token' });
    expect(await ask({ id: '2', token, op: 'nope', body: {} })).toMatchObject({ id: '2', ok: false, code: 'bad-request', error: "unknown operation 'nope'" });
    const bad = await ask({ id: '3', token, op: 'match', body: { tgt: 5 } });
    expect(bad).toMatchObject({ id: '3', ok: false, code: 'bad-request' });
    expect(String(bad['error'])).toMatch(/control match\.tgt: expected/);
    expect(await ask({ id: '4', token, op: 'match', body: { tgt: '*', smuggled: true } })).toMatchObject({ id: '4', ok: false, error: expect.stringMatching(/smuggled: unexpected field/) });
    // A frame without a usable id cannot be answered; the master goes on serving.
    await raw.send('not json');
    expect(await ask({ id: '5', token, op: 'match', body: { tgt: 'x' } })).toMatchObject({ id: '5', ok: true, reply: { minions: ['x'] } });
  } finally {
    raw.close();
  }
});

test('a client holding a stale token reads it again once; a wrong one is refused', async () => {
  await start(handlers());
  const { tokenFile } = controlPaths(dir);
  const good = fs.readFileSync(tokenFile, 'utf8');
  fs.rmSync(tokenFile);
  fs.writeFileSync(tokenFile, 'f'.repeat(64));
  const c = client(); // reads the wrong token
  fs.rmSync(tokenFile);
  fs.writeFileSync(tokenFile, good);
  expect(await c.request('keys.changed', {})).toEqual({ removed: [] });
  fs.rmSync(tokenFile);
  fs.writeFileSync(tokenFile, 'e'.repeat(64));
  await expect(client().request('keys.changed', {})).rejects.toThrow(/bad token/);
});

test('the client refuses an answer that does not fit the schema; a handler error arrives as its kind', async () => {
  await start(
    handlers({
      status: (_r, s) => s.end({ fingerprint: 'x' } as never),
      runner: (r) => {
        if (r.fun === 'usage') throw new UsageError('no such runner');
        throw new Error('it broke');
      },
    }),
  );
  await expect(client().request('status', {})).rejects.toThrow(ProtocolError);
  await expect(client().request('runner', { fun: 'usage', arg: [], kwarg: {} })).rejects.toThrow(UsageError);
  const e = await client().request('runner', { fun: 'x', arg: [], kwarg: {} }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(BrineError);
  expect((e as BrineError).message).toBe('it broke');
});

test("a stream is aborted when its client goes away", async () => {
  let sink: ControlSink<'event.listen'> | undefined;
  await start(handlers({ 'event.listen': (_r, s) => void (sink = s) }));
  const c = client();
  const got: string[] = [];
  void c.request('event.listen', {}, { timeoutMs: Infinity, onEvent: (e) => got.push(e.tag) }).catch(() => undefined);
  const end = Date.now() + 5000;
  while (!sink && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  sink!.event({ tag: 'a/b', data: {} });
  while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(got).toEqual(['a/b']);
  expect(sink!.signal.aborted).toBe(false);
  c.close();
  // The next send to the departed client fails and aborts its streams.
  while (!sink!.signal.aborted && Date.now() < end) {
    sink!.event({ tag: 'a/c', data: {} });
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(sink!.signal.aborted).toBe(true);
});

test('every operation needs a handler (a compile-time check)', () => {
  // @ts-expect-error: a table without a handler for each operation does not compile
  const partial: ControlHandlers = { status: () => undefined };
  expect(Object.keys(partial)).toEqual(['status']);
});
