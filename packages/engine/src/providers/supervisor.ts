/**
 * A small supervisor for hosts without systemd (containers, network namespaces, CI).
 * A service is `<servicesDir>/<name>.yaml`:
 *   command: [/usr/sbin/nginx, -g, daemon off;]   # or a string, run as `/bin/sh -c "exec <string>"`
 *   pidfile: /run/brine/services/nginx.pid        # default <runDir>/<name>.pid
 *   env: {KEY: value}
 *   cwd: /
 *   reload_signal: SIGHUP                         # or reload_command: "nginx -s reload"
 *   stop_signal: SIGTERM
 *   stop_timeout: 10                              # seconds, then SIGKILL
 *   ready: {tcp: "127.0.0.1:80", timeout: 10}     # or {file: /run/x.sock}
 *   restart: on-failure                           # or always, no (like systemd's Restart=)
 *   restart_sec: 0.1                              # seconds before a restart (RestartSec=)
 *   start_limit_burst: 5                          # at most 5 starts ...
 *   start_limit_interval: 10                      # ... within 10 s, then give up (StartLimitBurst/IntervalSec=)
 *   nice: -10                                     # scheduling priority, -20..19 (Nice=): a latency-critical daemon
 * Enabled = the marker `<servicesDir>/<name>.enabled` exists. Output goes to `<runDir>/<name>.log`.
 * Every service runs under its own keeper (keeper.ts: a small process in its own session that restarts it per
 * the policy and outlives the minion); the keeper's pid is in `<runDir>/<name>.keeper.pid`, its state in
 * `<runDir>/<name>.state.json`. Status reads files through the HostReader; start/stop signal and spawn processes
 * directly (only ever with a HostWriter in hand, so never in test mode).
 * A `tcp:` ready check counts only a LISTEN socket owned by the daemon's own process tree (sockets.ts): an
 * orphan holding the port is reported with its pid and the start fails.
 */
import { spawn } from 'child_process';
import { existsSync, openSync, closeSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { isDict } from '@brine/core';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import type { HostReader, HostWriter, ServiceProvider, ServiceStatus } from '../types';
import { keeperArgv, keeperSpec, keeperStateFile, keeperTitle, RESTART_POLICIES, type KeeperState, type RestartPolicy } from './keeper';
import { describePid, whoListens } from './sockets';

export interface SupervisorOptions {
  servicesDir?: string;
  runDir?: string;
  /** How long a fresh process must survive before start() believes it (ms). */
  settleMs?: number;
}

export interface ServiceDef {
  argv: string[];
  pidfile: string;
  env: Record<string, string>;
  cwd?: string;
  reloadSignal: NodeJS.Signals;
  reloadCommand?: string;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  ready?: { tcp?: { host: string; port: number }; file?: string; timeoutMs: number };
  restart: RestartPolicy;
  restartSecMs: number;
  startLimitBurst: number;
  startLimitIntervalMs: number;
  /** Scheduling priority (-20..19), as systemd's Nice=; undefined leaves the keeper's. */
  nice?: number;
}

/** The defaults of a definition without restart keys (systemd's RestartSec and start limit; on-failure, not no). */
export const RESTART_DEFAULTS = { restart: 'on-failure' as RestartPolicy, restartSec: 0.1, startLimitBurst: 5, startLimitInterval: 10 };

export const DEFAULT_SERVICES_DIR = '/etc/brine/services.d';
export const DEFAULT_RUN_DIR = '/run/brine/services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signal(file: string, field: string, v: unknown, dflt: NodeJS.Signals): NodeJS.Signals {
  if (v === undefined || v === null) return dflt;
  const s = String(v).toUpperCase();
  const sig = (s.startsWith('SIG') ? s : `SIG${s}`) as NodeJS.Signals;
  if (!(sig in os.constants.signals)) throw new Error(`${file}: ${field}: unknown signal ${JSON.stringify(v)}`);
  return sig;
}

