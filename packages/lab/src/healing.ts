/**
 * The scenarios of issue 10 ("the HA stack heals itself") that need no operator and no failover of the VRRP pair:
 *   lb-link-down   nginx1's link down for holdMs, then up: the balancers' NAT health checker takes it out of the
 *                  slot map (new connections to nginx2 only) and puts it back when it answers again;
 *   config-change  a highstate that changes the nginx and keepalived config while probing and streaming (the
 *                  daemons are reloaded, not restarted), then the highstate that changes it back;
 *   master-restart the Brine master stopped and started again while probing: the data plane never talks to it.
 * Every loop is bounded; traffic goes only to the lab's VIP.
 */
import * as fs from 'fs';
import { formatRun, highstate, MINION_NODES, startMaster, waitAnswering, type BrineOptions, type HighstateRun } from './brine';
import { nodeIp, nodesWithRole, type LabConfig } from './config';
import { vipHolders } from './topology';
import { nodeExec, nodeStop } from './exec';
import { appLog, ensureBaseline, linkSet, lost, opts, type FailoverOptions } from './failover';
import { keepaliveSoFar, startKeepalive, startProbes, startStream, probeOk, windowStats, type KeepaliveRequest, type Probe, type StreamResult } from './measure';
import { sleep } from './proc';
import { serviceLog, servicePid } from './services';

export interface LbLinkDownResult {
  scenario: 'lb-link-down';
  node: string;
  other: string;
  /** Probes started from the link going down to the end of the window (restore included). */
  failed: number;
  probes: number;
  /** Failed probes started while the link was down / after it returned. */
  failedDuringOutage: number;
  failedAfterRestore: number;
  /** Link down -> start of the first probe from which every probe until the restore succeeded on `other` (ms). */
  fullyOnOtherMs: number | null;
  /** Link up -> start of the first probe answered by `node` again (ms). */
  backToBothMs: number | null;
  /** Probes answered by each balancer after the restore. */
  afterRestore: Record<string, number>;
  /** The failed probes (the first 20): start after the link went down, the error or status, the balancer, duration. */
  failures: { atMs: number; err: string; lb: string | null; ms: number }[];
  /** The VRRP master's NAT slot map and down set just before the restore (every slot on `other`, `node` down). */
  slotsDuringOutage: string[];
  downDuringOutage: string[];
  /**
   * An established keep-alive connection (a request every 100 ms) that was on `node` when its link went down: how its
   * next request ended (ECONNRESET: the balancer reset the flow, so the client retried at once) and when (ms after
   * the link went down), and which balancer answered the retry on a new connection. Null: no such connection.
   */
  established: { err: string | null; endedAfterMs: number | null; retriedOn: string | null; retryAfterMs: number | null; otherErrors: number } | null;
  gapMs: number;
  /** For a failed run's report: the VIP's holders, and every balancer's NAT sets, read just before the restore. */
  vipDuringOutage: string[];
  natByBalancer: Record<string, { slots: string[]; down: string[] }>;
  /** The other nginx node's nginx pid before the link went down and after the window (a restart would show). */
  otherPid: { before: number | null; after: number | null };
  /** The VIP holder's down-set reject counter (packets) before the outage and after the window. */
  rejects: { before: number | null; after: number | null };
  /** The VIP holder's count of VIP packets no NAT slot took (they reach its own stack), before and after. */
  noSlot: { before: number | null; after: number | null };
  /** The VIP holder's conntrack entries to `node` during the outage, by TCP state. */
  conntrackToNode: Record<string, number>;
  /** The VIP holder's health-checker log lines from 2 s before the outage to the end of the window. */
  natHealthLog: string[];
  /**
   * New connections from client ports that the VIP holder has a committed entry of a closed connection for (TIME_WAIT
   * or CLOSE, timeout above the kernel's 120 s: conntrackd put it there at a takeover), NATed to `node` before the
   * outage, made while `node` was out: answered by `other`, or refused (the stale binding). Up to 6 ports; none
   * tried when no takeover left such entries (the scenario run alone).
   */
  reusedPorts: { tried: number; ok: number; refused: number; results: { port: number; lb: string | null; err: string | null }[] };
}

