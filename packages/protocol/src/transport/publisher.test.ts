import * as net from 'net';
import { MasterTransport } from './master';
import { MinionTransport } from './minion';
import { minionTopic } from './endpoints';
import { FD_RESERVE, needsPublisherProcess } from './publisher';

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
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

test('a publisher process is used when one process could not hold both ports within its fd limit', () => {
  expect(needsPublisherProcess(10_000, 20_000)).toBe(true);
  expect(needsPublisherProcess(10_000, 2 * 10_000 + FD_RESERVE)).toBe(false);
  expect(needsPublisherProcess(10_000, null)).toBe(false);
});

test('publish port in its own process: subscriptions reach the master, broadcast and per-minion topics reach minions', async () => {
  const m = await MasterTransport.bind({ interface: '127.0.0.1', publishPort: 0, requestPort: 0, publisherProcess: true });
  closers.push(() => m.close());
  const pid = m.publisherPid;
  expect(pid).toBeGreaterThan(0);
  expect(pid).not.toBe(process.pid);
  const seen: [string, boolean][] = [];
  m.onSubscription((id, on) => seen.push([id, on]));
  const conn = (id: string) => {
    const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: m.publishPort, requestPort: m.requestPort, reconnectIntervalMs: 50, id });
    closers.push(() => t.close());
    return t;
  };
  const a = conn('web1');
  const b = conn('web2');
  const got: Record<string, string[]> = { web1: [], web2: [] };
  a.onPublish((f) => void got.web1!.push(f[0]!.toString()));
  b.onPublish((f) => void got.web2!.push(f[0]!.toString()));
  await waitFor(() => m.isSubscribed('web1') && m.isSubscribed('web2'));
  await m.publish([Buffer.from('job-1')]);
  await m.publish([Buffer.from('only-web2')], minionTopic('web2'));
  await waitFor(() => got.web1!.length >= 1 && got.web2!.length >= 2);
  await new Promise((r) => setTimeout(r, 100));
  expect(got).toEqual({ web1: ['job-1'], web2: ['job-1', 'only-web2'] });
  await b.close();
  await waitFor(() => !m.isSubscribed('web2'));
  expect(seen).toEqual(expect.arrayContaining([['web1', true], ['web2', true], ['web2', false]]));
  // Closing the transport ends the publisher process and frees the port.
  const port = m.publishPort;
  await m.close();
  expect(() => process.kill(pid!, 0)).toThrow();
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
});