/** A change of any of these needs a new daemon (and keeper): a reload signal cannot apply it. */
const launchSignature = (def: ServiceDef): string =>
  JSON.stringify({ argv: def.argv, env: def.env, cwd: def.cwd ?? null, nice: def.nice ?? null, restart: [def.restart, def.restartSecMs, def.startLimitBurst, def.startLimitIntervalMs] });

/** Parse a service definition (YAML text). */
export function parseServiceDef(file: string, text: string, name: string, runDir: string): ServiceDef {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) throw new Error(`${file}: invalid YAML: ${doc.errors[0]!.message}`);
  const d: unknown = doc.toJS();
  if (!isDict(d)) throw new Error(`${file}: expected a mapping with at least command:`);
  // file:line of a top-level key's value, for errors about it
  const at = (key: string): string => {
    if (!isMap(doc.contents)) return file;
    const item = doc.contents.items.find((i) => isScalar(i.key) && i.key.value === key);
    const range = (item?.value as { range?: [number, number, number] } | null)?.range ?? (item?.key as { range?: [number, number, number] } | null)?.range;
    return range ? `${file}:${lc.linePos(range[0]).line}` : file;
  };
  const seconds = (key: string, dflt: number, min = 0): number => {
    const v = d[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`${at(key)}: ${key}: expected seconds (a number >= ${min}), got ${JSON.stringify(v)}`);
    return v;
  };
  const rawPolicy = d['restart'] === false ? 'no' : (d['restart'] ?? RESTART_DEFAULTS.restart);
  if (!RESTART_POLICIES.includes(rawPolicy as RestartPolicy)) {
    throw new Error(`${at('restart')}: restart: unknown restart policy ${JSON.stringify(rawPolicy)} (on-failure, always or no)`);
  }
  const burst = d['start_limit_burst'] ?? RESTART_DEFAULTS.startLimitBurst;
  if (!Number.isInteger(burst) || (burst as number) < 1) throw new Error(`${at('start_limit_burst')}: start_limit_burst: expected a whole number >= 1, got ${JSON.stringify(burst)}`);
  const cmd = d['command'];
  let argv: string[];
  if (typeof cmd === 'string' && cmd.trim()) argv = ['/bin/sh', '-c', `exec ${cmd}`];
  else if (Array.isArray(cmd) && cmd.length && cmd.every((x) => typeof x === 'string' || typeof x === 'number')) argv = cmd.map(String);
  else throw new Error(`${file}: command: expected a string or a non-empty list of strings`);
  const env: Record<string, string> = {};
  if (d['env'] !== undefined) {
    if (!isDict(d['env'])) throw new Error(`${file}: env: expected a mapping`);
    for (const [k, v] of Object.entries(d['env'])) env[k] = String(v ?? '');
  }
  const timeout = d['stop_timeout'] ?? 10;
  if (typeof timeout !== 'number' || timeout < 0) throw new Error(`${file}: stop_timeout: expected seconds`);
  let ready: ServiceDef['ready'];
  if (d['ready'] !== undefined) {
    const r = d['ready'];
    if (!isDict(r)) throw new Error(`${file}: ready: expected {tcp: host:port} or {file: path}`);
    const t = r['timeout'] ?? 10;
    if (typeof t !== 'number') throw new Error(`${file}: ready.timeout: expected seconds`);
    ready = { timeoutMs: t * 1000 };
    if (typeof r['tcp'] === 'string') {
      const m = /^(.*):(\d+)$/.exec(r['tcp']);
      if (!m) throw new Error(`${file}: ready.tcp: expected host:port`);
      ready.tcp = { host: m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
    } else if (typeof r['file'] === 'string') ready.file = r['file'];
    else throw new Error(`${file}: ready: expected {tcp: host:port} or {file: path}`);
  }
  return {
    argv,
    pidfile: typeof d['pidfile'] === 'string' ? d['pidfile'] : path.join(runDir, `${name}.pid`),
    env,
    cwd: typeof d['cwd'] === 'string' ? d['cwd'] : undefined,
    reloadSignal: signal(file, 'reload_signal', d['reload_signal'], 'SIGHUP'),
    reloadCommand: typeof d['reload_command'] === 'string' ? d['reload_command'] : undefined,
    stopSignal: signal(file, 'stop_signal', d['stop_signal'], 'SIGTERM'),
    stopTimeoutMs: timeout * 1000,
    ready,
    restart: rawPolicy as RestartPolicy,
    restartSecMs: Math.round(seconds('restart_sec', RESTART_DEFAULTS.restartSec) * 1000),
    startLimitBurst: burst as number,
    startLimitIntervalMs: Math.round(seconds('start_limit_interval', RESTART_DEFAULTS.startLimitInterval, 0.001) * 1000),
    nice: niceOf(at('nice'), d['nice']),
  };
}

