import { MemoryLogger } from '@brine/core';
import { cmdModule } from './cmd';
import { CallResult, type ExecEnv } from './types';

const env = { log: new MemoryLogger() } as unknown as ExecEnv;

it("cmd.run and cmd.shell return stdout with stderr merged (Salt's stderr=subprocess.STDOUT); run_stdout keeps stdout alone", () => {
  const { run, shell, run_stdout } = cmdModule.functions;
  // Salt 3006.1: salt['cmd.shell']('echo out; echo err >&2') is 'out\nerr'.
  expect(shell!(['echo out; echo err >&2'], {}, env)).toBe('out\nerr');
  expect(run!(['echo out; echo err >&2'], {}, env)).toBe('out\nerr');
  expect(run_stdout!(['echo out; echo err >&2'], {}, env)).toBe('out');
});

describe('cmd.script', () => {
  const fs = require('fs') as typeof import('fs');
  const os = require('os') as typeof import('os');
  const path = require('path') as typeof import('path');
  const { FileRoots } = require('@brine/core') as typeof import('@brine/core');
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-script-test-'));
    fs.mkdirSync(path.join(tmp, 'roots/scripts'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'roots/scripts/hello.sh'), '#!/bin/sh\necho "hi $1 $2 $GREETING $(pwd)"\nexit ${3:-0}\n');
    fs.writeFileSync(path.join(tmp, 'local.sh'), '#!/bin/sh\necho local\n');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const scriptEnv = () => ({ log: new MemoryLogger(), roots: new FileRoots([path.join(tmp, 'roots')]) }) as unknown as ExecEnv;

  it('runs a salt:// script with args, cwd and env, returning run_all', () => {
    const r = cmdModule.functions.script!(['salt://scripts/hello.sh', 'a "b c"'], { cwd: tmp, env: { GREETING: 'yo' } }, scriptEnv()) as Record<string, unknown>;
    expect(r).toMatchObject({ retcode: 0, stdout: `hi a b c yo ${fs.realpathSync(tmp)}`, stderr: '' });
  });
  it('runs a local script; a failing script is an error with its retcode; a missing source says so', () => {
    expect(cmdModule.functions.script!([path.join(tmp, 'local.sh')], {}, scriptEnv())).toMatchObject({ stdout: 'local' });
    const bad = cmdModule.functions.script!(['salt://scripts/hello.sh'], { args: ['x', 'y', '3'] }, scriptEnv()) as CallResult;
    expect(bad.outcome).toBe('error');
    expect(bad.retcode).toBe(3);
    expect((cmdModule.functions.script!(['salt://nope.sh'], {}, scriptEnv()) as CallResult).ret).toMatchObject({ cache_error: true });
  });
});
