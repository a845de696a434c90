/** Every failover scenario of `brine lab failover`, run in order, and the report they make together. */
import * as os from 'os';
import { nodesWithRole, type LabConfig } from './config';
import {
  appFailure,
  controlNoCommit,
  ensureBaseline,
  lbKill,
  minionRestart,
  SERVICES_BY_ROLE,
  vipFailover,
  type AppKillResult,
  type ControlResult,
  type FailoverOptions,
  type LbKillResult,
  type MinionRestartResult,
  type VipFailoverResult,
} from './failover';
import { configChange, lbLinkDown, masterRestart, type ConfigChangeResult, type LbLinkDownResult, type MasterRestartResult } from './healing';
import { keeperState } from './services';

export const SCENARIOS = ['keepalived-stop', 'link-down', 'app-kill', 'app-link-down', 'control', 'lb-kill', 'lb-link-down', 'config-change', 'master-restart', 'minion-restart'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface FailoverReport {
  loadStart: number[];
  loadEnd: number[];
  keepalivedStop?: VipFailoverResult;
  linkDown?: VipFailoverResult;
  appKill?: AppKillResult;
  appLinkDown?: AppKillResult;
  control?: ControlResult;
  lbKill?: LbKillResult;
  lbLinkDown?: LbLinkDownResult;
  configChange?: ConfigChangeResult;
  masterRestart?: MasterRestartResult;
  minionRestart?: MinionRestartResult;
  durationMs: number;
}

/** The restart policy and state of every supervised service (for reports): node:service -> keeper state. */
export function supervision(c: LabConfig): Record<string, ReturnType<typeof keeperState>> {
  const out: Record<string, ReturnType<typeof keeperState>> = {};
  for (const [role, svcs] of Object.entries(SERVICES_BY_ROLE)) for (const n of nodesWithRole(role)) for (const s of svcs) out[`${n}:${s}`] = keeperState(c, n, s);
  return out;
}

/** The scenarios in `which`, in SCENARIOS order (the lab must be up with its services converged). */
export async function failover(c: LabConfig, o: FailoverOptions = {}, which: Scenario[] = [...SCENARIOS]): Promise<FailoverReport> {
  const t = Date.now();
  const r: FailoverReport = { loadStart: os.loadavg(), loadEnd: [], durationMs: 0 };
  for (const s of SCENARIOS) {
    if (!which.includes(s)) continue;
    switch (s) {
      case 'keepalived-stop':
        r.keepalivedStop = await vipFailover(c, 'keepalived-stop', o);
        break;
      case 'link-down':
        r.linkDown = await vipFailover(c, 'link-down', o);
        break;
      case 'app-kill':
        r.appKill = await appFailure(c, 'kill', o);
        break;
      case 'app-link-down':
        r.appLinkDown = await appFailure(c, 'link-down', o);
        break;
      case 'control':
        r.control = await controlNoCommit(c, o);
        break;
      case 'lb-kill':
        r.lbKill = await lbKill(c, o);
        break;
      case 'lb-link-down':
        r.lbLinkDown = await lbLinkDown(c, o);
        break;
      case 'config-change':
        r.configChange = await configChange(c, o);
        break;
      case 'master-restart':
        r.masterRestart = await masterRestart(c, o);
        break;
      case 'minion-restart':
        r.minionRestart = await minionRestart(c, o);
        break;
      default: {
        const never: never = s;
        throw new Error(`lab: unknown scenario ${String(never)}`);
      }
    }
  }
  await ensureBaseline(c);
  r.loadEnd = os.loadavg();
  r.durationMs = Date.now() - t;
  return r;
}
