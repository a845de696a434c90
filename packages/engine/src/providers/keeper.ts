/**
 * The supervisor's keeper: one small process per service (`node -e KEEPER_JS SPEC`), detached in its own session
 * and process group, so it outlives the minion (a minion restart or crash never stops what it supervises). It
 * starts the daemon (in the daemon's own session too), writes the pidfile, waits for it, and applies the restart
 * policy like systemd's Restart=/RestartSec=/StartLimitBurst=/StartLimitIntervalSec=:
 *   restart: on-failure (exit code != 0 or killed by a signal) | always | no
 *   restart_sec: delay before a restart; start_limit_burst starts within start_limit_interval, then it gives up
 *   (state `failed`) and exits: a service that dies at once never spins the CPU.
 * When the daemon exits, whatever is left of its process group (an orphaned nginx worker still holding the port)
 * is SIGKILLed first. SIGTERM/SIGINT to the keeper stop the service: the stop signal to the daemon's group,
 * SIGKILL after stop_timeout, pidfile removed, keeper gone. Its state (`<run_dir>/<name>.state.json`) says which
 * pid it runs, how often it restarted, the last exit and the policy; `brine lab status` shows it.
 * Plain JavaScript in a string so it runs the same from the sources (jest) and from dist, with no file to find.
 */
import type { ServiceDef } from './supervisor';

export type RestartPolicy = 'on-failure' | 'always' | 'no';
export const RESTART_POLICIES: readonly RestartPolicy[] = ['on-failure', 'always', 'no'];

export interface KeeperSpec {
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  pidfile: string;
  stateFile: string;
  restart: RestartPolicy;
  restartSecMs: number;
  startLimitBurst: number;
  startLimitIntervalMs: number;
  stopSignal: string;
  stopTimeoutMs: number;
  /** The keeper takes this scheduling priority before it starts the daemon, which inherits it (Nice=). */
  nice?: number;
}

/** What the keeper writes to its state file. */
export interface KeeperState {
  keeper: number;
  /** running | restarting | failed (start limit hit) | exited (not restarted by policy) | stopped */
  state: 'running' | 'restarting' | 'failed' | 'exited' | 'stopped';
  pid: number | null;
  /** Launches so far (1 = the first start). */
  starts: number;
  restarts: number;
  lastExit: string | null;
  reason?: string;
  restart: RestartPolicy;
  restartSecMs: number;
  startLimitBurst: number;
  startLimitIntervalMs: number;
  t: number;
}

export const keeperStateFile = (runDir: string, name: string): string => `${runDir.replace(/\/$/, '')}/${name}.state.json`;

export function keeperSpec(name: string, def: ServiceDef, runDir: string): KeeperSpec {
  return {
    name,
    argv: def.argv,
    env: def.env,
    cwd: def.cwd,
    pidfile: def.pidfile,
    stateFile: keeperStateFile(runDir, name),
    restart: def.restart,
    restartSecMs: def.restartSecMs,
    startLimitBurst: def.startLimitBurst,
    startLimitIntervalMs: def.startLimitIntervalMs,
    stopSignal: def.stopSignal,
    stopTimeoutMs: def.stopTimeoutMs,
    ...(def.nice !== undefined ? { nice: def.nice } : {}),
  };
}

/** argv that runs the keeper for `spec` with this Node. */
export const keeperArgv = (spec: KeeperSpec, node = process.execPath): string[] => [node, '-e', KEEPER_JS, JSON.stringify(spec)];

/** The process title a keeper gives itself (its /proc/PID/cmdline starts with this). */
export const keeperTitle = (name: string): string => `brine-keeper ${name}`;