/** The kernel's TIME_WAIT timeout (nf_conntrack_tcp_timeout_time_wait): a longer one was set by a commit. */
const KERNEL_TIME_WAIT_S = 120;

/** Client ports of `node`'s committed closed entries on a balancer, not in use by a client socket now (at most n). */
async function committedClosedPorts(c: LabConfig, balancer: string, node: string, n: number): Promise<number[]> {
  const r = await nodeExec(c, balancer, ['conntrack', '-L', '-p', 'tcp', '--reply-src', nodeIp(c, node)]);
  const ports: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^tcp\s+\d+\s+(\d+)\s+(TIME_WAIT|CLOSE)\s+src=(\S+) dst=(\S+) sport=(\d+)/.exec(line);
    if (m && Number(m[1]) > KERNEL_TIME_WAIT_S + 10 && m[3] === nodeIp(c, 'client') && m[4] === c.vip) ports.push(Number(m[5]));
  }
  const local = (l: string) => l.trim().split(/\s+/)[3] ?? '';
  const inUse = new Set((await nodeExec(c, 'client', ['ss', '-tanH'])).stdout.split('\n').map((l) => Number(local(l).slice(local(l).lastIndexOf(':') + 1))));
  return ports.filter((x) => !inUse.has(x)).slice(0, n);
}

/** One request to the VIP from the client, from a given source port: the balancer that answered, or the error. */
async function requestFromPort(c: LabConfig, port: number): Promise<{ port: number; lb: string | null; err: string | null }> {
  const r = await nodeExec(c, 'client', ['curl', '-sS', '-o', '/dev/null', '-D', '-', '--local-port', String(port), '-m', '1', `http://${c.vip}/`]);
  const lb = /^x-lb:\s*(\S+)/im.exec(r.stdout)?.[1] ?? null;
  return { port, lb, err: r.code === 0 ? null : (r.stderr.trim().split('\n').at(-1) ?? `curl exit ${r.code}`) };
}

/** Packets the first down-set reject rule of a balancer's NAT table has counted; null when unreadable. */
async function rejectCount(c: LabConfig, node: string, table = 'brine_nat'): Promise<number | null> {
  const r = await nodeExec(c, node, ['nft', 'list', 'chain', 'ip', table, 'forward']);
  const m = /counter packets (\d+) bytes \d+ reject/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

/** Packets to the VIP that no NAT slot took on a balancer (its `no slot` counter); null when unreadable. */
async function noSlotCount(c: LabConfig, node: string, table = 'brine_nat'): Promise<number | null> {
  const r = await nodeExec(c, node, ['nft', 'list', 'chain', 'ip', table, 'prerouting']);
  const m = /counter packets (\d+) bytes \d+ comment "[^"]* no slot"/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

/** A balancer's conntrack entries whose replies come from `ip` (flows NATed to it), counted by TCP state. */
async function conntrackTo(c: LabConfig, node: string, ip: string): Promise<Record<string, number>> {
  const r = await nodeExec(c, node, ['conntrack', '-L', '-p', 'tcp', '--reply-src', ip]);
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^tcp\s+\d+\s+\d+\s+([A-Z_]+)/.exec(line);
    if (m) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  }
  return out;
}

/** Lines of a service log stamped (ISO, at the start) within [from, to]. */
function logBetween(file: string, from: number, to: number): string[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => {
    const t = Date.parse(l.slice(0, 24));
    return Number.isFinite(t) && t >= from && t <= to;
  });
}

/** The addresses in a balancer's NAT slot map (one per slot, in slot order) and down set of the first NAT service. */
export async function natSets(c: LabConfig, node: string, service = 'http', table = 'brine_nat'): Promise<{ slots: string[]; down: string[] }> {
  const list = async (kind: 'map' | 'set', name: string) => (await nodeExec(c, node, ['nft', '-j', 'list', kind, 'ip', table, name])).stdout;
  const elems = (json: string): unknown[] => {
    try {
      const o = (JSON.parse(json) as { nftables: Record<string, { elem?: unknown[] } | undefined>[] }).nftables.find((x) => x['map'] || x['set']);
      return (o?.['map'] ?? o?.['set'])?.elem ?? [];
    } catch {
      return [];
    }
  };
  const slots = (elems(await list('map', `${service}_slots`)) as [number, string][]).sort((a, b) => a[0] - b[0]).map((e) => String(e[1]));
  const down = elems(await list('set', `${service}_down`)).map(String);
  return { slots, down };
}

