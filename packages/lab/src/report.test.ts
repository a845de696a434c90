/** `brine lab failover`'s verdict: which of issue 10's targets a report misses, and that every figure is printed. */
import type { AppKillResult, VipFailoverResult } from './failover';
import type { ConfigChangeResult, LbLinkDownResult, MasterRestartResult } from './healing';
import { formatReport, missedTargets, TARGETS } from './report';
import type { FailoverReport } from './scenarios';
import type { StreamResult } from './measure';

const stream = (bytes = 9500, expected = 9500): StreamResult => ({ id: 's', app: 'app1', bytes, expected, complete: bytes === expected, seqOk: true, maxStallMs: 100, durationMs: 9500, err: bytes === expected ? null : 'stalled 3000 ms', serverSent: expected, startedAt: 0, endedAt: 0 });
const win = (failed = 0) => ({ probes: 60, failed, gapMs: 50, firstFailAt: null, lastFailAt: null });

const linkDown = (failbackMs: number): VipFailoverResult => ({
  scenario: 'link-down', from: 'kdct1', to: 'kdct2', vipMovedMs: 400, holdersDuringFailover: ['kdct2'], failover: win(7), failbackMs, failback: win(), probesTotal: 160, failedTotal: 7, stream: stream(), streamBytesLost: 0,
});
const appLinkDown = (failed: number): AppKillResult => ({ scenario: 'app-kill', app: 'app1', how: 'link-down', failed, probes: 150, failedAfterFailTimeout: 0, answeredBy: { app2: 150 }, maxProbeMs: 310 });
const lbLinkDown = (o: Partial<LbLinkDownResult> = {}): LbLinkDownResult => ({
  scenario: 'lb-link-down', node: 'nginx1', other: 'nginx2', failed: 6, probes: 130, failedDuringOutage: 6, failedAfterRestore: 0, fullyOnOtherMs: 650, backToBothMs: 400, afterRestore: { nginx1: 30, nginx2: 38 }, failures: [{ atMs: 100, err: 'timeout', lb: null, ms: 1000 }],
  slotsDuringOutage: [], downDuringOutage: [], established: { err: 'ECONNRESET', endedAfterMs: 900, retriedOn: 'nginx2', retryAfterMs: 910, otherErrors: 0 }, gapMs: 120, vipDuringOutage: ['kdct1'], natByBalancer: {}, otherPid: { before: 1, after: 1 }, rejects: { before: 0, after: 0 }, noSlot: { before: 0, after: 0 }, conntrackToNode: {}, natHealthLog: [],
  reusedPorts: { tried: 2, ok: 2, refused: 0, results: [{ port: 38180, lb: 'nginx2', err: null }, { port: 38182, lb: 'nginx2', err: null }] }, ...o,
});
const configChange = (o: Partial<ConfigChangeResult> = {}): ConfigChangeResult => ({
  scenario: 'config-change', runs: [{ step: 'override', ms: 1300, code: 0, changed: {}, services: { 'nginx1:nginx': 'Service reloaded' }, failed: 0 }], failed: 0, probes: 300, gapMs: 100, stream: stream(17000, 17000), streamBytesLost: 0, pids: {}, reloadedNotRestarted: true, ...o,
});
const masterRestart = (failed: number): MasterRestartResult => ({ scenario: 'master-restart', restartMs: 700, answeringMs: 2000, failed, probes: 110, gapMs: 80 });
const report = (r: Partial<FailoverReport>): FailoverReport => ({ loadStart: [1, 1, 1], loadEnd: [2, 2, 2], durationMs: 60000, ...r });

it('a report within every target has nothing missed, and prints every figure', () => {
  const r = report({ linkDown: linkDown(500), appLinkDown: appLinkDown(0), lbLinkDown: lbLinkDown(), configChange: configChange(), masterRestart: masterRestart(0) });
  expect(missedTargets(r)).toEqual([]);
  const text = formatReport(r);
  expect(text).toContain('failback in 500 ms');
  expect(text).toContain('app link-down (app1): failed probes 0/150');
  expect(text).toContain("lb-link-down (nginx1's link down): failed probes 6/130 (6 during the outage, 0 after), traffic fully on nginx2 after 650 ms, back to both 400 ms after the link returned");
  expect(text).toContain('established keep-alive connection on nginx1: ECONNRESET after 900 ms, retried on nginx2');
  expect(text).toContain('new connections from client ports of committed closed entries to nginx1: 2 of 2 answered by nginx2, 0 refused');
  expect(text).toContain('config-change (highstate changing nginx + keepalived config, then back): failed probes 0/300, gap 100 ms; NAT stream 17000/17000 bytes, lost 0; reloaded, pids kept');
  expect(text).toContain('master-restart: master back in 700 ms, minions answering after 2000 ms; failed probes 0/110');
});

it("names each of issue 10's targets a report misses", () => {
  const r = report({
    linkDown: linkDown(TARGETS.linkDownFailbackMs + 1),
    appLinkDown: appLinkDown(TARGETS.appLinkDown.failed + 1),
    lbLinkDown: lbLinkDown({
      failed: TARGETS.lbLinkDown.failed + 1,
      fullyOnOtherMs: null,
      backToBothMs: TARGETS.lbLinkDown.backToBothMs + 1,
      reusedPorts: { tried: 2, ok: 1, refused: 1, results: [{ port: 1, lb: 'nginx2', err: null }, { port: 2, lb: null, err: "curl: (7) Failed to connect to 10.213.0.100 port 80 after 0 ms: Couldn't connect to server" }] },
    }),
    configChange: configChange({ failed: 1, stream: stream(1700, 17000), streamBytesLost: 15300, reloadedNotRestarted: false }),
    masterRestart: masterRestart(1),
  });
  expect(missedTargets(r)).toEqual([
    'link down: failback in 1001 ms (target <= 1000 ms)',
    'lb-link-down: 11 failed probes (target <= 10)',
    'lb-link-down: traffic fully on nginx2 after never (target <= 1000 ms)',
    'lb-link-down: 1 of 2 new connections from a committed entry\'s client port not answered by nginx2',
    'lb-link-down: nginx1 back after 3001 ms (target <= 3000 ms)',
    'app-link-down: 3 failed probes (target <= 2)',
    'config-change: 1 failed probes (target 0)',
    'config-change: the stream lost 15300 bytes (stalled 3000 ms) (target 0)',
    'config-change: nginx and keepalived were not (only) reloaded',
    'master-restart: 1 failed probes (target 0)',
  ]);
});
