/** Plain-text figures of a failover run (for `brine lab failover`, the README and the e2e log). */
import type { AppKillResult, ControlResult, FailoverReport, LbKillResult, MinionRestartResult, VipFailoverResult } from './failover';

export const LB_KILL_TARGET = { failed: 2, servingMs: 2000 };

const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'never' : `${v} ms`);

function vip(name: string, r: VipFailoverResult): string[] {
  const s = r.stream;
  return [
    `${name}: VIP ${r.from} -> ${r.to} in ${ms(r.vipMovedMs)}; failed probes ${r.failover.failed}/${r.failover.probes}, client-visible gap ${r.failover.gapMs} ms`,
    `${' '.repeat(name.length)}  failback in ${ms(r.failbackMs)}; failed probes ${r.failback.failed}/${r.failback.probes}, gap ${r.failback.gapMs} ms`,
    `${' '.repeat(name.length)}  NAT stream (${s.app ?? '?'}): ${s.bytes}/${s.expected} bytes received, server wrote ${s.serverSent ?? '?'}, lost ${r.streamBytesLost}, longest stall ${s.maxStallMs} ms${s.err ? `, error: ${s.err}` : ''}`,
  ];
}

function app(r: AppKillResult): string {
  return `app ${r.how} (${r.app}): failed probes ${r.failed}/${r.probes} (after one fail_timeout: ${r.failedAfterFailTimeout}), answered by ${JSON.stringify(r.answeredBy)}, slowest probe ${r.maxProbeMs} ms`;
}

function control(r: ControlResult): string {
  const s = r.stream;
  return `control (no conntrackd commit): VIP moved in ${ms(r.vipMovedMs)}; stream ${r.broke ? 'BROKE' : 'survived'}: ${s.bytes}/${s.expected} bytes${s.err ? ` (${s.err})` : ''}`;
}

function lbKill(r: LbKillResult): string {
  return `lb-kill (SIGKILL of ${r.killed.length} nginx processes on ${r.node}): serving again in ${ms(r.servingAgainMs)} (new pid ${r.newPid ?? '?'}); failed probes ${r.failed}/${r.probes}, gap ${r.gapMs} ms`;
}

function minionRestart(r: MinionRestartResult): string {
  const moved = Object.entries(r.pids).filter(([, v]) => v.before === null || v.before !== v.after);
  return `minion-restart (every minion SIGKILLed and restarted): answering again in ${r.reconnectMs} ms; failed probes ${r.failed}/${r.probes}, gap ${r.gapMs} ms; services ${r.kept ? `kept their pids (${Object.keys(r.pids).length})` : `CHANGED: ${moved.map(([k, v]) => `${k} ${v.before}->${v.after}`).join(', ')}`}`;
}

export function formatReport(r: FailoverReport): string {
  const out: string[] = [`host load ${r.loadStart.map((x) => x.toFixed(2)).join(' ')} -> ${r.loadEnd.map((x) => x.toFixed(2)).join(' ')}`];
  if (r.keepalivedStop) out.push(...vip('keepalived stopped', r.keepalivedStop));
  if (r.linkDown) out.push(...vip('link down', r.linkDown));
  if (r.appKill) out.push(app(r.appKill));
  if (r.control) out.push(control(r.control));
  if (r.lbKill) out.push(lbKill(r.lbKill));
  if (r.minionRestart) out.push(minionRestart(r.minionRestart));
  out.push(`total ${(r.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

/**
 * What a failover run promised and did not keep (empty when every scenario met its target): the VIP moved to the
 * new master alone, a stopped keepalived cost no probe, the NATed stream lost no byte, nginx routed around the dead
 * app after one fail_timeout, and the control stream broke. `brine lab failover` exits 2 when this is not empty.
 */
export function missedTargets(r: FailoverReport): string[] {
  const out: string[] = [];
  for (const [name, v] of [['keepalived stopped', r.keepalivedStop], ['link down', r.linkDown]] as const) {
    if (!v) continue;
    if (v.vipMovedMs === null) out.push(`${name}: the VIP never moved to ${v.to}`);
    if (v.holdersDuringFailover.join(',') !== v.to) out.push(`${name}: VIP held by [${v.holdersDuringFailover.join(', ')}], expected ${v.to} alone`);
    if (!v.stream.complete || v.streamBytesLost > 0) out.push(`${name}: the NAT stream lost ${v.streamBytesLost} bytes${v.stream.err ? ` (${v.stream.err})` : ''}`);
    if (v.failbackMs === null) out.push(`${name}: no failback to ${v.from}`);
  }
  if (r.keepalivedStop && r.keepalivedStop.failover.failed > 0) out.push(`keepalived stopped: ${r.keepalivedStop.failover.failed} failed probes (target 0)`);
  if (r.appKill && r.appKill.failedAfterFailTimeout > 0) out.push(`app ${r.appKill.how}: ${r.appKill.failedAfterFailTimeout} failed probes after the first fail_timeout (target 0)`);
  if (r.control && !r.control.broke) out.push('control: the stream survived without the conntrackd commit (the NAT test cannot fail)');
  // issue 10's targets
  if (r.lbKill && r.lbKill.failed > LB_KILL_TARGET.failed) out.push(`lb-kill: ${r.lbKill.failed} failed probes (target <= ${LB_KILL_TARGET.failed})`);
  if (r.lbKill && (r.lbKill.servingAgainMs === null || r.lbKill.servingAgainMs > LB_KILL_TARGET.servingMs)) out.push(`lb-kill: ${r.lbKill.node} serving again in ${ms(r.lbKill.servingAgainMs)} (target <= ${LB_KILL_TARGET.servingMs} ms)`);
  if (r.minionRestart && r.minionRestart.failed > 0) out.push(`minion-restart: ${r.minionRestart.failed} failed probes (target 0)`);
  if (r.minionRestart && !r.minionRestart.kept) out.push('minion-restart: a service changed pid (target: every service keeps its pid)');
  return out;
}
