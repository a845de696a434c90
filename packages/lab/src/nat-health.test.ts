/**
 * The balancers' NAT health checker (states/conntrackd/files/nat-health.js) against real HTTP targets on loopback
 * addresses. The real `nft` and `conntrack` need a balancer's network namespace (the lab e2e test runs them there);
 * here they are fakes, named as such: two small scripts that record what the checker asks of them (nft's stdin, the
 * conntrack argv), so the test sees the exact transactions the checker would apply.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.resolve(__dirname, '../../../states/conntrackd/files/nat-health.js');
const A = '127.0.0.1';
const B = '127.0.0.2';

let tmp: string;
let checker: ChildProcess | null = null;
const servers: http.Server[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listen(host: string, port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const s = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok\n' : 'no\n'));
    s.once('error', reject);
    s.listen(port, host, () => resolve(s));
    servers.push(s);
  });
}
const close = (s: http.Server) => new Promise<void>((r) => s.close(() => r()));

async function freePort(): Promise<number> {
  const s = await listen(A, 0);
  const port = (s.address() as { port: number }).port;
  await close(s);
  return port;
}

/** The fake nft's log: one transaction (its stdin) per entry. */
const transactions = (): string[] => (fs.existsSync(path.join(tmp, 'nft.log')) ? fs.readFileSync(path.join(tmp, 'nft.log'), 'utf8').split('=====\n').filter(Boolean) : []);
const slotsOf = (tx: string): string[] => /add element ip t http_slots \{ (.*) \}/.exec(tx)?.[1]!.split(', ').map((x) => x.split(' : ')[1]!) ?? [];
const downOf = (tx: string): string[] => /add element ip t http_down \{ (.*) \}/.exec(tx)?.[1]!.split(', ') ?? [];
const last = () => transactions().at(-1) ?? '';

async function until(what: string, cond: () => boolean, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last nft transaction:\n${last()}`);
    await sleep(20);
  }
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-nathealth-'));
  // fakes of nft and conntrack: record and succeed
  fs.writeFileSync(path.join(tmp, 'nft'), `#!/bin/sh\n{ cat; echo =====; } >> ${tmp}/nft.log\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(tmp, 'conntrack'), `#!/bin/sh\necho "$@" >> ${tmp}/conntrack.log\n`, { mode: 0o755 });
});

afterEach(async () => {
  checker?.kill('SIGKILL');
  checker = null;
  await Promise.all(servers.splice(0).map((s) => (s.listening ? close(s) : Promise.resolve())));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The fake conntrack's log: one argv per line. */
function conntrackLog(): string[] {
  const file = path.join(tmp, 'conntrack.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

function start(port: number, resyncMs = 60000): void {
  const conf = {
    table: 't',
    services: [{ name: 'http', port, path: '/healthz', map: 'http_slots', down: 'http_down', slots: 12, targets: [A, B] }],
    interval_ms: 50,
    timeout_ms: 300,
    fall: 2,
    rise: 2,
    resync_ms: resyncMs,
    nft: path.join(tmp, 'nft'),
    conntrack: path.join(tmp, 'conntrack'),
    track_file: path.join(tmp, 'track'),
    state_file: path.join(tmp, 'health.json'),
  };
  fs.writeFileSync(path.join(tmp, 'health.conf.json'), JSON.stringify(conf));
  checker = spawn(process.execPath, [SCRIPT, path.join(tmp, 'health.conf.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
}

it('keeps the slot map on the healthy targets, resets flows to a dead one, and rebalances when it returns', async () => {
  const port = await freePort();
  await listen(A, port);
  let b = await listen(B, port);
  start(port);
  // first transaction: every slot spread over both targets, nothing down, NAT path usable
  await until('the first transaction', () => transactions().length > 0);
  expect(slotsOf(transactions()[0]!)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? B : A)));
  expect(downOf(transactions()[0]!)).toEqual([]);
  expect(transactions()[0]).toMatch(/^flush map ip t http_slots\nadd element .*\nflush set ip t http_down\n$/);
  await until('the track file', () => fs.existsSync(path.join(tmp, 'track')));
  expect(fs.readFileSync(path.join(tmp, 'track'), 'utf8')).toBe('0\n');

  // B stops answering: after `fall` failed checks every slot points at A, B is in the down set, and the conntrack
  // entries of its unestablished connections are deleted (their retransmitted SYN gets NATed to A), and those of its
  // closed ones (a new SYN from the same client port would follow a committed entry's old binding)
  await close(b);
  await until('B taken out', () => downOf(last()).includes(B));
  expect(slotsOf(last())).toEqual(Array(12).fill(A));
  expect(downOf(last())).toEqual([B]);
  await until('the conntrack deletes', () => conntrackLog().length >= 4);
  expect(conntrackLog()).toEqual(['SYN_SENT', 'SYN_RECV', 'TIME_WAIT', 'CLOSE'].map((st) => `-D -p tcp --reply-src ${B} --reply-port-src ${port} --state ${st}`));
  const health = () => JSON.parse(fs.readFileSync(path.join(tmp, 'health.json'), 'utf8')) as { targets: Record<string, { up: boolean; last_error: string }> };
  await until('the status file', () => health().targets[`http ${B}`]!.up === false);
  const h = health();
  expect(h.targets[`http ${A}`]!.up).toBe(true);
  expect(h.targets[`http ${B}`]).toMatchObject({ up: false, last_error: 'ECONNREFUSED' });
  expect(fs.readFileSync(path.join(tmp, 'track'), 'utf8')).toBe('0\n');

  // B answers again: after `rise` good checks the slots are spread over both again, nothing down
  b = await listen(B, port);
  await until('B back', () => slotsOf(last()).includes(B));
  expect(slotsOf(last())).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? B : A)));
  expect(downOf(last())).toEqual([]);

  // nobody answers: fail open (every target stays in the map, none is reset) and the NAT path is not usable
  await Promise.all([close(b), close(servers.find((s) => s.listening)!)]);
  await until('the track file saying 1', () => fs.readFileSync(path.join(tmp, 'track'), 'utf8') === '1\n');
  await until('fail open', () => downOf(last()).length === 0);
  expect(slotsOf(last())).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? B : A)));
  expect(downOf(last())).toEqual([]);
}, 30_000);

