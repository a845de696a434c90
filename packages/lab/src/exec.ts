/**
 * Running commands inside a node: its network namespace plus its persistent mount namespace (private /etc, /var,
 * /run, /srv, /tmp; see topology.ts). `nsenter` execs the command, so a spawned daemon's pid is the pid we get.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hasMountNs, nodePaths, nsName, type LabConfig } from './config';
import { alive, killPid, run, startTime, type RunResult } from './proc';
import { readState, updateState, type TrackedProcess } from './state';

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Working directory inside the node. */
  cwd?: string;
}

/** argv prefix that enters a node: network namespace and, when the node has one, its mount namespace. */
export function enterArgv(c: LabConfig, node: string, cwd?: string): string[] {
  const argv = ['nsenter', `--net=/run/netns/${nsName(c, node)}`];
  const handle = nodePaths(c, node).mntHandle;
  if (node !== 'br' && hasMountNs(node) && fs.existsSync(handle)) argv.push(`--mount=${handle}`);
  argv.push('--');
  // not nsenter --wd: it resolves the directory before entering the mount namespace
  if (cwd) argv.push('env', '-C', cwd);
  return argv;
}

/** Run a command in a node and wait for it (never throws on a non-zero exit: look at `code`). */
export function nodeExec(c: LabConfig, node: string, argv: string[], opts: ExecOptions = {}): Promise<RunResult> {
  return run([...enterArgv(c, node, opts.cwd), ...argv], { input: opts.input, timeoutMs: opts.timeoutMs, env: opts.env ? { ...process.env, ...opts.env } as Record<string, string> : undefined });
}

export async function nodeExecOk(c: LabConfig, node: string, argv: string[], opts: ExecOptions = {}): Promise<string> {
  const r = await nodeExec(c, node, argv, opts);
  if (r.code !== 0) throw new Error(`lab: [${node}] ${argv.join(' ')} failed with exit code ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** A name for the state file and the log (`<node>/logs/<name>.log`); default: basename of argv[0]. */
  name?: string;
  /** Host path of the log file instead of `<node>/logs/<name>.log` (appended to). */
  log?: string;
}

/**
 * Start a long-running process (foreground daemon) in a node, detached, output to a log file; the pid is tracked in
 * the state file so down() can stop it. Throws if it exits within `settleMs`.
 */
export async function nodeSpawn(c: LabConfig, node: string, argv: string[], opts: SpawnOptions = {}, settleMs = 150): Promise<TrackedProcess> {
  const name = opts.name ?? path.basename(argv[0]);
  const log = opts.log ?? path.join(nodePaths(c, node).logs, `${name}.log`);
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const fd = fs.openSync(log, 'a', 0o640);
  let exited: string | null = null;
  try {
    const full = [...enterArgv(c, node, opts.cwd), ...argv];
    const child = spawn(full[0], full.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...opts.env } });
    child.on('exit', (code, sig) => (exited = sig ? `killed by ${sig}` : `exited with code ${code}`));
    child.on('error', (e) => (exited = `failed: ${e.message}`));
    child.unref();
    if (child.pid === undefined) throw new Error(`lab: [${node}] cannot start ${argv[0]}`);
    const pid = child.pid;
    await new Promise((r) => setTimeout(r, settleMs));
    const start = startTime(pid);
    if (exited || start === null) {
      const tail = fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
      throw new Error(`lab: [${node}] ${argv.join(' ')} ${exited ?? 'died'} right after starting; ${log}:\n${tail}`);
    }
    const t: TrackedProcess = { node, name, pid, start, log };
    updateState(c, (s) => {
      s.processes = s.processes.filter((p) => !(p.node === node && p.name === name)).concat(t);
    });
    return t;
  } finally {
    fs.closeSync(fd);
  }
}

/** The tracked process `name` on `node` if it is still alive. */
export function tracked(c: LabConfig, node: string, name: string): TrackedProcess | null {
  const p = readState(c)?.processes.find((x) => x.node === node && x.name === name);
  return p && alive(p.pid, p.start) ? p : null;
}

/** Stop a tracked process by its pid (signal, then SIGKILL after graceMs) and forget it. */
export async function nodeStop(c: LabConfig, node: string, name: string, sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<boolean> {
  const p = readState(c)?.processes.find((x) => x.node === node && x.name === name);
  if (!p) return false;
  const was = alive(p.pid, p.start);
  await killPid(p.pid, p.start, graceMs, sig);
  updateState(c, (s) => {
    s.processes = s.processes.filter((x) => x !== p && !(x.node === node && x.name === name));
  });
  return was;
}
