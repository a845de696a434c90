/**
 * The services the minions' supervisor provider runs in a node, seen and handled from outside for the failover
 * scenarios (an operator's `kill`, a restart after the failure). The source of truth is the supervisor's own:
 * the node's `/etc/brine/services.d/<name>.yaml` (parsed by the engine's parser) and its pidfile
 * (`/run/brine/services/<name>.pid` by default), with the engine's check that the pid is still that program.
 * A restart by the lab starts the daemon exactly as the supervisor would (same argv, env, cwd, pidfile, log
 * `/run/brine/services/<name>.log`), so a later highstate finds it running and changes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RUN_DIR, DEFAULT_SERVICES_DIR, expectedProgram, parseServiceDef, programMatches, type ServiceDef } from '@brine/engine';
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

/** Start `name` as the supervisor would (no-op when it is running). Returns its pid. */
export async function startService(c: LabConfig, node: string, name: string): Promise<number> {
  const def = await readServiceDefinition(c, node, name);
  const running = await servicePid(c, node, name, def);
  if (running !== null) return running;
  await nodeExecOk(c, node, ['mkdir', '-p', path.posix.dirname(def.pidfile), SUPERVISOR_RUN_DIR]);
  const t = await nodeSpawn(c, node, def.argv, { name, env: def.env, cwd: def.cwd, log: path.join(nodePaths(c, node).services, `${name}.log`) });
  await nodeExecOk(c, node, ['sh', '-c', 'echo "$1" > "$2"', 'sh', String(t.pid), def.pidfile]);
  if (def.ready) await waitReady(c, node, name, def, t.pid);
  return t.pid;
}

/** Stop with the definition's stop signal (or `signal`), SIGKILL after its stop_timeout; removes the pidfile. */
export async function stopService(c: LabConfig, node: string, name: string, signal?: NodeJS.Signals): Promise<boolean> {
  const def = await readServiceDefinition(c, node, name);
  const pid = await servicePid(c, node, name, def);
  if (pid !== null) await killPid(pid, startTime(pid) ?? undefined, def.stopTimeoutMs, signal ?? def.stopSignal);
  await nodeExec(c, node, ['rm', '-f', def.pidfile]);
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