/** What became of the keep-alive connection that was on `node` when it went away at t0. */
function establishedFate(runs: KeepaliveRequest[][], node: string, t0: number): LbLinkDownResult['established'] {
  const run = runs.find((r) => r.filter((x) => x.t < t0).at(-1)?.lb === node);
  if (!run) return null;
  const after = run.filter((x) => x.t >= t0 - 100 && x.t + x.ms >= t0);
  const fail = after.find((x) => x.err !== undefined || x.status !== 200);
  const retry = fail ? after.find((x) => x.t > fail.t && x.status === 200) : undefined;
  const other = runs.find((r) => r !== run) ?? [];
  return {
    err: fail ? (fail.err ?? `HTTP ${fail.status}`) : null,
    endedAfterMs: fail ? fail.t + fail.ms - t0 : null,
    retriedOn: retry?.lb ?? null,
    retryAfterMs: retry ? retry.t + retry.ms - t0 : null,
    otherErrors: other.filter((x) => x.err !== undefined || x.status !== 200).length,
  };
}

/** nginx1's link down while probing through the VIP; restored after holdMs. */
export async function lbLinkDown(c: LabConfig, o: FailoverOptions = {}, node = 'nginx1'): Promise<LbLinkDownResult> {
  const p = opts(o);
  const other = nodesWithRole('nginx').find((n) => n !== node)!;
  await ensureBaseline(c);
  // two keep-alive connections opened one after the other: consecutive connections get consecutive NAT slots, one
  // on each nginx node
  const kas = [];
  for (let i = 0; i < 2; i++) {
    const ka = await startKeepalive(c, { durationMs: p.lead + p.hold + p.tail + 2500, intervalMs: 100, timeoutMs: 3000 });
    kas.push(ka);
    const until = Date.now() + 3000;
    while (!keepaliveSoFar(c, 'client', ka.name).length && Date.now() < until) await sleep(20);
  }
  const otherPidBefore = await servicePid(c, other, 'nginx');
  const rejectsBefore = await rejectCount(c, 'kdct1');
  const noSlotBefore = await noSlotCount(c, 'kdct1');
  const stalePorts = await committedClosedPorts(c, 'kdct1', node, 6);
  const probes = await startProbes(c, { durationMs: p.lead + p.hold + p.tail + 1000, intervalMs: p.interval, timeoutMs: p.timeout });
  await sleep(p.lead);
  const t0 = Date.now();
  p.log(`lb-link-down: ${node} link down`);
  await linkSet(c, node, 'down');
  await sleep(Math.max(0, p.hold - 300));
  const vipDuringOutage = await vipHolders(c);
  const natByBalancer: LbLinkDownResult['natByBalancer'] = {};
  for (const b of nodesWithRole('kdct')) natByBalancer[b] = await natSets(c, b);
  // The VRRP master's sets (kdct1's when the VIP is not on exactly one balancer).
  const holder = vipDuringOutage.length === 1 && natByBalancer[vipDuringOutage[0]!] ? vipDuringOutage[0]! : 'kdct1';
  const nat = natByBalancer[holder]!;
  const conntrackToNode = await conntrackTo(c, holder, nodeIp(c, node));
  const reused = await Promise.all(stalePorts.map((port) => requestFromPort(c, port)));
  await sleep(Math.max(0, t0 + p.hold - Date.now()));
  const t1 = Date.now();
  p.log(`lb-link-down: ${node} link up`);
  await linkSet(c, node, 'up');
  const pr = await probes.done;
  const kaRuns: KeepaliveRequest[][] = [];
  for (const ka of kas) kaRuns.push(await ka.done);
  const during = pr.filter((x) => x.t >= t0 && x.t < t1);
  let fullyOnOtherMs: number | null = null;
  for (let i = during.length - 1; i >= 0; i--) {
    const x = during[i]!;
    if (!probeOk(x) || x.lb !== other) break;
    fullyOnOtherMs = x.t - t0;
  }
  const after = pr.filter((x) => x.t >= t1);
  const back = after.find((x) => probeOk(x) && x.lb === node);
  const afterRestore: Record<string, number> = {};
  for (const x of after.filter(probeOk)) afterRestore[String(x.lb)] = (afterRestore[String(x.lb)] ?? 0) + 1;
  const w = windowStats(pr, t0, Number.MAX_SAFE_INTEGER);
  const res: LbLinkDownResult = {
    scenario: 'lb-link-down',
    node,
    other,
    failed: w.failed,
    probes: w.probes,
    failedDuringOutage: during.filter((x) => !probeOk(x)).length,
    failedAfterRestore: after.filter((x) => !probeOk(x)).length,
    fullyOnOtherMs,
    backToBothMs: back ? back.t - t1 : null,
    afterRestore,
    failures: pr.filter((x) => x.t >= t0 && !probeOk(x)).slice(0, 20).map((x) => ({ atMs: x.t - t0, err: x.err ?? `HTTP ${String(x.status)}`, lb: x.lb ?? null, ms: x.ms })),
    slotsDuringOutage: nat.slots,
    downDuringOutage: nat.down,
    established: establishedFate(kaRuns, node, t0),
    gapMs: w.gapMs,
    vipDuringOutage,
    natByBalancer,
    otherPid: { before: otherPidBefore, after: await servicePid(c, other, 'nginx') },
    rejects: { before: rejectsBefore, after: await rejectCount(c, holder) },
    noSlot: { before: noSlotBefore, after: await noSlotCount(c, holder) },
    conntrackToNode,
    natHealthLog: logBetween(serviceLog(c, holder, 'brine-nat-health'), t0 - 2000, Date.now()).slice(-40),
    reusedPorts: { tried: reused.length, ok: reused.filter((x) => x.lb === other).length, refused: reused.filter((x) => x.err !== null).length, results: reused },
  };
  p.log(`lb-link-down: ${JSON.stringify(res)}`);
  return res;
}

