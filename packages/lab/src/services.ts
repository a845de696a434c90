/**
 * Services in a node, started exactly as Brine's supervisor provider would: the definition is the node's
 * `/etc/brine/services.d/<name>.yaml` (same contract and parsing as engine/providers/supervisor.ts), the daemon
 * runs in the foreground under the node's namespaces, its pid goes to the supervisor's pidfile
 * (`/run/brine/services/<name>.pid` by default) and to the lab's state file.
 */
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import type { LabConfig } from './config';
import { nodeExec, nodeExecOk, nodeSpawn, nodeStop, tracked } from './exec';
import { sleep } from './proc';
import type { TrackedProcess } from './state';

export const SERVICES_DIR = '/etc/brine/services.d';
export const SUPERVISOR_RUN_DIR = '/run/brine/services';

export interface ServiceDefinition {
  argv: string[];
  pidfile: string;
  env: Record<string, string>;
  cwd?: string;
  reloadSignal: NodeJS.Signals;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  ready?: { tcp?: { host: string; port: number }; file?: string; timeoutMs: number };
}

const sig = (v: unknown, d: NodeJS.Signals): NodeJS.Signals => {
  if (v === undefined || v === null) return d;
  const s = String(v).toUpperCase();
  return (s.startsWith('SIG') ? s : `SIG${s}`) as NodeJS.Signals;
};

/** The supervisor's parsing rules (string command -> `/bin/sh -c "exec ..."`). */
export function parseServiceDefinition(text: string, name: string, file = `${SERVICES_DIR}/${name}.yaml`): ServiceDefinition {
  const d = parseYaml(text) as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new Error(`${file}: expected a mapping with at least command:`);
  const cmd = d['command'];
  let argv: string[];
  if (typeof cmd === 'string' && cmd.trim()) argv = ['/bin/sh', '-c', `exec ${cmd}`];
  else if (Array.isArray(cmd) && cmd.length) argv = cmd.map(String);
  else throw new Error(`${file}: command: expected a string or a non-empty list of strings`);
  const env: Record<string, string> = {};
  if (d['env'] && typeof d['env'] === 'object') for (const [k, v] of Object.entries(d['env'] as object)) env[k] = String(v ?? '');
  let ready: ServiceDefinition['ready'];
  const r = d['ready'] as Record<string, unknown> | undefined;
  if (r && typeof r === 'object') {
    ready = { timeoutMs: Number(r['timeout'] ?? 10) * 1000 };
    const m = typeof r['tcp'] === 'string' ? /^(.*):(\d+)$/.exec(r['tcp']) : null;
    if (m) ready.tcp = { host: m[1] || '127.0.0.1', port: Number(m[2]) };
    else if (typeof r['file'] === 'string') ready.file = r['file'];
    else throw new Error(`${file}: ready: expected {tcp: host:port} or {file: path}`);
  }
  return {
    argv,
    pidfile: typeof d['pidfile'] === 'string' ? d['pidfile'] : path.posix.join(SUPERVISOR_RUN_DIR, `${name}.pid`),
    env,
    cwd: typeof d['cwd'] === 'string' ? d['cwd'] : undefined,
    reloadSignal: sig(d['reload_signal'], 'SIGHUP'),
    stopSignal: sig(d['stop_signal'], 'SIGTERM'),
    stopTimeoutMs: Number(d['stop_timeout'] ?? 10) * 1000,
    ready,
  };
}

export async function readServiceDefinition(c: LabConfig, node: string, name: string): Promise<ServiceDefinition> {
  const file = `${SERVICES_DIR}/${name}.yaml`;
  const text = await nodeExecOk(c, node, ['cat', file]);
  return parseServiceDefinition(text, name, file);
}

async function waitReady(c: LabConfig, node: string, name: string, def: ServiceDefinition, pid: number): Promise<void> {
  const r = def.ready!;
  const deadline = Date.now() + r.timeoutMs;
  for (;;) {
    const probe = r.tcp ? ['bash', '-c', `exec 3<>/dev/tcp/${r.tcp.host}/${r.tcp.port}`] : ['test', '-e', r.file!];
    if ((await nodeExec(c, node, probe, { timeoutMs: 2000 })).code === 0) return;
    if (!tracked(c, node, name)) throw new Error(`lab: [${node}] service ${name} (pid ${pid}) died before it was ready`);
    if (Date.now() > deadline) throw new Error(`lab: [${node}] service ${name} not ready within ${r.timeoutMs} ms`);
    await sleep(100);
  }
}

/** Start `name` from its definition (no-op when the lab already runs it). */
export async function startService(c: LabConfig, node: string, name: string): Promise<TrackedProcess> {
  const running = tracked(c, node, name);
  if (running) return running;
  const def = await readServiceDefinition(c, node, name);
  await nodeExecOk(c, node, ['mkdir', '-p', path.posix.dirname(def.pidfile), SUPERVISOR_RUN_DIR]);
  const t = await nodeSpawn(c, node, def.argv, { name, env: def.env, cwd: def.cwd });
  await nodeExecOk(c, node, ['sh', '-c', 'echo "$1" > "$2"', 'sh', String(t.pid), def.pidfile]);
  if (def.ready) await waitReady(c, node, name, def, t.pid);
  return t;
}

/** Stop with the definition's stop signal (or `signal`), SIGKILL after its stop_timeout. */
export async function stopService(c: LabConfig, node: string, name: string, signal?: NodeJS.Signals): Promise<boolean> {
  const def = await readServiceDefinition(c, node, name);
  const was = await nodeStop(c, node, name, signal ?? def.stopSignal, def.stopTimeoutMs);
  await nodeExec(c, node, ['rm', '-f', def.pidfile]);
  return was;
}

export async function reloadService(c: LabConfig, node: string, name: string): Promise<void> {
  const t = tracked(c, node, name);
  if (!t) throw new Error(`lab: [${node}] service ${name} is not running`);
  const def = await readServiceDefinition(c, node, name);
  process.kill(t.pid, def.reloadSignal);
}
