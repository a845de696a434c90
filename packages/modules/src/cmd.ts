/**
 * cmd.run and friends (Salt 3006 salt/modules/cmdmod.py). Jobs run commands asynchronously (runCommand: the event
 * loop keeps turning, a cancelled job kills the command's process group); templates get blocking twins of run,
 * run_stdout, run_stderr, run_all, retcode and shell (`templateFunctions`), used by templates only.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RootsSourceClient, parsePasswd } from '@brine/engine';
import { UsageError, errorMessage, isDict, type Dict } from '@brine/core';
import { isExecutableFile, runCommand, runCommandSync, shlexSplit, type RunOptions, type RunResult } from './exec';
import { arg, CallResult, callSaltenv, fileEnvs, truthy, type ExecEnv, type ExecFn, type ExecModule } from './types';

export interface RunAll {
  pid: number;
  retcode: number;
  stdout: string;
  stderr: string;
}

/**
 * Salt's default cwd: `~runas`, or the minion user's home; "/" when that cannot be read (os.access R_OK), e.g.
 * nobody's /nonexistent.
 */
function homeOf(user: string | undefined): string {
  const home = user ? (passwdEntry(user)?.home ?? '/') : os.homedir();
  try {
    fs.accessSync(home, fs.constants.R_OK);
    return home;
  } catch {
    return '/';
  }
}

/**
 * `env=`, as Salt 3006's cmdmod._parse_env reads it: a dict, or a list of dicts (repack_dictlist: str and number
 * items skipped); anything else (a str, even one holding YAML or JSON) is no environment at all, silently, as in
 * Salt: aptly-formula passes `env="[{'HOME': ...}]"` and its command runs with the minion's environment.
 */
function envOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (!isDict(v) && !Array.isArray(v)) return undefined;
  const items = Array.isArray(v) ? v.filter((it) => !['string', 'number'].includes(typeof it)) : [v];
  if (!items.every(isDict)) return undefined;
  const out: Record<string, string> = {};
  for (const it of items) for (const [k, val] of Object.entries(it)) out[k] = val === null ? '' : String(val);
  return out;
}

/** Salt's reset_system_locale (on by default): the C locale for what Salt parses, unless the caller's env sets it. */
const C_LOCALE = Object.fromEntries(
  ['LC_CTYPE', 'LC_NUMERIC', 'LC_TIME', 'LC_COLLATE', 'LC_MONETARY', 'LC_MESSAGES', 'LC_PAPER', 'LC_NAME', 'LC_ADDRESS', 'LC_TELEPHONE', 'LC_MEASUREMENT', 'LC_IDENTIFICATION', 'LANGUAGE'].map((k) => [k, 'C']),
);

/**
 * The run options Salt's cmd functions take: cwd, runas, env, shell, python_shell, stdin, timeout,
 * reset_system_locale. `mergeStderr`: one pipe for both streams (cmd.run, and run_all with redirect_stderr=True).
 * Checked before anything runs, in Salt's order and words: the shell, then the runas user, then cwd.
 */
export function runOptions(kwargs: Dict, env?: ExecEnv, mergeStderr = false): RunOptions {
  const runas = typeof kwargs['runas'] === 'string' && kwargs['runas'] ? kwargs['runas'] : undefined;
  const pythonShell = kwargs['python_shell'] === undefined || kwargs['python_shell'] === null ? true : truthy(kwargs['python_shell']);
  const timeout = Number(kwargs['timeout'] ?? 0);
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`cmd: timeout must be a number of seconds, not '${String(kwargs['timeout'])}'`);
  // Salt's DEFAULT_SHELL is the `shell` grain: $SHELL, or /bin/sh (a daemon started by systemd has no $SHELL).
  const shell = typeof kwargs['shell'] === 'string' && kwargs['shell'] ? kwargs['shell'] : process.env['SHELL'] || '/bin/sh';
  if (!isExecutableFile(shell)) throw new UsageError(`The shell ${shell} is not available`);
  if (runas && !passwdEntry(runas)) throw new UsageError(`User '${runas}' is not available`);
  const cwd = typeof kwargs['cwd'] === 'string' && kwargs['cwd'] ? kwargs['cwd'] : homeOf(runas);
  if (!path.isAbsolute(cwd) || !fs.existsSync(cwd)) throw new UsageError(`Specified cwd '${cwd}' either not absolute or does not exist`);
  const callerEnv = envOf(kwargs['env']);
  const resetLocale = kwargs['reset_system_locale'] === undefined || kwargs['reset_system_locale'] === null || truthy(kwargs['reset_system_locale']);
  return {
    cwd,
    runas,
    env: resetLocale ? { ...C_LOCALE, ...callerEnv } : callerEnv,
    shell: pythonShell ? shell : false,
    stdin: kwargs['stdin'] === undefined || kwargs['stdin'] === null ? undefined : String(kwargs['stdin']),
    timeoutMs: timeout ? timeout * 1000 : undefined,
    signal: env?.signal,
    mergeStderr,
    raw: true,
  };
}

