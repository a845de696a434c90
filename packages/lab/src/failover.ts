/**
 * Failover scenarios, measured from the client namespace with the real daemons:
 *   keepalived stopped on the VRRP master (SIGTERM), the master's link down, an app node killed, and a control
 *   run with conntrackd's commit disabled (the NAT stream must break, so the stream assertion can fail).
 * Every loop is bounded; traffic goes only to the lab's VIP.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatRun, highstate, MINION_NODES, startMinion, waitAnswering, type BrineOptions } from './brine';
import { nodeIp, nodePaths, nodesWithRole, nsName, type LabConfig } from './config';
import { nodeExec, nodeStop } from './exec';
import { startProbes, startStream, VipWatcher, windowStats, probeOk, type Probe, type StreamResult, type WindowStats } from './measure';
import { mustRun, run, sleep } from './proc';
import { keeperState, serviceLog, servicePid, startService, stopService } from './services';
import { vipHolders, vipOwner } from './topology';

export interface FailoverOptions {
  /** Probe spacing and per-probe limit (default 50 ms, 1000 ms: 20 req/s, like curl --max-time 1). */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** Probing before the failure (default 1500 ms), failure held for (default 3000 ms), probing after restore (default 2500 ms). */
  leadMs?: number;
  holdMs?: number;
  tailMs?: number;
  /** Stream through the NAT: line spacing (default 100 ms) and size (default 100 bytes). */
  streamIntervalMs?: number;
  streamLineSize?: number;
  /** nginx's fail_timeout (pillar nginx:fail_timeout), for the app-kill verdict (default 5000 ms). */
  failTimeoutMs?: number;
  /**
   * Re-render and install the notify hook with conntrackd's commit on/off, for the control run. Default:
   * `brine state sls -L kdct1,kdct2 keepalived` on the balancers with `pillar='{"conntrackd": {"commit_on_master": false}}'`
   * (then without the override, which puts the committing hook back).
   */
  setCommit?: (enabled: boolean) => Promise<void>;
  /** How to reach the lab's master (for the default setCommit). */
  brine?: BrineOptions;
  log?: (msg: string) => void;
}

/** The control run's switch, through the master: re-apply the keepalived role with or without the pillar override. */
export function brineSetCommit(c: LabConfig, o: BrineOptions = {}): (enabled: boolean) => Promise<void> {
  return async (enabled) => {
    const args = enabled ? [] : [`pillar=${JSON.stringify({ conntrackd: { commit_on_master: false } })}`];
    const r = await highstate(c, { tgt: nodesWithRole('kdct').join(','), list: true }, o, { sls: 'keepalived', args });
    if (r.code !== 0 || Object.values(r.nodes).some((n) => n.failed)) throw new Error(`lab: setting the conntrackd commit to ${enabled}: ${formatRun(r)}`);
    const hook = await nodeExec(c, 'kdct2', ['cat', '/etc/keepalived/notify.sh']);
    if (hook.stdout.includes('commit disabled') === enabled) throw new Error(`lab: the notify hook on kdct2 does not reflect commit_on_master=${enabled}`);
  };
}

export interface VipFailoverResult {
  scenario: 'keepalived-stop' | 'link-down';
  from: string;
  to: string;
  /** Failure -> VIP present on the new master (ms), null if it never moved. */
  vipMovedMs: number | null;
  /** Balancers holding the VIP just before the restore (exactly the new master, or the failover is split-brain). */
  holdersDuringFailover: string[];
  /** Probes started from the failure until the restore. */
  failover: WindowStats;
  /** Restore -> VIP back on the preferred master (ms). */
  failbackMs: number | null;
  failback: WindowStats;
  probesTotal: number;
  failedTotal: number;
  stream: StreamResult;
  streamBytesLost: number;
}

export interface AppKillResult {
  scenario: 'app-kill';
  app: string;
  how: 'kill' | 'link-down';
  failed: number;
  probes: number;
  /** Failed probes started later than one fail_timeout after the kill. */
  failedAfterFailTimeout: number;
  /** Which apps answered after the kill (should be the other one only). */
  answeredBy: Record<string, number>;
  maxProbeMs: number;
}

export interface ControlResult {
  scenario: 'control-no-commit';
  vipMovedMs: number | null;
  stream: StreamResult;
  streamBytesLost: number;
  broke: boolean;
}

