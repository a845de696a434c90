/**
 * /metrics on a real master with real minions: scraped while a job runs and after it, the counts checked against
 * what happened (jobs published, returns, minions connected, a minion that did not return), the text read with a
 * strict parser; off unless metrics_port is set; only GET is served.
 */
import * as fs from 'fs';
import * as http from 'http';
import { parseExposition, sampleValue, type ParsedFamily } from '../packages/master/src/metrics/parse';
import { freePort } from '../packages/cli/src/fleet/fleet';
import { acceptAll, onMasterAsync, PEER, startFleet, tempDir, waitFor, type Fleet } from './helpers/fleet';

const IDS = ['mx1', 'mx2', 'mx3'];
let fleet: Fleet;
let plain: Fleet;
let dir: string;
let port: number;

function get(path: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'x=1' : undefined);
  });
}

async function scrape(): Promise<ParsedFamily[]> {
  const r = await get('/metrics');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(r.text);
}

const v = (f: ParsedFamily[], name: string, labels: Record<string, string> = {}) => sampleValue(f, name, labels) ?? 0;

/** A process and its descendants (the master runs its publisher in a child process). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const d of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      // The field after the parenthesised command name is the state, then the parent pid.
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parents) if (pp === tree[i]) tree.push(p);
  return tree;
}

/** TCP ports a process and its children listen on (Linux: their socket inodes matched against /proc/net/tcp{,6}). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const p of processTree(pid)) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

beforeAll(async () => {
  dir = tempDir('brine-metrics-');
  port = await freePort();
  fleet = await startFleet({ dir, minions: IDS, fileRoots: [PEER], master: { metrics_port: port } });
  await acceptAll(fleet, IDS);
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  await plain?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the counts follow a job while it runs and after it', async () => {
  const before = await scrape();
  const published0 = v(before, 'brine_jobs_published_total');
  const ok0 = v(before, 'brine_job_returns_total', { outcome: 'ok' });
  expect(v(before, 'brine_minion_keys', { state: 'accepted' })).toBe(3);
  expect(v(before, 'brine_minion_keys', { state: 'pending' })).toBe(0);
  expect(v(before, 'brine_minions_connected')).toBe(3);
  expect(v(before, 'brine_auth_accepted_total')).toBeGreaterThanOrEqual(3);
  // Before acceptance each minion asked and was told its key is pending.
  expect(v(before, 'brine_auth_refused_total', { reason: 'pending' })).toBeGreaterThanOrEqual(3);

  const job = onMasterAsync(fleet, ['run', '*', 'cmd.run', 'sleep 3', '--out', 'json', '-t', '20']);
  let during: ParsedFamily[] = before;
  await waitFor(async () => {
    during = await scrape();
    return v(during, 'brine_jobs_published_total') === published0 + 1;
  }, 15_000, 'the job published');
  // The job is running: published, no return yet, every minion connected.
  expect(v(during, 'brine_job_returns_total', { outcome: 'ok' })).toBe(ok0);
  expect(v(during, 'brine_minions_connected')).toBe(3);
  expect(v(during, 'brine_job_minions_expected_total')).toBe(v(before, 'brine_job_minions_expected_total') + 3);
  expect(v(during, 'brine_job_cache_jobs')).toBeGreaterThanOrEqual(published0 + 1);

  const r = await job;
  expect(r.code).toBe(0);
  const after = await scrape();
  expect(v(after, 'brine_jobs_published_total')).toBe(published0 + 1);
  expect(v(after, 'brine_job_returns_total', { outcome: 'ok' })).toBe(ok0 + 3);
  expect(v(after, 'brine_request_duration_seconds_count', { kind: 'return' })).toBeGreaterThanOrEqual(ok0 + 3);
  expect(v(after, 'brine_publish_fanout_seconds_count')).toBe(v(before, 'brine_publish_fanout_seconds_count') + 1);
  expect(v(after, 'brine_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  expect(v(after, 'brine_process_open_fds')).toBeGreaterThan(3);
  expect(v(after, 'brine_process_max_fds')).toBeGreaterThanOrEqual(v(after, 'brine_process_open_fds'));
  expect(v(after, 'brine_event_loop_lag_seconds_count')).toBeGreaterThan(0);
}, 60_000);

test('a minion that is gone is counted as not returning, and no longer connected', async () => {
  const before = await scrape();
  await fleet.stopMinion('mx3');
  await waitFor(async () => v(await scrape(), 'brine_minions_connected') === 2, 15_000, 'mx3 no longer connected');
  const r = await onMasterAsync(fleet, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
  expect(r.code).toBe(3);
  const after = await scrape();
  expect(v(after, 'brine_job_returns_total', { outcome: 'ok' })).toBe(v(before, 'brine_job_returns_total', { outcome: 'ok' }) + 2);
  expect(v(after, 'brine_job_did_not_return_total', { reason: 'not_connected' })).toBe(v(before, 'brine_job_did_not_return_total', { reason: 'not_connected' }) + 1);
}, 60_000);

test('the exposition is well formed: HELP and TYPE for every family, brine_ names, _total counters, cumulative buckets', async () => {
  const fams = await scrape();
  for (const f of fams) {
    expect(f.name).toMatch(/^brine_/);
    expect(f.help.length).toBeGreaterThan(0);
    if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
    if (f.type === 'histogram') {
      expect(f.name).toMatch(/_seconds$/);
      const series = new Map<string, number[]>();
      for (const s of f.samples.filter((x) => x.name.endsWith('_bucket'))) {
        const { le, ...rest } = s.labels;
        const key = JSON.stringify(rest);
        series.set(key, [...(series.get(key) ?? []), s.value]);
        if (le === '+Inf') expect(s.value).toBe(sampleValue(fams, `${f.name}_count`, rest));
      }
      for (const counts of series.values()) expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
  }
  expect(fams.map((f) => f.name)).toEqual(
    expect.arrayContaining(['brine_minion_keys', 'brine_minions_connected', 'brine_auth_accepted_total', 'brine_auth_refused_total', 'brine_jobs_published_total', 'brine_job_returns_total', 'brine_job_did_not_return_total', 'brine_request_duration_seconds', 'brine_publish_fanout_seconds', 'brine_job_cache_jobs', 'brine_event_loop_lag_seconds', 'brine_process_resident_memory_bytes', 'brine_process_open_fds']),
  );
});

test('only GET /metrics is served', async () => {
  const post = await get('/metrics', 'POST');
  expect(post.status).toBe(405);
  expect(post.headers['allow']).toBe('GET, HEAD');
  expect((await get('/')).status).toBe(404);
});

test('served on 127.0.0.1 only when metrics_port is set; off by default', async () => {
  expect(listeningPorts(fleet.master!.pid!)).toEqual([fleet.publishPort, fleet.requestPort, port].sort((a, b) => a - b));
  plain = await startFleet({ dir: `${dir}/plain`, minions: [], fileRoots: [PEER] });
  expect(listeningPorts(plain.master!.pid!)).toEqual([plain.publishPort, plain.requestPort].sort((a, b) => a - b));
  // And the one that serves it is bound to the loopback address, not every interface.
  const local = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.endsWith(`:${port.toString(16).toUpperCase().padStart(4, '0')}`) && l.trim().split(/\s+/)[3] === '0A');
  expect(local?.trim().split(/\s+/)[1]).toBe(`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`);
}, 60_000);