export interface ConfigChangeRun {
  /** `override` (the changed config) or `revert` (the highstate that puts it back). */
  step: 'override' | 'revert';
  ms: number;
  code: number;
  /** node -> state tags that changed. */
  changed: Record<string, string[]>;
  /** node:service -> the service state's comment (`Service reloaded` / `Service restarted`). */
  services: Record<string, string>;
  failed: number;
}

export interface ConfigChangeResult {
  scenario: 'config-change';
  runs: ConfigChangeRun[];
  failed: number;
  probes: number;
  gapMs: number;
  stream: StreamResult;
  streamBytesLost: number;
  /** node:service -> pid before and after (a reload keeps it). */
  pids: Record<string, { before: number | null; after: number | null }>;
  /** Every nginx and keepalived kept its pid, and each run changed their config files. */
  reloadedNotRestarted: boolean;
}

/** The pillar the config-change scenario applies (then reverts): a new nginx fail_timeout, a new keepalived GARP delay. */
export const CONFIG_CHANGE_PILLAR = { nginx: { fail_timeout: '6s' }, keepalived: { garp_master_delay: 2 } };

function summarise(step: ConfigChangeRun['step'], r: HighstateRun): ConfigChangeRun {
  const changed: Record<string, string[]> = {};
  const services: Record<string, string> = {};
  for (const [node, n] of Object.entries(r.nodes)) if (n.changedTags.length) changed[node] = n.changedTags;
  for (const [node, ret] of Object.entries(r.raw)) {
    if (!ret || typeof ret !== 'object') continue;
    for (const [tag, v] of Object.entries(ret as Record<string, { comment?: string; changes?: Record<string, unknown> }>)) {
      const [mod, id] = tag.split('_|-');
      if (mod === 'service' && v.changes && Object.keys(v.changes).length) services[`${node}:${id}`] = String(v.comment ?? '');
    }
  }
  return { step, ms: r.ms, code: r.code, changed, services, failed: Object.values(r.nodes).reduce((a, n) => a + n.failed, 0) };
}