function niceOf(where: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -20 || v > 19) throw new Error(`${where}: nice: expected an integer from -20 to 19, got ${JSON.stringify(v)}`);
  return v;
}

/** The program whose basename must match /proc/<pid>/cmdline's argv[0], /proc/<pid>/exe or /proc/<pid>/comm. */
export function expectedProgram(def: ServiceDef): string {
  if (def.argv[0] === '/bin/sh' && def.argv[1] === '-c' && def.argv[2]?.startsWith('exec ')) {
    return path.basename(def.argv[2].slice(5).trim().split(/\s+/)[0]);
  }
  return path.basename(def.argv[0]);
}

/**
 * Is the process running `prog` (a basename)? True when the basename of argv[0], of /proc/PID/exe (the link
 * target, without a " (deleted)" suffix after an upgrade) or the comm (at most 15 characters) matches.
 */
export function programMatches(prog: string, p: { argv0?: string | null; exe?: string | null; comm?: string | null }): boolean {
  if (!prog) return false;
  if (p.argv0 && path.basename(p.argv0) === prog) return true;
  if (p.exe && path.basename(p.exe.replace(/ \(deleted\)$/, '')) === prog) return true;
  const comm = p.comm?.replace(/\n$/, '');
  return Boolean(comm) && comm === prog.slice(0, 15);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return true;
}

