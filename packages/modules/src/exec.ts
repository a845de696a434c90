/**
 * Running commands for execution functions: asynchronously (the daemon's event loop keeps turning), in a process
 * group of their own so that a timeout or a cancelled job (ExecEnv.signal) ends the whole command, not just its
 * shell. `runCommandSync` is the blocking twin used only by template-time calls (`salt['cmd.run'](...)` in Jinja).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LocalHostWriter, type ExecOptions, type ExecResult } from '@brine/engine';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** The shell for a string command; false runs the argv directly (Salt's python_shell=False). */
  shell?: string | false;
  runas?: string;
  stdin?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Send the command's stderr into its stdout pipe (Python's stderr=subprocess.STDOUT): one stream, in write order. */
  mergeStderr?: boolean;
  /** Keep the output as written (no trailing newline trimmed): the caller strips it, as Salt's rstrip decides. */
  raw?: boolean;
}

export interface RunResult {
  pid: number;
  retcode: number;
  stdout: string;
  stderr: string;
  /** Set when the command was stopped: its timeout passed, or the job was cancelled. */
  stopped?: 'timeout' | 'cancelled';
}

/** Split a command line as Python's shlex.split does in posix mode (quotes and backslashes). */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let q: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q === "'") {
      if (c === "'") q = null;
      else cur += c;
    } else if (q === '"') {
      if (c === '"') q = null;
      else if (c === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      have = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      have = true;
    } else if (/\s/.test(c)) {
      if (have || cur) out.push(cur);
      cur = '';
      have = false;
    } else cur += c;
  }
  if (q) throw new Error(`No closing quotation in: ${s}`);
  if (have || cur) out.push(cur);
  return out;
}

/** Where PATH finds an executable `name` (a name with a slash is taken as it is), or undefined. */
/** Python's `os.path.isfile(f) and os.access(f, os.X_OK)`. */
export function isExecutableFile(f: string): boolean {
  try {
    fs.accessSync(f, fs.constants.X_OK);
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  return (env['PATH'] ?? '').split(':').map((d) => path.join(d || '.', name)).find(isExecutableFile);
}

/**
 * One pipe for both streams, as Python's Popen(stderr=STDOUT) gives: Node cannot hand a child the same pipe twice,
 * so a shell dups it (`exec "$@" 2>&1`) and then becomes the command (same pid, same process group). A command that
 * cannot be found must still fail to start, as Popen's does, not exit 127 from that shell.
 */
function mergedArgv(argv: string[], env: NodeJS.ProcessEnv): string[] {
  if (!which(argv[0]!, env)) throw Object.assign(new Error(`spawn ${argv[0]} ENOENT`), { code: 'ENOENT' });
  return ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...argv];
}

function argvOf(cmd: string | string[], o: RunOptions, env: NodeJS.ProcessEnv): string[] {
  let argv: string[];
  if (Array.isArray(cmd)) argv = cmd.map(String);
  else if (o.shell === false) argv = shlexSplit(cmd);
  else argv = [o.shell ?? '/bin/sh', '-c', cmd];
  if (!argv.length) throw new Error('cmd: empty command');
  if (o.runas) {
    if (process.getuid?.() !== 0) throw new Error(`cannot run as ${o.runas}: the minion is not running as root`);
    argv = ['runuser', '-u', o.runas, '--', ...argv];
  }
  return o.mergeStderr ? mergedArgv(argv, env) : argv;
}

/** The output as the caller wants it: one trailing newline trimmed unless `raw`. */
const outText = (s: string, o: RunOptions): string => (o.raw ? s : s.replace(/\r?\n$/, ''));

const startError = (cmd: string | string[], e: unknown): Error => new Error(`could not start '${Array.isArray(cmd) ? cmd.join(' ') : cmd}': ${e instanceof Error ? e.message : String(e)}`);

/** Run a command to its end, never throwing on a non-zero exit (only when it cannot start). */
export function runCommand(cmd: string | string[], o: RunOptions = {}): Promise<RunResult> {
  const env = { ...process.env, ...o.env };
  let argv: string[];
  try {
    argv = argvOf(cmd, o, env);
  } catch (e) {
    return Promise.reject(o.mergeStderr && (e as NodeJS.ErrnoException).code === 'ENOENT' ? startError(cmd, e) : e);
  }
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return resolve({ pid: 0, retcode: 1, stdout: '', stderr: '', stopped: 'cancelled' });
    const child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env, detached: true, stdio: [o.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stopped: RunResult['stopped'];
    const killGroup = (why: 'timeout' | 'cancelled') => {
      stopped ??= why;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = o.timeoutMs ? setTimeout(() => killGroup('timeout'), o.timeoutMs) : undefined;
    const onAbort = () => killGroup('cancelled');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (o.stdin !== undefined) {
      child.stdin!.on('error', () => undefined); // a command that does not read its input
      child.stdin!.end(o.stdin);
    }
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      reject(startError(cmd, e));
    });
    child.once('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      const retcode = code ?? (sig ? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGTERM' ? 15 : 1) : 1);
      resolve({ pid: child.pid ?? 0, retcode, stdout: outText(Buffer.concat(out).toString('utf8'), o), stderr: outText(Buffer.concat(err).toString('utf8'), o), ...(stopped ? { stopped } : {}) });
    });
  });
}

/** The blocking twin of runCommand: for template-time calls only (templates cannot wait for a promise). */
export function runCommandSync(cmd: string | string[], o: RunOptions = {}): RunResult {
  const env = { ...process.env, ...o.env };
  let argv: string[];
  try {
    argv = argvOf(cmd, o, env);
  } catch (e) {
    throw o.mergeStderr && (e as NodeJS.ErrnoException).code === 'ENOENT' ? startError(cmd, e) : e;
  }
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: o.cwd, env, encoding: 'utf8', timeout: o.timeoutMs || undefined, killSignal: 'SIGKILL', input: o.stdin });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (r.error && !timedOut) throw startError(cmd, r.error);
  return { pid: r.pid ?? 0, retcode: r.status ?? (r.signal ? 137 : 1), stdout: outText(r.stdout ?? '', o), stderr: outText(r.stderr ?? '', o), ...(timedOut ? { stopped: 'timeout' as const } : {}) };
}

/**
 * A host writer whose commands stop when the job is cancelled: package installs and upgrades run through it, so
 * `saltutil.kill_job` (or a cancelled call) ends apt-get/dnf instead of leaving them running.
 */
export class CancellableWriter extends LocalHostWriter {
  constructor(private readonly signal: AbortSignal | undefined) {
    super();
  }
  override run(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(cmd, opts);
  }
  override probe(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(cmd, opts);
  }
  private async exec(cmd: string | string[], opts: ExecOptions): Promise<ExecResult> {
    if (!this.signal) return super.run(cmd, opts);
    const r = await runCommand(cmd, { cwd: opts.cwd, env: opts.env, shell: opts.shell, runas: opts.runas, stdin: opts.input, timeoutMs: opts.timeoutMs, signal: this.signal });
    if (r.stopped === 'cancelled') throw new Error(`cancelled: ${Array.isArray(cmd) ? cmd.join(' ') : cmd}`);
    return { code: r.stopped === 'timeout' ? 124 : r.retcode, stdout: r.stdout, stderr: r.stderr, pid: r.pid };
  }
}