/**
 * A highstate with CONFIG_CHANGE_PILLAR, then one without, while probing and while a long NAT stream runs: nginx and
 * keepalived get SIGHUP (reload: True), keep their pids, and no probe or stream byte is lost.
 */
export async function configChange(c: LabConfig, o: FailoverOptions = {}): Promise<ConfigChangeResult> {
  const p = opts(o);
  const b = o.brine ?? {};
  await ensureBaseline(c);
  const watched = [...nodesWithRole('nginx').map((n) => [n, 'nginx'] as const), ...nodesWithRole('kdct').map((n) => [n, 'keepalived'] as const)];
  const pids: ConfigChangeResult['pids'] = {};
  for (const [n, s] of watched) pids[`${n}:${s}`] = { before: await servicePid(c, n, s), after: null };
  // long enough for two highstates of the six nodes on a loaded host; both end by themselves
  const windowMs = p.lead + 16000;
  const probes = await startProbes(c, { durationMs: windowMs, intervalMs: p.interval, timeoutMs: p.timeout });
  const stream = await startStream(c, { lines: Math.ceil((windowMs - 500) / p.sInterval), intervalMs: p.sInterval, size: p.sSize, appLogs: appLog(c) });
  await sleep(p.lead);
  const t0 = Date.now();
  const runs: ConfigChangeRun[] = [];
  for (const step of ['override', 'revert'] as const) {
    p.log(`config-change: highstate '*' (${step})`);
    const r = await highstate(c, { tgt: '*' }, b, { args: step === 'override' ? [`pillar=${JSON.stringify(CONFIG_CHANGE_PILLAR)}`] : [] });
    p.log(formatRun(r));
    runs.push(summarise(step, r));
  }
  const pr: Probe[] = await probes.done;
  const st = await stream.done;
  for (const [n, s] of watched) pids[`${n}:${s}`]!.after = await servicePid(c, n, s);
  const w = windowStats(pr, t0, Number.MAX_SAFE_INTEGER);
  const configsChanged = runs.every((r) => watched.every(([n, s]) => (r.changed[n] ?? []).some((t) => t.includes(s === 'nginx' ? '/etc/nginx/nginx.conf' : '/etc/keepalived/keepalived.conf'))));
  const reloadedNotRestarted = configsChanged && Object.values(pids).every((x) => x.before !== null && x.before === x.after) && runs.every((r) => watched.every(([n, s]) => r.services[`${n}:${s}`] === 'Service reloaded'));
  const res: ConfigChangeResult = { scenario: 'config-change', runs, failed: w.failed, probes: w.probes, gapMs: w.gapMs, stream: st, streamBytesLost: lost(st), pids, reloadedNotRestarted };
  p.log(`config-change: ${JSON.stringify(res)}`);
  return res;
}

export interface MasterRestartResult {
  scenario: 'master-restart';
  /** Stop (SIGTERM) -> master started again -> every minion answering test.ping (ms). */
  restartMs: number;
  answeringMs: number;
  failed: number;
  probes: number;
  gapMs: number;
}

/** The Brine master stopped and started again while probing: the data plane must not notice. */
export async function masterRestart(c: LabConfig, o: FailoverOptions = {}): Promise<MasterRestartResult> {
  const p = opts(o);
  const b = o.brine ?? {};
  await ensureBaseline(c);
  const probes = await startProbes(c, { durationMs: p.lead + p.hold + p.tail, intervalMs: p.interval, timeoutMs: p.timeout });
  await sleep(p.lead);
  const t0 = Date.now();
  p.log('master-restart: stopping the master');
  await nodeStop(c, 'master', 'brine-master', 'SIGTERM', 10_000);
  await startMaster(c, b);
  const restartMs = Date.now() - t0;
  await waitAnswering(c, MINION_NODES, b);
  const answeringMs = Date.now() - t0;
  const pr = await probes.done;
  const w = windowStats(pr, t0, Number.MAX_SAFE_INTEGER);
  const res: MasterRestartResult = { scenario: 'master-restart', restartMs, answeringMs, failed: w.failed, probes: w.probes, gapMs: w.gapMs };
  p.log(`master-restart: ${JSON.stringify(res)}`);
  return res;
}
