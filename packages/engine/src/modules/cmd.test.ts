import { MemoryLogger } from '@brine/core';
import { cmdModule } from './cmd';
import type { ExecEnv } from './types';

const env = { log: new MemoryLogger() } as unknown as ExecEnv;

it("cmd.run and cmd.shell return stdout with stderr merged (Salt's stderr=subprocess.STDOUT); run_stdout keeps stdout alone", () => {
  const { run, shell, run_stdout } = cmdModule.functions;
  // Salt 3006.1: salt['cmd.shell']('echo out; echo err >&2') is 'out\nerr'.
  expect(shell!(['echo out; echo err >&2'], {}, env)).toBe('out\nerr');
  expect(run!(['echo out; echo err >&2'], {}, env)).toBe('out\nerr');
  expect(run_stdout!(['echo out; echo err >&2'], {}, env)).toBe('out');
});