it('while a target is down, every resync deletes its closed entries again (a takeover may have committed more); none when all are down', async () => {
  const port = await freePort();
  await listen(A, port);
  const b = await listen(B, port);
  start(port, 150);
  await until('the first transaction', () => transactions().length > 0);
  await close(b);
  await until('B taken out', () => downOf(last()).includes(B));
  const closed = (st: string) => `-D -p tcp --reply-src ${B} --reply-port-src ${port} --state ${st}`;
  await until('two resyncs after the verdict', () => conntrackLog().length >= 8);
  const log = conntrackLog();
  expect(log.slice(0, 4)).toEqual(['SYN_SENT', 'SYN_RECV', 'TIME_WAIT', 'CLOSE'].map(closed));
  // later resyncs: only the closed states, only for B
  expect(log.slice(4, 8)).toEqual([closed('TIME_WAIT'), closed('CLOSE'), closed('TIME_WAIT'), closed('CLOSE')]);
  // nobody answers: fail open, so nothing is in the down set and nothing more is deleted
  await close(servers.find((s) => s.listening)!);
  await until('fail open', () => downOf(last()).length === 0 && slotsOf(last()).includes(B));
  const n = conntrackLog().length;
  await new Promise((r) => setTimeout(r, 500));
  expect(transactions().length).toBeGreaterThan(0);
  expect(conntrackLog().length).toBe(n);
}, 30_000);

it('a target that stops answering (no refusal, no reset) is checked by overlapping checks, bounded, and taken out', async () => {
  const port = await freePort();
  await listen(A, port);
  // B accepts and reads, then says nothing while `silent`: every check of it ends at timeout_ms
  let silent = false;
  let open = 0;
  let maxOpen = 0;
  const b = http.createServer((req, res) => {
    if (!silent) return void res.end('ok\n');
    open++;
    maxOpen = Math.max(maxOpen, open);
    req.socket.once('close', () => open--);
  });
  servers.push(b);
  await new Promise<void>((r) => b.listen(port, B, () => r()));
  start(port);
  await until('the first transaction', () => transactions().length > 0);
  silent = true;
  await until('B taken out', () => downOf(last()).includes(B));
  // a new check every interval (50 ms) while older ones wait out their 300 ms: several at once, never more than
  // timeout / interval + 1
  expect(maxOpen).toBeGreaterThanOrEqual(2);
  await sleep(700);
  expect(maxOpen).toBeLessThanOrEqual(300 / 50 + 1);
  expect(slotsOf(last())).toEqual(Array(12).fill(A));
  const h = JSON.parse(fs.readFileSync(path.join(tmp, 'health.json'), 'utf8')) as { targets: Record<string, { up: boolean; last_error: string }> };
  expect(h.targets[`http ${B}`]).toMatchObject({ up: false, last_error: 'timeout 300 ms' });
  // answering again: back in
  silent = false;
  await until('B back', () => slotsOf(last()).includes(B));
}, 30_000);

it('a bad config exits 2 (the keeper then reports it); SIGHUP with a bad config keeps the old one', async () => {
  fs.writeFileSync(path.join(tmp, 'bad.json'), '{"table": "t"}');
  const p = spawn(process.execPath, [SCRIPT, path.join(tmp, 'bad.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => p.once('exit', r));
  expect(code).toBe(2);
  expect(err).toContain('bad config: ');
  expect(err).toContain('missing services');

  const port = await freePort();
  await listen(A, port);
  await listen(B, port);
  start(port);
  await until('the first transaction', () => transactions().length > 0);
  fs.writeFileSync(path.join(tmp, 'health.conf.json'), 'not json');
  checker!.kill('SIGHUP');
  await sleep(300);
  expect(checker!.exitCode).toBeNull();
  expect(slotsOf(last())).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? B : A)));
}, 30_000);
