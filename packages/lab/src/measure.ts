/** Measuring from the client namespace: the probe loop, the NAT stream, and who holds the VIP (ip monitor). */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { nodesWithRole, nsName, type LabConfig } from './config';
import { KEEPALIVE_JS, PROBE_JS, STREAM_JS } from './clients';
import { nodeSpawn, tracked } from './exec';
import { killPid, sleep } from './proc';

export interface Probe {
  s: number;
  /** Start (epoch ms) and duration. */
  t: number;
  ms: number;
  status?: number;
  lb?: string | null;
  app?: string | null;
  err?: string;
}

export const probeOk = (p: Probe): boolean => p.status === 200;

export interface RunningClient<T> {
  name: string;
  pid: number;
  /** Resolves when the client exits by itself (it always does: every loop is bounded). */
  done: Promise<T>;
}

function readJsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}

async function waitExit(c: LabConfig, node: string, name: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const t = tracked(c, node, name);
    if (!t) return;
    if (Date.now() > deadline) {
      await killPid(t.pid, t.start, 1000);
      return;
    }
    await sleep(50);
  }
}

let clientSeq = 0;

/** `durationMs` of probes, one every `intervalMs`, each given up after `timeoutMs` (like curl --max-time). */
export async function startProbes(c: LabConfig, o: { url?: string; durationMs: number; intervalMs?: number; timeoutMs?: number; node?: string }): Promise<RunningClient<Probe[]>> {
  const node = o.node ?? 'client';
  const name = `probe-${process.pid}-${++clientSeq}`;
  const url = o.url ?? `http://${c.vip}/`;
  const t = await nodeSpawn(c, node, [process.execPath, '-e', PROBE_JS, url, String(o.durationMs), String(o.intervalMs ?? 50), String(o.timeoutMs ?? 1000)], { name }, 20);
  const done = waitExit(c, node, name, o.durationMs + (o.timeoutMs ?? 1000) + 5000).then(() => readJsonLines<Probe>(t.log).sort((a, b) => a.s - b.s));
  return { name, pid: t.pid, done };
}

export interface KeepaliveRequest {
  t: number;
  ms: number;
  /** The client's local port: requests with the same port went over the same connection. */
  port: number | null;
  status?: number;
  lb?: string | null;
  err?: string;
}

/** Requests every `intervalMs` over one keep-alive connection (a new one after an error), for `durationMs`. */
export async function startKeepalive(c: LabConfig, o: { url?: string; durationMs: number; intervalMs?: number; timeoutMs?: number; node?: string }): Promise<RunningClient<KeepaliveRequest[]>> {
  const node = o.node ?? 'client';
  const name = `probe-ka-${process.pid}-${++clientSeq}`;
  const url = o.url ?? `http://${c.vip}/`;
  const t = await nodeSpawn(c, node, [process.execPath, '-e', KEEPALIVE_JS, url, String(o.durationMs), String(o.intervalMs ?? 100), String(o.timeoutMs ?? 1000)], { name }, 20);
  const done = waitExit(c, node, name, o.durationMs + (o.timeoutMs ?? 1000) + 5000).then(() => readJsonLines<KeepaliveRequest>(t.log).sort((a, b) => a.t - b.t));
  return { name, pid: t.pid, done };
}

/** What a keep-alive client saw so far (its log), while it runs. */
export function keepaliveSoFar(c: LabConfig, node: string, name: string): KeepaliveRequest[] {
  const t = tracked(c, node, name);
  return t ? readJsonLines<KeepaliveRequest>(t.log) : [];
}

export interface StreamResult {
  id: string;
  app: string | null;
  bytes: number;
  expected: number;
  complete: boolean;
  seqOk: boolean;
  maxStallMs: number;
  durationMs: number;
  err: string | null;
  /** What the serving app says it wrote (from its log), when found. */
  serverSent: number | null;
  startedAt: number;
  endedAt: number;
}

/**
 * A long-lived TCP stream through the production path: the VIP's NAT (port 80) to an nginx, proxied (unbuffered) to
 * an app: `lines` lines of `size` bytes every `intervalMs`. The client<->nginx connection is the NATed flow that
 * must survive a balancer failover.
 */
