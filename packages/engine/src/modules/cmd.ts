/** cmd.run and friends. Synchronous, so templates can call them (`salt['cmd.run']('hostname')`), like Salt. */
import { spawnSync } from 'child_process';
import { arg, CallResult, truthy, type ExecFn, type ExecModule } from './types';
import type { Dict } from '@brine/core';

export interface RunAll {
  pid: number;
  retcode: number;
  stdout: string;
  stderr: string;
}

export function runAll(cmd: string, kwargs: Dict): RunAll {
  const shell = typeof kwargs['shell'] === 'string' ? kwargs['shell'] : '/bin/sh';
  const env = { ...process.env, ...(kwargs['env'] as Record<string, string> | undefined) };
  let argv = [shell, '-c', cmd];
  if (typeof kwargs['runas'] === 'string' && process.getuid?.() === 0) argv = ['runuser', '-u', kwargs['runas'], '--', ...argv];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: kwargs['cwd'] as string | undefined, env, encoding: 'utf8', timeout: Number(kwargs['timeout'] ?? 0) * 1000 || undefined, input: kwargs['stdin'] as string | undefined });
  if (r.error) throw new Error(`cmd.run: could not start '${cmd}': ${r.error.message}`);
  return { pid: r.pid ?? 0, retcode: r.status ?? 1, stdout: (r.stdout ?? '').replace(/\n$/, ''), stderr: (r.stderr ?? '').replace(/\n$/, '') };
}

const cmdOf = (args: unknown[], kwargs: Dict): string => String(arg(args, kwargs, 0, 'cmd', ''));

/**
 * Like Salt: a command that exits non-zero is logged as an error and makes the call an `error` (salt-call exits 1),
 * while the return keeps its usual shape (from a template, only the value is seen).
 */
function cmdFn(pick: (r: RunAll) => unknown): ExecFn {
  return (args, kwargs, env) => {
    const cmd = cmdOf(args, kwargs);
    const r = runAll(cmd, kwargs);
    const ret = pick(r);
    if (r.retcode === 0 || truthy(kwargs['ignore_retcode'] ?? false)) return ret;
    env.log.error(`Command '${cmd}' failed with return code: ${r.retcode}`);
    if (r.stderr || r.stdout) env.log.error(`output: ${r.stderr || r.stdout}`);
    return new CallResult(ret, 'error', 'nested', r.retcode);
  };
}

/** cmd.run's output: Salt runs the command with stderr=subprocess.STDOUT. */
const merged = (r: RunAll): string => (r.stderr && r.stdout ? `${r.stdout}\n${r.stderr}` : r.stdout || r.stderr);

export const cmdModule: ExecModule = {
  name: 'cmd',
  functions: {
    run: cmdFn(merged),
    run_stdout: cmdFn((r) => r.stdout),
    run_stderr: cmdFn((r) => r.stderr),
    run_all: cmdFn((r) => r),
    retcode: cmdFn((r) => r.retcode),
    // cmd.shell is cmd.run with python_shell=True: stderr is merged into the output too.
    shell: cmdFn(merged),
  },
};
