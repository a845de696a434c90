import * as http from 'http';
import * as net from 'net';
import { exposition } from './exposition';
import { MetricsServer } from './http';
import { parseExposition, sampleValue } from './parse';
import { Counter, Histogram, MetricsRegistry } from './registry';

describe('registry and exposition', () => {
  test('counters, gauges and histograms print as Prometheus text that reads back the same', () => {
    const reg = new MetricsRegistry();
    const c = reg.counter('brine_things_total', 'Things.\nWith a \\ backslash.', ['why']);
    c.inc({ why: 'a "quoted"\nvalue \\ here' }, 2);
    c.inc({ why: 'plain' });
    reg.counter('brine_plain_total', 'A counter without labels.');
    let rss = 5;
    reg.gauge('brine_level', 'Read when scraped.', [], (g) => g.set({}, rss));
    const h = reg.histogram('brine_wait_seconds', 'Waits.', ['kind'], [0.1, 1]);
    h.observe({ kind: 'x' }, 0.05);
    h.observe({ kind: 'x' }, 0.1);
    h.observe({ kind: 'x' }, 0.5);
    h.observe({ kind: 'x' }, 7);
    const text = exposition(reg.all());
    expect(text).toContain('# HELP brine_things_total Things.\\nWith a \\\\ backslash.\n# TYPE brine_things_total counter\n');
    expect(text).toContain('brine_things_total{why="a \\"quoted\\"\\nvalue \\\\ here"} 2\n');
    expect(text).toContain('brine_plain_total 0\n');
    expect(text).toContain('brine_wait_seconds_bucket{kind="x",le="0.1"} 2\nbrine_wait_seconds_bucket{kind="x",le="1"} 3\nbrine_wait_seconds_bucket{kind="x",le="+Inf"} 4\n');
    const fams = parseExposition(text);
    expect(fams.map((f) => [f.name, f.type])).toEqual([['brine_things_total', 'counter'], ['brine_plain_total', 'counter'], ['brine_level', 'gauge'], ['brine_wait_seconds', 'histogram']]);
    expect(fams[0]!.help).toBe('Things.\nWith a \\ backslash.');
    expect(sampleValue(fams, 'brine_things_total', { why: 'a "quoted"\nvalue \\ here' })).toBe(2);
    expect(sampleValue(fams, 'brine_level')).toBe(5);
    expect(sampleValue(fams, 'brine_wait_seconds_sum', { kind: 'x' })).toBeCloseTo(7.65);
    expect(sampleValue(fams, 'brine_wait_seconds_count', { kind: 'x' })).toBe(4);
    rss = 9;
    expect(sampleValue(parseExposition(exposition(reg.all())), 'brine_level')).toBe(9);
  });

  test('names, labels and values are checked', () => {
    const reg = new MetricsRegistry();
    expect(() => reg.counter('brine_things', 'no _total')).toThrow(/_total/);
    expect(() => reg.counter('brine-x_total', 'bad name')).toThrow(/not valid/);
    expect(() => reg.histogram('brine_h_seconds', 'le is reserved', ['le'], [1])).toThrow(/label name 'le'/);
    expect(() => reg.histogram('brine_h2_seconds', 'buckets out of order', [], [1, 0.5])).toThrow(/increasing/);
    const c = reg.counter('brine_c_total', 'x', ['a']);
    expect(() => c.inc({})).toThrow(/label 'a' missing/);
    expect(() => c.inc({ a: '1', b: '2' })).toThrow(/labels/);
    expect(() => c.inc({ a: '1' }, -1)).toThrow(/cannot add/);
    expect(() => reg.counter('brine_c_total', 'twice')).toThrow(/twice/);
  });

  test('a timed function is observed also when it throws or rejects', async () => {
    const h = new Histogram('brine_t_seconds', 't', ['k'], [1]);
    expect(h.time({ k: 'a' }, () => 3)).toBe(3);
    expect(() => h.time({ k: 'a' }, () => { throw new Error('boom'); })).toThrow('boom');
    await expect(h.time({ k: 'a' }, () => Promise.reject(new Error('late')))).rejects.toThrow('late');
    expect(h.count({ k: 'a' })).toBe(3);
    expect(new Counter('brine_n_total', 'n').get()).toBe(0);
  });

  test('the reader refuses malformed text', () => {
    expect(() => parseExposition('brine_x 1\n')).toThrow(/outside its family/);
    expect(() => parseExposition('# TYPE brine_x gauge\nbrine_x{a="b} 1\n')).toThrow(/not a sample|bad labels/);
    expect(() => parseExposition('# TYPE brine_x gauge\nbrine_x one\n')).toThrow(/not a number/);
    expect(() => parseExposition('# TYPE brine_x gauge\nbrine_x{a="\\t"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('# TYPE brine_x gauge\nbrine_x 1')).toThrow(/line feed/);
  });
});

/** One raw HTTP exchange: what the server sent before closing (or until `waitMs`). */
function raw(port: number, request: string, waitMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    s.on('data', (d) => (text += d.toString()));
    s.on('close', () => {
      clearTimeout(t);
      resolve({ text, closed: true });
    });
    s.on('error', () => undefined);
    s.write(request);
  });
}

describe('the /metrics server', () => {
  let server: MetricsServer;
  beforeAll(async () => {
    const reg = new MetricsRegistry();
    reg.counter('brine_hits_total', 'Hits.').inc();
    server = await MetricsServer.listen(reg, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  test('GET /metrics answers the exposition', async () => {
    const body = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/metrics' }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text }));
      }).on('error', reject);
    });
    expect(body.status).toBe(200);
    expect(body.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleValue(parseExposition(body.text), 'brine_hits_total')).toBe(1);
  });

  test('another method is refused without reading its body, and the connection closed', async () => {
    // A body of 1 GB is announced and never sent: the answer comes at once all the same.
    const r = await raw(server.port, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\npartial');
    expect(r.text).toMatch(/^HTTP\/1\.1 405 /);
    expect(r.text).toMatch(/\r\nAllow: GET, HEAD\r\n/i);
    expect(r.closed).toBe(true);
  });

  test('other paths are not found; HEAD has no body', async () => {
    expect((await raw(server.port, 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n')).text).toMatch(/^HTTP\/1\.1 404 /);
    const head = await raw(server.port, 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(head.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.text.endsWith('\r\n\r\n')).toBe(true);
  });

  test('headers over the limit are refused and the connection closed', async () => {
    const r = await raw(server.port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(r.closed).toBe(true);
  });

  test('a port in use is named', async () => {
    await expect(MetricsServer.listen(new MetricsRegistry(), { host: '127.0.0.1', port: server.port })).rejects.toThrow(`127.0.0.1:${server.port}`);
  });
});
