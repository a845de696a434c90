/** cmd.run and friends. Synchronous, so templates can call them (`salt['cmd.run']('hostname')`), like Salt. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RootsSourceClient } from '@brine/engine';
import { arg, CallResult, truthy, type ExecFn, type ExecModule } from './types';
import { UsageError, type Dict } from '@brine/core';

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
    script: (args, kwargs, env) => {
      const source = String(arg(args, kwargs, 0, 'source', ''));
      const scriptArgs = arg(args, kwargs, 1, 'args', null);
      if (!source) throw new UsageError('cmd.script: a source is required (salt://path or an absolute path)');
      const got = new RootsSourceClient(env.roots).fetch([source]);
      if (!got) return new CallResult({ pid: 0, retcode: 1, stdout: '', stderr: '', cache_error: true }, 'error', 'nested', 1);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-script-'));
      const file = path.join(dir, path.basename(source.replace(/[?#].*$/, '')) || 'script');
      try {
        fs.writeFileSync(file, got.data, { mode: 0o700 });
        const runas = kwargs['runas'];
        if (typeof runas === 'string' && process.getuid?.() === 0) {
          const r = spawnSync('id', ['-u', runas], { encoding: 'utf8' });
          const g = spawnSync('id', ['-g', runas], { encoding: 'utf8' });
          if (r.status !== 0) throw new UsageError(`cmd.script: user '${runas}' is not available`);
          fs.chmodSync(dir, 0o755);
          fs.chownSync(file, Number(r.stdout), Number(g.stdout));
        }
        const argStr = scriptArgs === null ? '' : Array.isArray(scriptArgs) ? scriptArgs.map((a) => `'${String(a).replace(/'/g, "'\\''")}'`).join(' ') : String(scriptArgs);
        const cmd = `'${file}'${argStr ? ' ' + argStr : ''}`;
        const r = runAll(cmd, { ...kwargs, cwd: kwargs['cwd'] ?? os.tmpdir() });
        if (r.retcode === 0 || truthy(kwargs['ignore_retcode'] ?? false)) return r;
        env.log.error(`Script '${source}' failed with return code: ${r.retcode}`);
        return new CallResult(r, 'error', 'nested', r.retcode);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
};
