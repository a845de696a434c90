/** Plain-text figures of a failover run (for `brine lab failover`, the README and the e2e log). */
import type { AppKillResult, ControlResult, LbKillResult, MinionRestartResult, VipFailoverResult } from './failover';
import type { ConfigChangeResult, LbLinkDownResult, MasterRestartResult } from './healing';
import type { FailoverReport } from './scenarios';

export const LB_KILL_TARGET = { failed: 2, servingMs: 2000 };
/** Issue 10's targets (at 20 probes/s). */
export const TARGETS = {
  lbLinkDown: { failed: 10, fullyOnOtherMs: 1000, backToBothMs: 3000 },
  appLinkDown: { failed: 2 },
  configChange: { failed: 0, bytesLost: 0 },
  masterRestart: { failed: 0 },
  /** The VIP back on the preferred balancer after its link returns. */
  linkDownFailbackMs: 1000,
} as const;

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

function lbLinkDown(r: LbLinkDownResult): string {
  return `lb-link-down (${r.node}'s link down): failed probes ${r.failed}/${r.probes} (${r.failedDuringOutage} during the outage, ${r.failedAfterRestore} after), traffic fully on ${r.other} after ${ms(r.fullyOnOtherMs)}, back to both ${ms(r.backToBothMs)} after the link returned (${JSON.stringify(r.afterRestore)}), gap ${r.gapMs} ms` +
    `\n  new connections from client ports of committed closed entries to ${r.node}: ${r.reusedPorts.tried === 0 ? 'none to try' : `${r.reusedPorts.ok} of ${r.reusedPorts.tried} answered by ${r.other}, ${r.reusedPorts.refused} refused`}` +
    `\n  established keep-alive connection on ${r.node}: ${r.established === null ? 'none found' : `${r.established.err ?? 'no error'} after ${ms(r.established.endedAfterMs)}, retried on ${r.established.retriedOn ?? '?'} (answered ${ms(r.established.retryAfterMs)} after the link went down); the one on ${r.other}: ${r.established.otherErrors} errors`}`;
}

function configChange(r: ConfigChangeResult): string {
  const s = r.stream;
  const runs = r.runs.map((x) => `${x.step} ${(x.ms / 1000).toFixed(1)} s: ${Object.entries(x.services).map(([k, v]) => `${k} ${v.replace(/^Service /, '')}`).join(', ') || 'no service touched'}`).join('; ');
  return `config-change (highstate changing nginx + keepalived config, then back): failed probes ${r.failed}/${r.probes}, gap ${r.gapMs} ms; NAT stream ${s.bytes}/${s.expected} bytes, lost ${r.streamBytesLost}${s.err ? ` (${s.err})` : ''}; ${r.reloadedNotRestarted ? 'reloaded, pids kept' : 'NOT a pure reload'} (${runs})`;
}

function masterRestart(r: MasterRestartResult): string {
  return `master-restart: master back in ${ms(r.restartMs)}, minions answering after ${ms(r.answeringMs)}; failed probes ${r.failed}/${r.probes}, gap ${r.gapMs} ms`;
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
  if (r.appLinkDown) out.push(app(r.appLinkDown));
  if (r.control) out.push(control(r.control));
  if (r.lbKill) out.push(lbKill(r.lbKill));
  if (r.lbLinkDown) out.push(lbLinkDown(r.lbLinkDown));
  if (r.configChange) out.push(configChange(r.configChange));
  if (r.masterRestart) out.push(masterRestart(r.masterRestart));
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
  if (r.linkDown && r.linkDown.failbackMs !== null && r.linkDown.failbackMs > TARGETS.linkDownFailbackMs) out.push(`link down: failback in ${r.linkDown.failbackMs} ms (target <= ${TARGETS.linkDownFailbackMs} ms)`);
  const l = r.lbLinkDown;
  if (l && l.failed > TARGETS.lbLinkDown.failed) out.push(`lb-link-down: ${l.failed} failed probes (target <= ${TARGETS.lbLinkDown.failed})`);
  if (l && (l.fullyOnOtherMs === null || l.fullyOnOtherMs > TARGETS.lbLinkDown.fullyOnOtherMs)) out.push(`lb-link-down: traffic fully on ${l.other} after ${ms(l.fullyOnOtherMs)} (target <= ${TARGETS.lbLinkDown.fullyOnOtherMs} ms)`);
  if (l && l.reusedPorts.ok < l.reusedPorts.tried) out.push(`lb-link-down: ${l.reusedPorts.tried - l.reusedPorts.ok} of ${l.reusedPorts.tried} new connections from a committed entry's client port not answered by ${l.other}`);
  if (l && (l.backToBothMs === null || l.backToBothMs > TARGETS.lbLinkDown.backToBothMs)) out.push(`lb-link-down: ${l.node} back after ${ms(l.backToBothMs)} (target <= ${TARGETS.lbLinkDown.backToBothMs} ms)`);
  if (r.appLinkDown && r.appLinkDown.failed > TARGETS.appLinkDown.failed) out.push(`app-link-down: ${r.appLinkDown.failed} failed probes (target <= ${TARGETS.appLinkDown.failed})`);
  const cc = r.configChange;
  if (cc && cc.failed > TARGETS.configChange.failed) out.push(`config-change: ${cc.failed} failed probes (target 0)`);
  if (cc && (!cc.stream.complete || cc.streamBytesLost > TARGETS.configChange.bytesLost)) out.push(`config-change: the stream lost ${cc.streamBytesLost} bytes${cc.stream.err ? ` (${cc.stream.err})` : ''} (target 0)`);
  if (cc && !cc.reloadedNotRestarted) out.push('config-change: nginx and keepalived were not (only) reloaded');
  if (cc && cc.runs.some((x) => x.code !== 0 || x.failed > 0)) out.push('config-change: a highstate failed');
  if (r.masterRestart && r.masterRestart.failed > TARGETS.masterRestart.failed) out.push(`master-restart: ${r.masterRestart.failed} failed probes (target 0)`);
  return out;
}