export interface LbKillResult {
  scenario: 'lb-kill';
  node: string;
  /** The nginx processes SIGKILLed (master and workers). */
  killed: number[];
  /** Kill -> the node's nginx answering again (a new master, restarted by its keeper), ms; null: never. */
  servingAgainMs: number | null;
  newPid: number | null;
  /** Probes started from the kill to the end of the window. */
  failed: number;
  probes: number;
  gapMs: number;
}

export interface MinionRestartResult {
  scenario: 'minion-restart';
  /** Every minion SIGKILLed -> all restarted and answering test.ping again (ms). */
  reconnectMs: number;
  failed: number;
  probes: number;
  gapMs: number;
  /** node:service -> pid before and after; `kept` when every one is the same live process. */
  pids: Record<string, { before: number | null; after: number | null }>;
  kept: boolean;
}


const PRIMARY = 'kdct1';
const SECONDARY = 'kdct2';

export function opts(o: FailoverOptions) {
  return {
    interval: o.probeIntervalMs ?? 50,
    timeout: o.probeTimeoutMs ?? 1000,
    lead: o.leadMs ?? 1500,
    hold: o.holdMs ?? 3000,
    tail: o.tailMs ?? 2500,
    sInterval: o.streamIntervalMs ?? 100,
    sSize: o.streamLineSize ?? 100,
    failTimeout: o.failTimeoutMs ?? 5000,
    log: o.log ?? (() => {}),
  };
}

export const appLog = (c: LabConfig) => (app: string) => serviceLog(c, app, 'webapp');

export async function linkSet(c: LabConfig, node: string, state: 'up' | 'down'): Promise<void> {
  await mustRun(['ip', '-n', c.bridgeNs, 'link', 'set', `v-${node}`, state]);
}

/** Everything up, VIP on the preferred master and answering through the whole chain. */
export async function ensureBaseline(c: LabConfig, limitMs = 15000): Promise<void> {
  for (const n of [...nodesWithRole('kdct'), ...nodesWithRole('nginx'), ...nodesWithRole('app')]) await linkSet(c, n, 'up');
  for (const n of ['app1', 'app2']) await startService(c, n, 'webapp');
  for (const n of ['nginx1', 'nginx2']) await startService(c, n, 'nginx');
  for (const n of [PRIMARY, SECONDARY]) {
    await startService(c, n, 'conntrackd');
    await startService(c, n, 'brine-nat-health');
    await startService(c, n, 'keepalived');
  }
  const deadline = Date.now() + limitMs;
  for (;;) {
    // both balancers' health checkers see every nginx node up (after lb-link-down: rebalanced), and the VIP answers
    const healthy = nodesWithRole('kdct').every((n) => {
      const h = natHealth(c, n);
      return h !== null && Object.keys(h.targets).length > 0 && Object.values(h.targets).every((t) => t.up);
    });
    if (healthy && (await vipOwner(c)) === PRIMARY) {
      const r = await nodeExec(c, 'client', ['curl', '-fsS', '-o', '/dev/null', '--max-time', '1', `http://${c.vip}/`]);
      if (r.code === 0) break;
    }
    if (Date.now() > deadline) throw new Error(`lab: baseline not reached within ${limitMs} ms (VIP owner: ${await vipOwner(c)})`);
    await sleep(100);
  }
  // let nginx's passive health state and conntrackd's caches settle
  await sleep(700);
}

/** What a balancer's NAT health checker last wrote (`/run/brine-nat/health.json` in the node), or null. */
export interface NatHealth {
  t: number;
  table_loaded: boolean;
  link_up: boolean;
  targets: Record<string, { up: boolean; since: number; last_error: string | null }>;
}

export function natHealth(c: LabConfig, node: string): NatHealth | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(nodePaths(c, node).run, 'brine-nat', 'health.json'), 'utf8')) as NatHealth;
  } catch {
    return null;
  }
}

export function lost(s: StreamResult): number {
  return Math.max(0, (s.serverSent ?? s.expected) - s.bytes);
}

