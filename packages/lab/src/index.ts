/** @brine/lab: the HA lab on one machine (network + mount namespaces), Brine's master and minions in it, failover measurement. */
export { NODES, labConfig, nodeIp, nodePaths, nodeSpec, nodesWithRole, nsName, masterDir, labPillarDir, type LabConfig, type LabOptions, type NodeName, type NodeSpec } from './config';
export { up, type LabUpResult } from './lab';
export { buildTopology, down, status, vipOwner, preflight, REQUIRED_TOOLS, type UpResult, type DownResult, type LabStatus, type NodeStatus } from './topology';
export { nodeExec, nodeExecOk, nodeSpawn, nodeStop, tracked, enterArgv, type ExecOptions, type SpawnOptions } from './exec';
export type { TrackedProcess, LabState } from './state';
export { readState } from './state';
export type { RunResult } from './proc';
export { startService, stopService, reloadService, servicePid, serviceLog, readServiceDefinition, keeperState, keeperPid, SERVICES_DIR, SUPERVISOR_RUN_DIR, type ServiceDefinition } from './services';
export { REPO, brine, converge, highstate, formatRun, startMaster, startMinion, acceptKeys, waitAnswering, configureMaster, minionConfig, MINION_NODES, type BrineOptions, type ConvergeResult, type HighstateRun, type NodeRun } from './brine';
export { labGrains, ROLE_NODES } from './roles';
export { startProbes, startStream, VipWatcher, windowStats, probeOk, type Probe, type StreamResult, type VipEvent, type WindowStats, type RunningClient } from './measure';
export { vipFailover, appFailure, controlNoCommit, lbKill, minionRestart, ensureBaseline, brineSetCommit, natHealth, SERVICES_BY_ROLE, type NatHealth, type FailoverOptions, type VipFailoverResult, type AppKillResult, type ControlResult, type LbKillResult, type MinionRestartResult } from './failover';
export { lbLinkDown, configChange, masterRestart, natSets, CONFIG_CHANGE_PILLAR, type LbLinkDownResult, type ConfigChangeResult, type ConfigChangeRun, type MasterRestartResult } from './healing';
export { failover, supervision, SCENARIOS, type Scenario, type FailoverReport } from './scenarios';
export { formatReport, missedTargets, LB_KILL_TARGET, TARGETS } from './report';
