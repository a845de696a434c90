/** Plain-text figures of a failover run (for `brine lab failover`, the README and the e2e log). */
import type { AppKillResult, ControlResult, FailoverReport, VipFailoverResult } from './failover';

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

export function formatReport(r: FailoverReport): string {
  const out: string[] = [`host load ${r.loadStart.map((x) => x.toFixed(2)).join(' ')} -> ${r.loadEnd.map((x) => x.toFixed(2)).join(' ')}`];
  if (r.keepalivedStop) out.push(...vip('keepalived stopped', r.keepalivedStop));
  if (r.linkDown) out.push(...vip('link down', r.linkDown));
  if (r.appKill) out.push(app(r.appKill));
  if (r.control) out.push(control(r.control));
  out.push(`total ${(r.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}
