import { execFileSync, spawn } from 'child_process';
import * as net from 'net';
import * as zmq from 'zeromq';
import { MemoryLogger } from '@brine/core';
import { MasterTransport } from './master';
import { MinionTransport } from './minion';
import { minionTopic, tcpEndpoint } from './endpoints';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function master(opts: Parameters<typeof MasterTransport.bind>[0] = {}): Promise<MasterTransport> {
  const m = await MasterTransport.bind({ interface: '127.0.0.1', publishPort: 0, requestPort: 0, linger: 0, ...opts });
  closers.push(() => m.close());
  return m;
}

function minion(m: MasterTransport, opts: Partial<Parameters<typeof MinionTransport.connect>[0]> = {}): MinionTransport {
  const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: m.publishPort, requestPort: m.requestPort, reconnectIntervalMs: 50, ...opts });
  closers.push(() => t.close());
  return t;
}

describe('transport', () => {
  it('binds random ports and reports them', async () => {
    const m = await master();
    expect(m.publishPort).toBeGreaterThan(0);
    expect(m.requestPort).toBeGreaterThan(0);
    expect(m.requestEndpoint).toBe(`tcp://127.0.0.1:${m.requestPort}`);
  });

  it('listens with the listen queue it is given (zmq_backlog), 4096 by default, on both ports', async () => {
    // ss prints a listening socket's queue limit as its Send-Q.
    const queue = (port: number): number => Number(execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split(/\s+/)[2]);
    const dflt = await master();
    expect([queue(dflt.requestPort), queue(dflt.publishPort)]).toEqual([4096, 4096]);
    const small = await master({ backlog: 77 });
    expect([queue(small.requestPort), queue(small.publishPort)]).toEqual([77, 77]);
    // The publish port served by its own process (a large fleet) listens with it too.
    const separate = await master({ backlog: 55, publisherProcess: true });
    expect([queue(separate.requestPort), queue(separate.publishPort)]).toEqual([55, 55]);
  });

  it('answers 200 concurrent requests over one DEALER, each matched to its request', async () => {
    const m = await master();
    let concurrent = 0;
    let peak = 0;
    m.onRequest(async (_peer, frames) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await new Promise((r) => setTimeout(r, Math.random() * 30)); // replies come back out of order
      concurrent--;
      return [Buffer.from(`echo:${frames[0]!.toString()}`), frames[1] ?? Buffer.alloc(0)];
    });
    const t = minion(m);
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => t.request([Buffer.from(String(i)), Buffer.from([i & 0xff])], 10_000)));
    replies.forEach((r, i) => {
      expect(r[0]!.toString()).toBe(`echo:${i}`);
      expect(r[1]![0]).toBe(i & 0xff);
    });
    expect(peak).toBeGreaterThan(1); // handled concurrently, not one by one
    expect(t.inFlight).toBe(0);
  });

  it('drops garbage (and handler failures) and still answers the next valid request', async () => {
    const logger = new MemoryLogger();
    const m = await master({ logger, maxMessageBytes: 1024 });
    m.onRequest(async (_peer, frames) => {
      const text = frames[0]!.toString();
      if (text !== 'valid') throw new Error(`bad payload ${JSON.stringify(text.slice(0, 10))}`);
      return [Buffer.from('ok')];
    });
    // A raw DEALER speaking nonsense: bare frame (no correlation id), empty frames, binary junk, oversized.
    const raw = new zmq.Dealer({ linger: 0 });
    closers.push(async () => raw.close());
    raw.connect(tcpEndpoint('127.0.0.1', m.requestPort));
    await raw.send([Buffer.from('lonely')]);
    await raw.send([Buffer.alloc(0), Buffer.from('x')]);
    await raw.send([Buffer.from('c1'), Buffer.from([0xff, 0x00, 0x13, 0x37])]);
    await raw.send([Buffer.from('c2'), Buffer.alloc(600), Buffer.alloc(600)]);
    await raw.send([Buffer.from('c3'), Buffer.alloc(5000)]); // over ZeroMQ's maxMessageSize: peer disconnected
    await waitFor(() => logger.lines.filter((l) => l.msg.startsWith('request dropped')).length >= 4);
    const t = minion(m);
    expect((await t.request([Buffer.from('valid')], 5000))[0]!.toString()).toBe('ok');
    const dropped = logger.lines.filter((l) => l.msg.startsWith('request dropped'));
    expect(dropped.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['request dropped: not [correlation id, payload...]', 'request dropped: handler failed', 'request dropped: too large']),
    );
    expect(dropped.every((l) => typeof l.meta?.peer === 'string' && (l.meta.peer as string).length > 0)).toBe(true);
  });

  it('a request without a reply times out; a null reply means no answer', async () => {
    const m = await master();
    m.onRequest(async () => null);
    const t = minion(m);
    await expect(t.request([Buffer.from('x')], 200)).rejects.toThrow(/no reply from the master within 200 ms/);
    expect(t.inFlight).toBe(0);
  });

  it('requests made before the master is up are delivered when it binds (reconnect)', async () => {
    // Free ports from a plain TCP listener: a just-closed ZeroMQ socket may still accept (and then drop)
    // a connection for a moment while libzmq tears it down, which would swallow the request.
    const [port, pubPort] = await Promise.all([freePort(), freePort()]);
    const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: pubPort, requestPort: port, reconnectIntervalMs: 20, reconnectMaxIntervalMs: 100 });
    closers.push(() => t.close());
    const pending = t.request([Buffer.from('early')], 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const m = await master({ requestPort: port, publishPort: pubPort });
    m.onRequest(async (_p, f) => [Buffer.from(`late:${f[0]!.toString()}`)]);
    expect((await pending)[0]!.toString()).toBe('late:early');
  });

  it('a connect whose SYNs a full listen queue drops is abandoned after connectTimeoutMs and made afresh', async () => {
    // A listener with a queue of one that never accepts: once two connections fill it the kernel drops further SYNs,
    // and would retry the minion's only 1, 3, 7, 15 s after the first.
    const py = spawn('python3', ['-c', 'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()']);
    closers.push(async () => void py.kill());
    const port = Number(await new Promise<string>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    const fillers = [0, 1, 2].map(() => net.connect(port, '127.0.0.1').on('error', () => undefined));
    closers.push(async () => fillers.forEach((f) => f.destroy()));
    await new Promise((r) => setTimeout(r, 300));
    const pubPort = await freePort();
    const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: pubPort, requestPort: port, reconnectIntervalMs: 50, reconnectMaxIntervalMs: 100, connectTimeoutMs: 1000 });
    closers.push(() => t.close());
    const pending = t.request([Buffer.from('early')], 30_000);
    await new Promise((r) => setTimeout(r, 8000));
    // The queue is gone and the master listens on the port: the minion's connect in progress must give up and retry.
    py.stdin.end();
    await new Promise((r) => py.once('exit', r));
    const m = await master({ requestPort: port, publishPort: pubPort });
    const bound = Date.now();
    m.onRequest(async (_p, f) => [Buffer.from(`late:${f[0]!.toString()}`)]);
    expect((await pending)[0]!.toString()).toBe('late:early');
    // Measured: 0.6 s after the bind; 3.1 s with the kernel's retries alone (connectTimeoutMs 0).
    expect(Date.now() - bound).toBeLessThan(2000);
  }, 30_000);

  it('PUB/SUB: the master sees each minion subscribe, then delivers broadcast and per-minion topics', async () => {
    const m = await master();
    const seen: [string, boolean][] = [];
    m.onSubscription((id, on) => seen.push([id, on]));
    const a = minion(m, { id: 'web1' });
    const b = minion(m, { id: 'web2' });
    const got: Record<string, string[]> = { web1: [], web2: [] };
    a.onPublish((f, topic) => void got.web1!.push(`${JSON.stringify(topic)}:${f[0]!.toString()}`));
    b.onPublish((f) => void got.web2!.push(f[0]!.toString()));
    // Slow joiner: wait until both subscriptions reached the publisher before publishing.
    await waitFor(() => m.isSubscribed('web1') && m.isSubscribed('web2'));
    await m.publish([Buffer.from('job-1')]);
    await m.publish([Buffer.from('only-web2')], minionTopic('web2'));
    await waitFor(() => got.web1!.length >= 1 && got.web2!.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.web1).toEqual(['"*":job-1']);
    expect(got.web2).toEqual(['job-1', 'only-web2']);
    await b.close();
    await waitFor(() => !m.isSubscribed('web2'));
    expect(seen).toEqual(expect.arrayContaining([['web1', true], ['web2', true], ['web2', false]]));
    expect(m.subscribedMinions()).toEqual(['web1']);
  });

  it('works over IPv6 loopback ([::1]) when available', async () => {
    let m: MasterTransport;
    try {
      m = await MasterTransport.bind({ interface: '::1', publishPort: 0, requestPort: 0, linger: 0 });
    } catch (e) {
      console.warn(`IPv6 loopback unavailable, skipping: ${String(e)}`);
      return;
    }
    closers.push(() => m.close());
    expect(m.requestEndpoint).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
    m.onRequest(async (_p, f) => [Buffer.from(`v6:${f[0]!.toString()}`)]);
    const t = MinionTransport.connect({ host: '::1', publishPort: m.publishPort, requestPort: m.requestPort, id: 'v6' });
    closers.push(() => t.close());
    expect((await t.request([Buffer.from('hi')], 5000))[0]!.toString()).toBe('v6:hi');
    const got: string[] = [];
    t.onPublish((f) => void got.push(f[0]!.toString()));
    await waitFor(() => m.isSubscribed('v6'));
    await m.publish([Buffer.from('pub6')]);
    await waitFor(() => got.length === 1);
  });

  it('dual-stack bind on [::] accepts IPv4 clients', async () => {
    let m: MasterTransport;
    try {
      m = await MasterTransport.bind({ interface: '::', publishPort: 0, requestPort: 0, linger: 0 });
    } catch (e) {
      console.warn(`IPv6 unavailable, skipping: ${String(e)}`);
      return;
    }
    closers.push(() => m.close());
    m.onRequest(async () => [Buffer.from('ok')]);
    const t = minion(m);
    expect((await t.request([Buffer.from('x')], 5000))[0]!.toString()).toBe('ok');
  });

  it('close rejects pending requests', async () => {
    const m = await master();
    m.onRequest(() => new Promise(() => undefined));
    const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: m.publishPort, requestPort: m.requestPort });
    const p = t.request([Buffer.from('x')], 10_000);
    await new Promise((r) => setTimeout(r, 50));
    await t.close();
    await expect(p).rejects.toThrow(/closed/);
  });

  it('an oversized reply kills the request connection for good (libzmq); a reset socket works again', async () => {
    const m = await master();
    let big = true;
    m.onRequest(async (_p, frames) => (big ? [Buffer.alloc(4096, 1)] : frames));
    const t = minion(m, { maxMessageBytes: 1024 });
    await expect(t.request([Buffer.from('a')], 1000)).rejects.toThrow(/no reply/);
    big = false;
    await expect(t.request([Buffer.from('b')], 1000)).rejects.toThrow(/no reply/); // still dead: no reconnect
    const inFlight = t.request([Buffer.from('c')], 5000);
    t.resetRequestSocket();
    await expect(inFlight).rejects.toThrow(/reset/);
    expect((await t.request([Buffer.from('d')], 2000)).map(String)).toEqual(['d']);
  });

  it('a reset publication socket keeps its subscriptions', async () => {
    const m = await master();
    const t = minion(m, { id: 'm9' });
    const got: string[] = [];
    t.onPublish((frames) => void got.push(String(frames[0])));
    await waitFor(() => m.isSubscribed('m9'));
    t.resetPublishSocket();
    await new Promise((r) => setTimeout(r, 300));
    await waitFor(() => m.isSubscribed('m9'));
    for (let i = 0; i < 20 && got.length === 0; i++) {
      await m.publish([Buffer.from('hello')], minionTopic('m9'));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(got[0]).toBe('hello');
  });

  it('usePublishPort moves the subscription to the port the master gave, same subscriptions', async () => {
    const m = await master();
    const wrong = await freePort();
    const t = minion(m, { id: 'm8', publishPort: wrong });
    const got: string[] = [];
    t.onPublish((frames) => void got.push(String(frames[0])));
    t.usePublishPort(m.publishPort);
    expect(t.publishEndpoint).toBe(tcpEndpoint('127.0.0.1', m.publishPort));
    await waitFor(() => m.isSubscribed('m8'));
    for (let i = 0; i < 20 && got.length === 0; i++) {
      await m.publish([Buffer.from('here')], minionTopic('m8'));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(got[0]).toBe('here');
  });

  it('silentForMs: 0 while the master answers; grows once it is gone and a request waits', async () => {
    const m = await master();
    m.onRequest(async (_peer, frames) => frames);
    const t = minion(m);
    await t.request([Buffer.from('a')], 2000);
    expect(t.silentForMs()).toBe(0);
    const port = m.requestPort;
    await m.close();
    const waiting = t.request([Buffer.from('b')], 1000).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 400));
    expect(t.silentForMs()).toBeGreaterThanOrEqual(300);
    await waiting;
    // Never connected at all (nothing listens there): silent since it was created.
    const lonely = MinionTransport.connect({ host: '127.0.0.1', requestPort: port, publishPort: await freePort(), reconnectIntervalMs: 50 });
    closers.push(() => lonely.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(lonely.silentForMs()).toBeGreaterThanOrEqual(250);
  });

  it("answers libzmq's heartbeats: a minion that times out after 300 ms of silence stays connected", async () => {
    const m = await master();
    m.onRequest(async () => [Buffer.from('ok')]);
    const t = minion(m, { heartbeatIntervalMs: 100 }); // timeout 3x: 300 ms
    let reconnects = 0;
    t.onReconnect(() => reconnects++);
    expect((await t.request([Buffer.from('hello')], 5000))[0]!.toString()).toBe('ok');
    const before = reconnects;
    // Nothing but heartbeats for five timeouts' worth: without PONGs libzmq drops the connection and reconnects.
    await new Promise((r) => setTimeout(r, 1500));
    expect(reconnects - before).toBe(0);
    expect((await t.request([Buffer.from('again')], 5000))[0]!.toString()).toBe('ok');
  });
});