/** A user's /etc/passwd entry (Python's pwd.getpwnam), or undefined. */
function passwdEntry(name: string): { name: string; home: string } | undefined {
  try {
    return parsePasswd(fs.readFileSync('/etc/passwd', 'utf8')).find((u) => u.name === name);
  } catch {
    return undefined;
  }
}

/** Salt's split_input: a list, a comma-separated str, or one value. */
const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : String(v).split(',').map((x) => x.trim()));

/**
 * RunResult in Salt's run_all shape: output rstripped (rstrip=True, Salt's default), an exit status listed in
 * success_retcodes (or output containing a success_stdout/success_stderr string) reads as 0, and a timed-out command
 * reads as Salt's TimedProc says it.
 */
function salted(cmd: string, kwargs: Dict, codes: number[], r: RunResult): RunAll {
  if (r.stopped === 'timeout') return { pid: r.pid, retcode: 1, stdout: `${cmd} : Timed out after ${String(kwargs['timeout'])} seconds`, stderr: '' };
  const rstrip = kwargs['rstrip'] === undefined || kwargs['rstrip'] === null || truthy(kwargs['rstrip']);
  const strip = (s: string): string => (rstrip ? s.replace(/[\s\x1c-\x1f\x85]+$/u, '') : s);
  const stdout = strip(r.stdout);
  const stderr = strip(r.stderr);
  if (r.stopped === 'cancelled') return { pid: r.pid, retcode: 1, stdout, stderr: `${stderr}${stderr ? '\n' : ''}cancelled: the job was killed` };
  const okOutput = listOf(kwargs['success_stdout']).some((x) => stdout.includes(x)) || listOf(kwargs['success_stderr']).some((x) => stderr.includes(x));
  return { pid: r.pid, retcode: codes.includes(r.retcode) || okOutput ? 0 : r.retcode, stdout, stderr };
}

/** success_retcodes as Salt checks it, before the command runs. */
function successCodes(kwargs: Dict): number[] {
  return listOf(kwargs['success_retcodes']).map((c) => {
    if (!/^[-+]?\d+$/.test(c)) throw new UsageError('success_retcodes must be a list of integers');
    return Number(c);
  });
}

/** Run a command as Salt's cmd functions do, asynchronously (for jobs). */
export async function runAll(cmd: string, kwargs: Dict, env?: ExecEnv, mergeStderr = false): Promise<RunAll> {
  const opts = runOptions(kwargs, env, mergeStderr);
  const codes = successCodes(kwargs);
  return salted(cmd, kwargs, codes, await runCommand(cmd, opts));
}

const cmdOf = (args: unknown[], kwargs: Dict): string => {
  const c = arg(args, kwargs, 0, 'cmd', '');
  if (c === '' || c === null || c === undefined) throw new UsageError("cmd: a command is required (cmd.run 'uptime')");
  return Array.isArray(c) ? c.map(String).join(' ') : String(c);
};

/** Success: exit status 0 (after success_retcodes), or ignore_retcode. */
const succeeded = (r: RunAll, kwargs: Dict): boolean => r.retcode === 0 || truthy(kwargs['ignore_retcode'] ?? false);

/**
 * Like Salt: a command that exits non-zero keeps its return (run: the output; run_all: the dict; retcode: the
 * number), is logged as an error with its output (unless output_loglevel=quiet or hide_output), and makes the call
 * an `error` with the command's status as retcode (salt-call exits 1 too); from a template only the value is seen.
 */
function finish(cmd: string, r: RunAll, kwargs: Dict, env: ExecEnv, ret: unknown): unknown {
  if (succeeded(r, kwargs)) return ret;
  env.log.error(`Command '${cmd}' failed with return code: ${r.retcode}`);
  const quiet = String(kwargs['output_loglevel'] ?? '').toLowerCase() === 'quiet' || truthy(kwargs['hide_output'] ?? false);
  if (!quiet && (r.stderr || r.stdout)) env.log.error(`output: ${r.stderr || r.stdout}`);
  return new CallResult(ret, 'error', 'nested', r.retcode);
}

/** What a cmd function returns from the run, and whether its stderr shares stdout's pipe. */
interface Pick {
  pick: (r: RunAll) => unknown;
  merge: (kwargs: Dict) => boolean;
}

function cmdFn({ pick, merge }: Pick): ExecFn {
  return async (args, kwargs, env) => {
    const cmd = cmdOf(args, kwargs);
    const r = await runAll(cmd, kwargs, env, merge(kwargs));
    return finish(cmd, r, kwargs, env, pick(r));
  };
}

/**
 * From a template a cmd function runs without a shell unless python_shell=True (or cmd_safe: False), as Salt's
 * _python_shell_default decides for a call with no jid: the command is split as shlex splits it, so a pipe, `$VAR`
 * or `||` is a literal argument, and a command that does not exist fails the render. cmd.shell forces the shell.
 * A bad shell, runas user or cwd fails with Salt's words before anything runs.
 */