/** Kill the VRRP master's keepalived (SIGTERM) or take its link down; restore after holdMs. */
export async function vipFailover(c: LabConfig, scenario: 'keepalived-stop' | 'link-down', o: FailoverOptions = {}): Promise<VipFailoverResult> {
  const p = opts(o);
  await ensureBaseline(c);
  const watcher = await VipWatcher.start(c);
  try {
    const total = p.lead + p.hold + p.tail + 1500;
    const lines = Math.ceil((total + 1000) / p.sInterval);
    const probes = await startProbes(c, { durationMs: total, intervalMs: p.interval, timeoutMs: p.timeout });
    const stream = await startStream(c, { lines, intervalMs: p.sInterval, size: p.sSize, appLogs: appLog(c) });
    await sleep(p.lead);
    const t0 = Date.now();
    p.log(`${scenario}: failing ${PRIMARY}`);
    if (scenario === 'keepalived-stop') await stopService(c, PRIMARY, 'keepalived');
    else await linkSet(c, PRIMARY, 'down');
    const moved = await watcher.waitAdded(SECONDARY, t0, p.hold);
    await sleep(Math.max(0, t0 + p.hold - Date.now() - 300));
    const holders = await vipHolders(c); // just before the restore: exactly one node holds the VIP
    await sleep(Math.max(0, t0 + p.hold - Date.now()));
    const t1 = Date.now();
    p.log(`${scenario}: restoring ${PRIMARY}`);
    if (scenario === 'keepalived-stop') await startService(c, PRIMARY, 'keepalived');
    else await linkSet(c, PRIMARY, 'up');
    const back = await watcher.waitAdded(PRIMARY, t1, 10000);
    const pr = await probes.done;
    const st = await stream.done;
    const res: VipFailoverResult = {
      scenario,
      from: PRIMARY,
      to: SECONDARY,
      vipMovedMs: moved === null ? null : moved - t0,
      holdersDuringFailover: holders,
      failover: windowStats(pr, t0, t1),
      failbackMs: back === null ? null : back - t1,
      failback: windowStats(pr, t1, t1 + p.tail + 1500),
      probesTotal: pr.length,
      failedTotal: pr.filter((x) => !probeOk(x)).length,
      stream: st,
      streamBytesLost: lost(st),
    };
    p.log(`${scenario}: ${JSON.stringify(res)}`);
    return res;
  } finally {
    watcher.stop();
  }
}

/** Kill one app node's web app (SIGKILL) or take its link down, while probing through the VIP and nginx. */
export async function appFailure(c: LabConfig, how: 'kill' | 'link-down' = 'kill', o: FailoverOptions = {}, app = 'app1'): Promise<AppKillResult> {
  const p = opts(o);
  await ensureBaseline(c);
  const total = p.lead + p.failTimeout + 2500;
  const probes = await startProbes(c, { durationMs: total, intervalMs: p.interval, timeoutMs: p.timeout });
  await sleep(p.lead);
  const t0 = Date.now();
  p.log(`app-${how}: ${app}`);
  if (how === 'kill') await stopService(c, app, 'webapp', 'SIGKILL');
  else await linkSet(c, app, 'down');
  const pr: Probe[] = await probes.done;
  if (how === 'link-down') await linkSet(c, app, 'up');
  await startService(c, app, 'webapp');
  const after = pr.filter((x) => x.t >= t0);
  const answeredBy: Record<string, number> = {};
  for (const x of after.filter(probeOk)) answeredBy[String(x.app)] = (answeredBy[String(x.app)] ?? 0) + 1;
  const res: AppKillResult = {
    scenario: 'app-kill',
    app,
    how,
    failed: after.filter((x) => !probeOk(x)).length,
    probes: after.length,
    failedAfterFailTimeout: after.filter((x) => x.t >= t0 + p.failTimeout && !probeOk(x)).length,
    answeredBy,
    maxProbeMs: Math.max(0, ...after.map((x) => x.ms)),
  };
  p.log(`app-${how}: ${JSON.stringify(res)}`);
  return res;
}

/** The same keepalived-stop failover with conntrackd's commit disabled: the NAT stream should break. */
export async function controlNoCommit(c: LabConfig, o: FailoverOptions = {}): Promise<ControlResult> {
  const p = opts(o);
  const setCommit = o.setCommit ?? brineSetCommit(c, o.brine);
  await setCommit(false);
  const watcher = await VipWatcher.start(c);
  try {
    await ensureBaseline(c);
    const lines = Math.ceil((p.lead + p.hold + 3000) / p.sInterval);
    const stream = await startStream(c, { lines, intervalMs: p.sInterval, size: p.sSize, idleTimeoutMs: 3000, appLogs: appLog(c) });
    await sleep(p.lead);
    const t0 = Date.now();
    await stopService(c, PRIMARY, 'keepalived');
    const moved = await watcher.waitAdded(SECONDARY, t0, p.hold);
    const st = await stream.done;
    await startService(c, PRIMARY, 'keepalived');
    const res: ControlResult = { scenario: 'control-no-commit', vipMovedMs: moved === null ? null : moved - t0, stream: st, streamBytesLost: lost(st), broke: !st.complete };
    p.log(`control: ${JSON.stringify(res)}`);
    return res;
  } finally {
    watcher.stop();
    await setCommit(true);
  }
}