export const KEEPER_JS = String.raw`
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const spec = JSON.parse(process.argv[1]);
process.title = 'brine-keeper ' + spec.name;
let child = null, stopping = false, starts = [], launches = 0, restarts = 0, lastExit = null, timer = null;
const say = (m) => process.stderr.write(new Date().toISOString() + ' brine-keeper[' + process.pid + '] ' + spec.name + ': ' + m + '\n');
// Nice=: the daemon and every thread it starts inherit the priority of the thread that forks it (this one).
if (typeof spec.nice === 'number') { try { require('os').setPriority(spec.nice); } catch (e) { say('nice ' + spec.nice + ': ' + e.message); } }
function put(file, text) {
  const tmp = file + '.' + process.pid + '.tmp';
  try { fs.writeFileSync(tmp, text, { mode: 0o644 }); fs.renameSync(tmp, file); } catch (e) { say('cannot write ' + file + ': ' + e.message); }
}
function state(st, reason) {
  put(spec.stateFile, JSON.stringify({ keeper: process.pid, state: st, pid: child ? child.pid : null, starts: launches, restarts, lastExit, reason,
    restart: spec.restart, restartSecMs: spec.restartSecMs, startLimitBurst: spec.startLimitBurst, startLimitIntervalMs: spec.startLimitIntervalMs, t: Date.now() }) + '\n');
}
function group(pid, sig) { try { process.kill(-pid, sig); } catch (e) { try { process.kill(pid, sig); } catch (e2) { /* gone */ } } }
function dropPidfile(pid) {
  try { if (fs.readFileSync(spec.pidfile, 'utf8').trim() === String(pid)) fs.unlinkSync(spec.pidfile); } catch (e) { /* none */ }
}
function finish(st, reason) { state(st, reason); process.exit(0); }
function launch() {
  timer = null;
  if (stopping) return finish('stopped');
  const now = Date.now();
  starts = starts.filter((t) => now - t < spec.startLimitIntervalMs);
  if (starts.length >= spec.startLimitBurst) {
    const reason = 'start limit hit: ' + starts.length + ' starts within ' + spec.startLimitIntervalMs / 1000 + ' s (start_limit_burst ' + spec.startLimitBurst + '); last ' + lastExit;
    say(reason + '; giving up');
    return finish('failed', reason);
  }
  starts.push(now);
  if (launches > 0) restarts++;
  launches++;
  let c;
  try {
    c = spawn(spec.argv[0], spec.argv.slice(1), { detached: true, stdio: ['ignore', 'inherit', 'inherit'], cwd: spec.cwd, env: Object.assign({}, process.env, spec.env) });
  } catch (e) {
    return exited(null, 'cannot start ' + spec.argv[0] + ': ' + e.message);
  }
  if (c.pid === undefined) {
    c.once('error', (e) => exited(null, 'cannot start ' + spec.argv[0] + ': ' + e.message));
    return;
  }
  child = c;
  put(spec.pidfile, c.pid + '\n');
  state('running');
  c.once('exit', (code, sig) => exited(c, sig ? 'killed by ' + sig : 'exited with code ' + code, code !== 0 || sig !== null));
}
function exited(c, how, failed = true) {
  if (c) {
    group(c.pid, 'SIGKILL'); // the rest of its process group: an orphan must not keep the port
    dropPidfile(c.pid);
  }
  child = null;
  lastExit = how;
  if (stopping) return finish('stopped');
  const again = spec.restart === 'always' || (spec.restart === 'on-failure' && failed);
  if (!again) { say(how + '; restart: ' + spec.restart + ', not restarting'); return finish('exited'); }
  say(how + '; restarting in ' + spec.restartSecMs + ' ms');
  state('restarting');
  timer = setTimeout(launch, spec.restartSecMs);
}
function stop() {
  if (stopping) return;
  stopping = true;
  if (timer) { clearTimeout(timer); finish('stopped'); }
  if (!child) return finish('stopped');
  const pid = child.pid;
  group(pid, spec.stopSignal);
  setTimeout(() => { say('still running ' + spec.stopTimeoutMs + ' ms after ' + spec.stopSignal + ': SIGKILL'); group(pid, 'SIGKILL'); }, spec.stopTimeoutMs).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', () => {});
process.on('SIGPIPE', () => {});
launch();
`;
