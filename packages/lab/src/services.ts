/**
 * The services the minions' supervisor provider runs in a node, seen and handled from outside for the failover
 * scenarios (an operator's `kill`, a restart after the failure). The source of truth is the supervisor's own:
 * the node's `/etc/brine/services.d/<name>.yaml` (parsed by the engine's parser) and its pidfile
 * (`/run/brine/services/<name>.pid` by default), with the engine's check that the pid is still that program.
 * A restart by the lab starts the daemon exactly as the supervisor would: under its keeper (the engine's KEEPER_JS,
 * same argv, env, cwd, pidfile, restart policy, log `/run/brine/services/<name>.log`), so a later highstate finds
 * it running and supervised, and changes nothing. A stop by the lab is a failure, not an operator's stop: the
 * keeper is SIGKILLed first (nothing restarts the daemon), then the daemon gets its signal.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RUN_DIR, DEFAULT_SERVICES_DIR, expectedProgram, keeperArgv, keeperSpec, keeperTitle, parseServiceDef, programMatches, type KeeperState, type ServiceDef } from '@brine/engine';
import { nodePaths, type LabConfig } from './config';
import { nodeExec, nodeExecOk, nodeSpawn } from './exec';
import { alive, killPid, sleep, startTime } from './proc';

export const SERVICES_DIR = DEFAULT_SERVICES_DIR;
export const SUPERVISOR_RUN_DIR = DEFAULT_RUN_DIR;
export type ServiceDefinition = ServiceDef;

export async function readServiceDefinition(c: LabConfig, node: string, name: string): Promise<ServiceDef> {
  const file = `${SERVICES_DIR}/${name}.yaml`;
  const text = await nodeExecOk(c, node, ['cat', file]);
  return parseServiceDef(`${node}:${file}`, text, name, SUPERVISOR_RUN_DIR);
}

/** The pid of the running service per the supervisor's pidfile (null: not running, stale or reused pid). */
export async function servicePid(c: LabConfig, node: string, name: string, def?: ServiceDef): Promise<number | null> {
  def ??= await readServiceDefinition(c, node, name);
  const raw = (await nodeExec(c, node, ['cat', def.pidfile])).stdout.trim();
  if (!/^\d+$/.test(raw)) return null;
  const pid = Number(raw);
  if (!alive(pid)) return null;
  const read = (f: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/${f}`, 'utf8');
    } catch {
      return null;
    }
  };
  let exe: string | null = null;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    /* gone */
  }
  return programMatches(expectedProgram(def), { argv0: read('cmdline')?.split('\0')[0], exe, comm: read('comm') }) ? pid : null;
}

async function waitReady(c: LabConfig, node: string, name: string, def: ServiceDef, pid: number): Promise<void> {
  const r = def.ready!;
  const deadline = Date.now() + r.timeoutMs;
  for (;;) {
    const probe = r.tcp ? ['bash', '-c', `exec 3<>/dev/tcp/${r.tcp.host}/${r.tcp.port}`] : ['test', '-e', r.file!];
    if ((await nodeExec(c, node, probe, { timeoutMs: 2000 })).code === 0) return;
    if (!alive(pid)) throw new Error(`lab: [${node}] service ${name} (pid ${pid}) died before it was ready`);
    if (Date.now() > deadline) throw new Error(`lab: [${node}] service ${name} not ready within ${r.timeoutMs} ms`);
    await sleep(50);
  }
}

/** Host paths of a service's keeper pidfile and state file (in the node's supervisor run dir). */
const keeperFiles = (c: LabConfig, node: string, name: string) => ({
  pidfile: path.join(nodePaths(c, node).services, `${name}.keeper.pid`),
  state: path.join(nodePaths(c, node).services, `${name}.state.json`),
});

/** What the service's keeper last wrote (pid, restarts, last exit, policy), or null. */
export function keeperState(c: LabConfig, node: string, name: string): KeeperState | null {
  try {
    return JSON.parse(fs.readFileSync(keeperFiles(c, node, name).state, 'utf8')) as KeeperState;
  } catch {
    return null;
  }
}

/** The live keeper of a service, by its pidfile and process title. */
export function keeperPid(c: LabConfig, node: string, name: string): number | null {
  try {
    const pid = Number(fs.readFileSync(keeperFiles(c, node, name).pidfile, 'utf8').trim());
    return pid > 0 && alive(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(keeperTitle(name)) ? pid : null;
  } catch {
    return null;
  }
}

/** Start `name` as the supervisor would, under its keeper (no-op when it is running). Returns the daemon's pid. */
export async function startService(c: LabConfig, node: string, name: string): Promise<number> {
  const def = await readServiceDefinition(c, node, name);
  const running = await servicePid(c, node, name, def);
  if (running !== null) return running;
  const old = keeperPid(c, node, name);
  if (old !== null) await killPid(old, startTime(old) ?? undefined, 500, 'SIGKILL');
  await nodeExecOk(c, node, ['mkdir', '-p', path.posix.dirname(def.pidfile), SUPERVISOR_RUN_DIR]);
  const files = keeperFiles(c, node, name);
  fs.rmSync(files.state, { force: true });
  const t = await nodeSpawn(c, node, keeperArgv(keeperSpec(name, def, SUPERVISOR_RUN_DIR)), { name: `keeper-${name}`, log: serviceLog(c, node, name) }, 20);
  fs.writeFileSync(files.pidfile, `${t.pid}\n`);
  const deadline = Date.now() + 10_000;
  let pid: number | null = null;
  while (pid === null) {
    const st = keeperState(c, node, name);
    if (st?.keeper === t.pid && st.pid !== null && st.state === 'running') pid = st.pid;
    else if (Date.now() > deadline || (st?.keeper === t.pid && st.state !== 'running')) throw new Error(`lab: [${node}] service ${name} did not start under its keeper (${st?.lastExit ?? 'no state'})`);
    else await sleep(10);
  }
  if (def.ready) await waitReady(c, node, name, def, pid);
  return pid;
}

/**
 * A failure of the service: its keeper is SIGKILLed (so nothing restarts it), then the daemon gets the
 * definition's stop signal (or `signal`), SIGKILL after its stop_timeout; removes the pidfiles.
 */
export async function stopService(c: LabConfig, node: string, name: string, signal?: NodeJS.Signals): Promise<boolean> {
  const def = await readServiceDefinition(c, node, name);
  const keeper = keeperPid(c, node, name);
  if (keeper !== null) await killPid(keeper, startTime(keeper) ?? undefined, 500, 'SIGKILL');
  const pid = await servicePid(c, node, name, def);
  if (pid !== null) await killPid(pid, startTime(pid) ?? undefined, def.stopTimeoutMs, signal ?? def.stopSignal);
  await nodeExec(c, node, ['rm', '-f', def.pidfile]);
  fs.rmSync(keeperFiles(c, node, name).pidfile, { force: true });
  return pid !== null;
}

export async function reloadService(c: LabConfig, node: string, name: string): Promise<void> {
  const def = await readServiceDefinition(c, node, name);
  const pid = await servicePid(c, node, name, def);
  if (pid === null) throw new Error(`lab: [${node}] service ${name} is not running`);
  process.kill(pid, def.reloadSignal);
}

/** Host path of a service's log (the supervisor's `<run_dir>/<name>.log` in the node). */
export const serviceLog = (c: LabConfig, node: string, name: string): string => path.join(nodePaths(c, node).services, `${name}.log`);