function kill(pid: number, sig: NodeJS.Signals): void {
  // The daemon leads its own session/process group (detached): signal the whole group, fall back to the pid.
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

export class SupervisorServiceProvider implements ServiceProvider {
  readonly name = 'supervisor';
  readonly servicesDir: string;
  readonly runDir: string;
  private readonly settleMs: number;

  constructor(opts: SupervisorOptions = {}) {
    this.servicesDir = opts.servicesDir ?? DEFAULT_SERVICES_DIR;
    this.runDir = opts.runDir ?? DEFAULT_RUN_DIR;
    this.settleMs = opts.settleMs ?? 150;
  }

  defFile(name: string): string {
    return path.join(this.servicesDir, `${name}.yaml`);
  }
  private marker(name: string): string {
    return path.join(this.servicesDir, `${name}.enabled`);
  }
  logFile(name: string): string {
    return path.join(this.runDir, `${name}.log`);
  }
  /** What the running daemon was started with (command, env, cwd), to tell whether a reload can apply a new definition. */
  private launchFile(name: string): string {
    return path.join(this.runDir, `${name}.launch`);
  }

  existsSync(name: string): boolean {
    return existsSync(this.defFile(name));
  }

  async definition(name: string, host: HostReader): Promise<ServiceDef | null> {
    const text = await host.readFile(this.defFile(name));
    return text && parseServiceDef(this.defFile(name), text.toString('utf8'), name, this.runDir);
  }

  private async need(name: string, host: HostReader): Promise<ServiceDef> {
    const def = await this.definition(name, host);
    if (!def) throw new Error(`Service ${name} is not defined (no ${this.defFile(name)})`);
    return def;
  }

  /** The pid of the running daemon, or null (stale pidfile, dead process, zombie, or a reused pid). */
  async pid(name: string, host: HostReader, def?: ServiceDef | null): Promise<number | null> {
    def ??= await this.definition(name, host);
    if (!def) return null;
    const raw = (await host.readFile(def.pidfile))?.toString('utf8').trim();
    if (!raw || !/^\d+$/.test(raw)) return null;
    const pid = Number(raw);
    if (!alive(pid)) return null;
    const stat = (await host.readFile(`/proc/${pid}/stat`))?.toString('utf8');
    if (!stat || /\) Z /.test(stat)) return null;
    const argv0 = (await host.readFile(`/proc/${pid}/cmdline`))?.toString('utf8').split('\0')[0] ?? '';
    const prog = expectedProgram(def);
    if (path.basename(argv0) === prog) return pid;
    // A daemon may rewrite its command line (nginx: "nginx: master process ..."): fall back to the executable
    // and to the kernel's comm.
    const exe = await host.readlink(`/proc/${pid}/exe`);
    const comm = (await host.readFile(`/proc/${pid}/comm`))?.toString('utf8');
    return programMatches(prog, { argv0, exe, comm }) ? pid : null;
  }

  async status(name: string, host: HostReader): Promise<ServiceStatus> {
    const def = await this.definition(name, host);
    return {
      exists: def !== null,
      running: def !== null && (await this.pid(name, host, def)) !== null,
      enabled: (await host.lstat(this.marker(name))) !== null,
    };
  }

  private async logTail(name: string, host: HostReader): Promise<string> {
    const log = (await host.readFile(this.logFile(name)))?.toString('utf8') ?? '';
    const tail = log.trimEnd().split('\n').slice(-15).join('\n');
    return tail ? `; last lines of ${this.logFile(name)}:\n${tail}` : '';
  }

  private keeperPidfile(name: string): string {
    return path.join(this.runDir, `${name}.keeper.pid`);
  }

  /** What the service's keeper last wrote (pid, state, restarts, last exit, policy), or null. */
  async keeperState(name: string, host: HostReader): Promise<KeeperState | null> {
    const text = (await host.readFile(keeperStateFile(this.runDir, name)))?.toString('utf8');
    if (!text) return null;
    try {
      return JSON.parse(text) as KeeperState;
    } catch {
      return null;
    }
  }

  /** The pid of the service's live keeper (its process title is `brine-keeper NAME`), or null. */
  async keeperPid(name: string, host: HostReader): Promise<number | null> {
    const raw = (await host.readFile(this.keeperPidfile(name)))?.toString('utf8').trim();
    if (!raw || !/^\d+$/.test(raw)) return null;
    const pid = Number(raw);
    if (!alive(pid) || (await isZombie(pid, host))) return null;
    const cmd = (await host.readFile(`/proc/${pid}/cmdline`))?.toString('utf8') ?? '';
    return cmd.startsWith(keeperTitle(name)) ? pid : null;
  }

  async start(name: string, host: HostWriter): Promise<void> {
    const def = await this.need(name, host);
    if ((await this.pid(name, host, def)) !== null) return;
    // A keeper between two restarts: let it finish its restart rather than start a second one.
    const live = await this.keeperPid(name, host);
    if (live !== null) {
      const until = Date.now() + def.restartSecMs + 3000;
      while (Date.now() < until && (await this.keeperPid(name, host)) !== null && (await this.pid(name, host, def)) === null) await sleep(50);
      const pid = await this.pid(name, host, def);
      if (pid !== null) return this.confirm(name, def, host, pid);
      await this.stopKeeper(name, host, def);
    }
    const prev = await this.keeperState(name, host);
    if (prev?.state === 'failed' && Date.now() - prev.t < def.startLimitIntervalMs) {
      throw new Error(`Service ${name} is failed: ${prev.reason ?? 'start limit hit'}; not starting it again within start_limit_interval (${def.startLimitIntervalMs / 1000} s)${await this.logTail(name, host)}`);
    }
    await host.mkdir(this.runDir, { recursive: true, mode: 0o755 });
    if (!(await host.stat(path.dirname(def.pidfile)))) await host.mkdir(path.dirname(def.pidfile), { recursive: true });
    await host.remove(keeperStateFile(this.runDir, name));
    const fd = openSync(this.logFile(name), 'a', 0o640);
    let spawnError: Error | null = null;
    let keeper: number;
    try {
      // The keeper leads its own session (detached), so a minion restart, crash or `systemctl restart` with
      // KillMode=process never reaches it or the daemon it runs.
      const argv = keeperArgv(keeperSpec(name, def, this.runDir));
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: process.env });
      child.on('error', (e) => (spawnError = e));
      child.unref();
      if (child.pid === undefined) {
        await sleep(10);
        throw new Error(`Service ${name}: cannot start its keeper: ${(spawnError as Error | null)?.message ?? 'spawn failed'}`);
      }
      keeper = child.pid;
      await host.writeFileAtomic(this.keeperPidfile(name), `${keeper}\n`, { mode: 0o644 });
      await host.writeFileAtomic(this.launchFile(name), launchSignature(def), { mode: 0o644 });
    } finally {
      closeSync(fd);
    }
    // the keeper's first launch
    const until = Date.now() + 15000;
    let st: KeeperState | null = null;
    for (;;) {
      st = await this.keeperState(name, host);
      if (st && st.keeper === keeper && (st.pid !== null || st.state !== 'running')) break;
      if (!alive(keeper) || (await isZombie(keeper, host)) || Date.now() > until) break;
      await sleep(20);
    }
    const pid = st?.keeper === keeper ? st.pid : null;
    if (pid === null) {
      await this.stopKeeper(name, host, def);
      throw new Error(`Service ${name} ${st?.lastExit ?? 'did not start'} right after starting${await this.logTail(name, host)}`);
    }
    await this.confirm(name, def, host, pid);
  }

  /** The daemon `pid` survives its settle time, passes the ready check, and is still that pid afterwards. */
  private async confirm(name: string, def: ServiceDef, host: HostWriter, pid: number): Promise<void> {
    await sleep(this.settleMs);
    await this.still(name, def, host, pid, 'right after starting');
    if (!def.ready) return;
    await this.waitReady(name, def, host, pid);
    await sleep(Math.min(this.settleMs, 100));
    await this.still(name, def, host, pid, 'right after it was ready');
  }

  private async still(name: string, def: ServiceDef, host: HostWriter, pid: number, when: string, extra = ''): Promise<void> {
    if ((await this.pid(name, host, def)) === pid) return;
    // the keeper notes the exit (and how) when it reaps the daemon: give it a moment, so the error can say how it ended
    let st = await this.keeperState(name, host);
    for (let i = 0; i < 20 && st?.pid === pid && st.state === 'running'; i++) {
      await sleep(50);
      st = await this.keeperState(name, host);
    }
    await this.stopKeeper(name, host, def);
    throw new Error(`Service ${name} ${st?.lastExit ?? 'died'} ${when} (pid ${pid})${extra}${await this.logTail(name, host)}`);
  }

  private async waitReady(name: string, def: ServiceDef, host: HostWriter, pid: number): Promise<void> {
    const r = def.ready!;
    const deadline = Date.now() + r.timeoutMs;
    const procNet = r.tcp !== undefined && process.platform === 'linux' && (await host.lstat('/proc/net/tcp')) !== null;
    let foreign: number[] = [];
    const held = () => (foreign.length ? `; port ${r.tcp!.port} is held by ${foreign.map((p) => describePid(p)).join(', ')}, not by service ${name} (pid ${pid}) or its children` : '');
    for (;;) {
      if (r.file && (await host.lstat(r.file))) return;
      if (r.tcp) {
        if (procNet) {
          const who = whoListens(r.tcp.port, pid);
          if (who.ours) return;
          foreign = who.foreign;
        } else if (await tcpOpen(r.tcp.host, r.tcp.port)) return;
      }
      await this.still(name, def, host, pid, 'before it was ready', held());
      if (Date.now() > deadline) {
        await this.stop(name, host);
        const what = r.file ? `file ${r.file}` : `tcp ${r.tcp!.host}:${r.tcp!.port}`;
        throw new Error(`Service ${name} was not ready (${what}) within ${r.timeoutMs / 1000}s${held()}; stopped it${await this.logTail(name, host)}`);
      }
      await sleep(100);
    }
  }

  /** SIGTERM the keeper (it stops the daemon with the stop signal, SIGKILL after stop_timeout) and wait for it. */
  private async stopKeeper(name: string, host: HostWriter, def: ServiceDef): Promise<void> {
    const k = await this.keeperPid(name, host);
    if (k !== null) {
      try {
        process.kill(k, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + def.stopTimeoutMs + 3000;
      while (alive(k) && !(await isZombie(k, host)) && Date.now() < deadline) await sleep(25);
      if (alive(k) && !(await isZombie(k, host))) kill(k, 'SIGKILL');
    }
    await host.remove(this.keeperPidfile(name));
  }

  async stop(name: string, host: HostWriter): Promise<void> {
    const def = await this.need(name, host);
    await this.stopKeeper(name, host, def);
    // a daemon without a keeper (started by an older Brine, or its keeper was killed): stop it directly
    const pid = await this.pid(name, host, def);
    if (pid !== null) {
      kill(pid, def.stopSignal);
      const deadline = Date.now() + def.stopTimeoutMs;
      while (alive(pid) && !(await isZombie(pid, host)) && Date.now() < deadline) await sleep(50);
      if (alive(pid) && !(await isZombie(pid, host))) {
        kill(pid, 'SIGKILL');
        const hard = Date.now() + 5000;
        while (alive(pid) && !(await isZombie(pid, host)) && Date.now() < hard) await sleep(50);
      }
    }
    await host.remove(def.pidfile);
  }

  async restart(name: string, host: HostWriter): Promise<void> {
    await this.stop(name, host);
    await this.start(name, host);
  }

  async reload(name: string, host: HostWriter): Promise<void> {
    const def = await this.need(name, host);
    const pid = await this.pid(name, host, def);
    if (pid === null) throw new Error(`Service ${name} is not running; cannot reload it`);
    // A signal cannot give a daemon a new command line or environment: a changed definition means a restart.
    const launched = (await host.readFile(this.launchFile(name)))?.toString('utf8');
    if (launched !== undefined && launched !== launchSignature(def)) return this.restart(name, host);
    if (def.reloadCommand) {
      const r = await host.run(def.reloadCommand, { env: { ...def.env, MAINPID: String(pid) }, cwd: def.cwd });
      if (r.code !== 0) throw new Error(`Service ${name}: reload_command failed with exit code ${r.code}: ${(r.stderr || r.stdout).trim()}`);
      return;
    }
    process.kill(pid, def.reloadSignal);
  }

  async enable(name: string, host: HostWriter): Promise<void> {
    await this.need(name, host);
    await host.writeFileAtomic(this.marker(name), '', { mode: 0o644 });
  }

  async disable(name: string, host: HostWriter): Promise<void> {
    await host.remove(this.marker(name));
  }
}

async function isZombie(pid: number, host: HostReader): Promise<boolean> {
  const stat = (await host.readFile(`/proc/${pid}/stat`))?.toString('utf8');
  return !stat || /\) Z /.test(stat);
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
