/** @brine/lab: the HA lab on one machine (network + mount namespaces), its daemons and failover measurement. */
export { NODES, labConfig, nodeIp, nodePaths, nodeSpec, nodesWithRole, nsName, type LabConfig, type LabOptions, type NodeName, type NodeSpec } from './config';
export { up, down, status, vipOwner, type UpResult, type DownResult, type LabStatus, type NodeStatus } from './topology';
export { nodeExec, nodeExecOk, nodeSpawn, nodeStop, tracked, enterArgv, type ExecOptions, type SpawnOptions } from './exec';
export type { TrackedProcess, LabState } from './state';
export { readState } from './state';
export type { RunResult } from './proc';
export { startService, stopService, reloadService, readServiceDefinition, parseServiceDefinition, SERVICES_DIR, type ServiceDefinition } from './services';
export { applyChunks, type Chunk, type ChunkResult, type ConvergeHooks } from './converge';
export { labGrains, labMineGet, labIpAddrs, ROLE_NODES, type SaltCall } from './roles';
export { startProbes, startStream, VipWatcher, windowStats, probeOk, type Probe, type StreamResult, type VipEvent, type WindowStats, type RunningClient } from './measure';
export { failover, vipFailover, appFailure, controlNoCommit, ensureBaseline, type FailoverOptions, type FailoverReport, type VipFailoverResult, type AppKillResult, type ControlResult } from './failover';
export { formatReport } from './report';