export async function startStream(c: LabConfig, o: { port?: number; lines: number; intervalMs: number; size?: number; idleTimeoutMs?: number; node?: string; appLogs?: (app: string) => string }): Promise<RunningClient<StreamResult>> {
  const node = o.node ?? 'client';
  const id = `s${process.pid}x${++clientSeq}`;
  const name = `stream-${id}`;
  const size = o.size ?? 100;
  const t = await nodeSpawn(c, node, [process.execPath, '-e', STREAM_JS, c.vip, String(o.port ?? 80), id, String(o.lines), String(o.intervalMs), String(size), String(o.idleTimeoutMs ?? 4000)], { name }, 20);
  const done = waitExit(c, node, name, o.lines * o.intervalMs + 40000).then(async () => {
    const ev = readJsonLines<Record<string, unknown>>(t.log);
    const start = ev.find((e) => e['event'] === 'start');
    const end = ev.find((e) => e['event'] === 'end') ?? { bytes: 0, expected: o.lines * size, complete: false, seqOk: false, maxStallMs: 0, durationMs: 0, err: 'no result', app: null };
    let serverSent: number | null = null;
    // the app logs "stream id=ID complete|aborted sent=N" when the stream ends (give it a moment)
    for (let i = 0; i < 40 && serverSent === null && o.appLogs; i++) {
      for (const app of nodesWithRole('app')) {
        const f = o.appLogs(app);
        const m = fs.existsSync(f) ? new RegExp(`stream id=${id} \\w+ sent=(\\d+)`).exec(fs.readFileSync(f, 'utf8')) : null;
        if (m) serverSent = Number(m[1]);
      }
      if (serverSent === null) await sleep(100);
    }
    return {
      id,
      app: (end['app'] as string) ?? null,
      bytes: Number(end['bytes']),
      expected: Number(end['expected']),
      complete: Boolean(end['complete']),
      seqOk: Boolean(end['seqOk']),
      maxStallMs: Number(end['maxStallMs']),
      durationMs: Number(end['durationMs']),
      err: (end['err'] as string) ?? null,
      serverSent,
      startedAt: Number(start?.['t'] ?? 0),
      endedAt: Number(end['t'] ?? 0),
    };
  });
  return { name, pid: t.pid, done };
}

export interface VipEvent {
  t: number;
  node: string;
  added: boolean;
}

/** Watches the VIP on the balancers with `ip -o monitor address` (event-driven, ms resolution). */
export class VipWatcher {
  readonly events: VipEvent[] = [];
  private readonly procs: ChildProcess[] = [];

  static async start(c: LabConfig): Promise<VipWatcher> {
    const w = new VipWatcher();
    for (const node of nodesWithRole('kdct')) {
      const p = spawn('ip', ['-o', '-n', nsName(c, node), 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout!.on('data', (d: Buffer) => {
        const now = Date.now();
        buf += d.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l.includes(` ${c.vip}/`)) w.events.push({ t: now, node, added: !l.startsWith('Deleted') });
      });
      w.procs.push(p);
    }
    await sleep(100);
    return w;
  }

  /** First time after `since` that the VIP was added on `node`. */
  addedOn(node: string, since: number): number | null {
    return this.events.find((e) => e.node === node && e.added && e.t >= since)?.t ?? null;
  }

  async waitAdded(node: string, since: number, limitMs: number): Promise<number | null> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const t = this.addedOn(node, since);
      if (t !== null || Date.now() > deadline) return t;
      await sleep(10);
    }
  }

  stop(): void {
    for (const p of this.procs) p.kill('SIGTERM');
  }
}

export interface WindowStats {
  probes: number;
  failed: number;
  /** Longest time between two successful probe completions in the window (the client-visible gap). */
  gapMs: number;
  firstFailAt: number | null;
  lastFailAt: number | null;
}

/** Stats of the probes started in [from, to). */
export function windowStats(probes: Probe[], from: number, to: number): WindowStats {
  const inWin = probes.filter((p) => p.t >= from && p.t < to);
  const fails = inWin.filter((p) => !probeOk(p));
  const okEnds = probes
    .filter((p) => probeOk(p))
    .map((p) => p.t + p.ms)
    .sort((a, b) => a - b);
  let gap = 0;
  let prev: number | null = null;
  for (const e of okEnds) {
    if (e >= from && prev !== null && prev < to) gap = Math.max(gap, e - prev);
    prev = e;
  }
  return { probes: inWin.length, failed: fails.length, gapMs: gap, firstFailAt: fails[0]?.t ?? null, lastFailAt: fails[fails.length - 1]?.t ?? null };
}