function cmdFnSync({ pick, merge }: Pick): ExecFn {
  return (args, kwargs, env) => {
    const cmd = cmdOf(args, kwargs);
    const unset = kwargs['python_shell'] === undefined || kwargs['python_shell'] === null;
    const kw = unset ? { ...kwargs, python_shell: env.opts?.['cmd_safe'] === false } : kwargs;
    const opts = runOptions(kw, undefined, merge(kw));
    const codes = successCodes(kw);
    let r: RunAll;
    try {
      r = salted(cmd, kw, codes, runCommandSync(cmd, opts));
    } catch (e) {
      if (opts.shell !== false) throw e;
      const argv = shlexSplit(cmd).map((a) => `'${a}'`).join(', ');
      throw new UsageError(`Unable to run command '[${argv}]' without a shell (python_shell=False, as Salt runs a template's cmd.* call): ${/ENOENT/.test(errorMessage(e)) ? 'command not found' : errorMessage(e).replace(/^could not start '.*?': /, '')} (use cmd.shell or python_shell=True for pipes, variables and globs)`);
    }
    return finish(cmd, r, kw, env, pick(r));
  };
}

/** Salt's cmd.run (and cmd.shell) run with stderr=subprocess.STDOUT; run_all only with redirect_stderr=True. */
const always = (): boolean => true;
const never = (): boolean => false;
const picks: Record<string, Pick> = {
  run: { pick: (r) => r.stdout, merge: always },
  run_stdout: { pick: (r) => r.stdout, merge: never },
  run_stderr: { pick: (r) => r.stderr, merge: never },
  run_all: { pick: (r) => r, merge: (kw) => truthy(kw['redirect_stderr'] ?? false) },
  retcode: { pick: (r) => r.retcode, merge: never },
  // cmd.shell is cmd.run with python_shell=True.
  shell: { pick: (r) => r.stdout, merge: always },
};

const forceShell = (f: ExecFn): ExecFn => (args, kwargs, env) => f(args, { ...kwargs, python_shell: true }, env);

async function script(args: unknown[], kwargs: Dict, env: ExecEnv): Promise<unknown> {
  const source = String(arg(args, kwargs, 0, 'source', ''));
  const scriptArgs = arg(args, kwargs, 1, 'args', null);
  if (!source) throw new UsageError('cmd.script: a source is required (salt://path or an absolute path)');
  const got = new RootsSourceClient(fileEnvs(env), callSaltenv(env, kwargs) ?? 'base').fetch([source]);
  if (!got) return new CallResult({ pid: 0, retcode: 1, stdout: '', stderr: '', cache_error: true }, 'error', 'nested', 1);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'brine-script-'));
  const file = path.join(dir, path.basename(source.replace(/[?#].*$/, '')) || 'script');
  try {
    await fs.promises.writeFile(file, got.data, { mode: 0o700 });
    const runas = kwargs['runas'];
    if (typeof runas === 'string' && runas && process.getuid?.() === 0) {
      const u = parsePasswd(await fs.promises.readFile('/etc/passwd', 'utf8')).find((x) => x.name === runas);
      if (!u) throw new UsageError(`cmd.script: user '${runas}' is not available`);
      await fs.promises.chmod(dir, 0o755);
      await fs.promises.chown(file, u.uid, u.gid);
    }
    const argStr = scriptArgs === null ? '' : Array.isArray(scriptArgs) ? scriptArgs.map((a) => `'${String(a).replace(/'/g, "'\\''")}'`).join(' ') : String(scriptArgs);
    const cmd = `'${file}'${argStr ? ' ' + argStr : ''}`;
    // Salt's cmd.script runs in cwd, by default the runas user's home (the minion user's: /root), as cmd.run does.
    const r = await runAll(cmd, { ...kwargs, python_shell: true }, env);
    if (succeeded(r, kwargs)) return r;
    env.log.error(`Script '${source}' failed with return code: ${r.retcode}`);
    return new CallResult(r, 'error', 'nested', r.retcode);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const docs: Record<string, string> = {
  run: "Run a command; its output (stderr merged). cwd, runas, env, shell, python_shell, stdin, timeout, ignore_retcode,\nsuccess_retcodes, output_loglevel. A non-zero exit is logged and the call fails, the output still returned.",
  run_all: "Run a command; {pid, retcode, stdout, stderr}.",
  run_stdout: "Run a command; its stdout.",
  run_stderr: "Run a command; its stderr.",
  retcode: "Run a command; its exit status.",
  shell: "cmd.run through the shell (python_shell=True).",
  script: "Fetch a script (salt:// or a local path) and run it: source, args, cwd, runas, env. Returns run_all's dict.",
};

export const cmdModule: ExecModule = {
  name: 'cmd',
  docs,
  functions: { ...Object.fromEntries(Object.entries(picks).map(([n, p]) => [n, n === 'shell' ? forceShell(cmdFn(p)) : cmdFn(p)])), script },
  templateFunctions: Object.fromEntries(Object.entries(picks).map(([n, p]) => [n, n === 'shell' ? forceShell(cmdFnSync(p)) : cmdFnSync(p)])),
};
