/** cmd.run and friends. Synchronous, so templates can call them (`salt['cmd.run']('hostname')`), like Salt. */
import { spawnSync } from 'child_process';
import { arg, type ExecModule } from './types';
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

export const cmdModule: ExecModule = {
  name: 'cmd',
  functions: {
    run: (args, kwargs) => {
      const r = runAll(cmdOf(args, kwargs), kwargs);
      return r.stderr && r.stdout ? `${r.stdout}\n${r.stderr}` : r.stdout || r.stderr;
    },
    run_stdout: (args, kwargs) => runAll(cmdOf(args, kwargs), kwargs).stdout,
    run_stderr: (args, kwargs) => runAll(cmdOf(args, kwargs), kwargs).stderr,
    run_all: (args, kwargs) => runAll(cmdOf(args, kwargs), kwargs),
    retcode: (args, kwargs) => runAll(cmdOf(args, kwargs), kwargs).retcode,
    shell: (args, kwargs) => runAll(cmdOf(args, kwargs), kwargs).stdout,
  },
};