/** Pids of the processes in `node` whose kernel name (comm) is `comm`. */
async function pidsByComm(c: LabConfig, node: string, comm: string): Promise<number[]> {
  const out: number[] = [];
  for (const l of (await run(['ip', 'netns', 'pids', nsName(c, node)])).stdout.split('\n')) {
    if (!/^\d+$/.test(l.trim())) continue;
    try {
      if (fs.readFileSync(`/proc/${l.trim()}/comm`, 'utf8').trim() === comm) out.push(Number(l.trim()));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** SIGKILL every nginx process (master and workers) on one balancer while probing; its keeper brings it back. */
export async function lbKill(c: LabConfig, o: FailoverOptions = {}, node = 'nginx1'): Promise<LbKillResult> {
  const p = opts(o);
  await ensureBaseline(c);
  const before = await servicePid(c, node, 'nginx');
  const probes = await startProbes(c, { durationMs: p.lead + 4000, intervalMs: p.interval, timeoutMs: p.timeout });
  await sleep(p.lead);
  const killed = await pidsByComm(c, node, 'nginx');
  const t0 = Date.now();
  p.log(`lb-kill: SIGKILL ${node} nginx ${killed.join(' ')}`);
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // serving again: a new nginx on that node answers (asked directly from the client, not through the VIP)
  let back: number | null = null;
  let newPid: number | null = null;
  while (back === null && Date.now() - t0 < 5000) {
    newPid = await servicePid(c, node, 'nginx');
    if (newPid !== null && newPid !== before && (await nodeExec(c, 'client', ['curl', '-fsS', '-o', '/dev/null', '--max-time', '0.5', `http://${nodeIp(c, node)}/`])).code === 0) back = Date.now();
    else await sleep(20);
  }
  const pr = await probes.done;
  const w = windowStats(pr, t0, Number.MAX_SAFE_INTEGER);
  const res: LbKillResult = { scenario: 'lb-kill', node, killed, servingAgainMs: back === null ? null : back - t0, newPid, failed: w.failed, probes: w.probes, gapMs: w.gapMs };
  p.log(`lb-kill: ${JSON.stringify(res)}`);
  return res;
}

export const SERVICES_BY_ROLE: Record<string, string[]> = { kdct: ['conntrackd', 'brine-nat-health', 'keepalived'], nginx: ['nginx'], app: ['webapp'] };

/** SIGKILL every minion and start it again while probing: every service keeps its pid, no probe fails. */
export async function minionRestart(c: LabConfig, o: FailoverOptions = {}): Promise<MinionRestartResult> {
  const p = opts(o);
  const b = o.brine ?? {};
  await ensureBaseline(c);
  const services = MINION_NODES.flatMap((n) => Object.entries(SERVICES_BY_ROLE).filter(([role]) => nodesWithRole(role).includes(n as never)).flatMap(([, s]) => s.map((x) => [n, x] as const)));
  const pids: MinionRestartResult['pids'] = {};
  for (const [n, s] of services) pids[`${n}:${s}`] = { before: await servicePid(c, n, s), after: null };
  const probes = await startProbes(c, { durationMs: p.lead + p.hold + p.tail, intervalMs: p.interval, timeoutMs: p.timeout });
  await sleep(p.lead);
  const t0 = Date.now();
  p.log(`minion-restart: SIGKILL ${MINION_NODES.join(' ')}`);
  for (const n of MINION_NODES) await nodeStop(c, n, 'brine-minion', 'SIGKILL', 1000);
  for (const n of MINION_NODES) await startMinion(c, n, b);
  await waitAnswering(c, MINION_NODES, b);
  const reconnectMs = Date.now() - t0;
  const pr = await probes.done;
  for (const [n, s] of services) pids[`${n}:${s}`]!.after = await servicePid(c, n, s);
  const w = windowStats(pr, t0, Number.MAX_SAFE_INTEGER);
  const kept = Object.values(pids).every((x) => x.before !== null && x.before === x.after);
  const res: MinionRestartResult = { scenario: 'minion-restart', reconnectMs, failed: w.failed, probes: w.probes, gapMs: w.gapMs, pids, kept };
  p.log(`minion-restart: ${JSON.stringify(res)}`);
  return res;
}
