import { MemoryLogger } from '@brine/core';
import { cmdModule } from './cmd';
import { CallResult, type ExecEnv } from './types';

const env = { log: new MemoryLogger() } as unknown as ExecEnv;

it("cmd.run and cmd.shell return stdout with stderr merged (Salt's stderr=subprocess.STDOUT); run_stdout keeps stdout alone", async () => {
  const { run, shell, run_stdout } = cmdModule.functions;
  // Salt 3006.1: salt['cmd.shell']('echo out; echo err >&2') is 'out\nerr'.
  expect(await shell!(['echo out; echo err >&2'], {}, env)).toBe('out\nerr');
  expect(await run!(['echo out; echo err >&2'], {}, env)).toBe('out\nerr');
  expect(await run_stdout!(['echo out; echo err >&2'], {}, env)).toBe('out');
  // One pipe: the streams interleave in the order the command wrote them (Salt 3006.1: 'e1\no1\ne2').
  expect(await run!(['echo e1 >&2; echo o1; echo e2 >&2'], {}, env)).toBe('e1\no1\ne2');
  const all = (r: unknown) => (r instanceof CallResult ? r.ret : r) as { stdout: string; stderr: string };
  expect(all(await run!(['ls /nonexistent-brine-dir /'], { python_shell: false }, env))).toMatch(/^ls: cannot access '\/nonexistent-brine-dir'/);
  // run_all keeps them apart unless redirect_stderr=True
  expect(all(await cmdModule.functions.run_all!(['echo e1 >&2; echo o1'], {}, env))).toMatchObject({ stdout: 'o1', stderr: 'e1' });
  expect(all(await cmdModule.functions.run_all!(['echo e1 >&2; echo o1'], { redirect_stderr: true }, env))).toMatchObject({ stdout: 'e1\no1', stderr: '' });
  // a command that cannot be found still fails to start (Popen's OSError), merged or not
  await expect(run!(['nonexistent-cmd-xyz'], { python_shell: false }, env)).rejects.toThrow(/could not start 'nonexistent-cmd-xyz'.*ENOENT/);
});

it("output is rstripped as Salt's rstrip=True does (all trailing whitespace); rstrip=False keeps it", async () => {
  const { run, run_all } = cmdModule.functions;
  expect(await run!(["printf 'a  \\n\\n\\t\\n'"], {}, env)).toBe('a');
  expect(await run!(["printf 'a  \\n\\n'"], { rstrip: false }, env)).toBe('a  \n\n');
  expect(await run_all!(["printf 'o \\n'; printf 'e\\n\\n' >&2"], {}, env)).toMatchObject({ stdout: 'o', stderr: 'e' });
});

it("Salt's checks before running: the shell, the runas user, success_retcodes; the C locale unless env sets it", async () => {
  const { run, retcode, run_all } = cmdModule.functions;
  await expect(run!(['true'], { shell: '/bin/no-such-shell' }, env)).rejects.toThrow('The shell /bin/no-such-shell is not available');
  await expect(run!(['true'], { runas: 'no-such-user-brine' }, env)).rejects.toThrow("User 'no-such-user-brine' is not available");
  await expect(run!(['true'], { success_retcodes: 'x' }, env)).rejects.toThrow('success_retcodes must be a list of integers');
  // a listed status reads as 0 (Salt's _run rewrites ret['retcode']); so does success_stdout's text
  expect(await retcode!(['exit 3'], { success_retcodes: '2,3' }, env)).toBe(0);
  expect(await run_all!(['echo done; exit 5'], { success_stdout: 'done' }, env)).toMatchObject({ retcode: 0, stdout: 'done' });
  expect(await run!(['echo $LC_MESSAGES $LANGUAGE'], {}, env)).toBe('C C');
  // Salt's default shell is the `shell` grain: $SHELL, else /bin/sh
  const saved = process.env['SHELL'];
  try {
    process.env['SHELL'] = '/bin/bash';
    expect(await run!(['echo ${BASH_VERSION:+bash}'], {}, env)).toBe('bash');
    delete process.env['SHELL'];
    expect(await run!(['echo ${BASH_VERSION:+bash}'], {}, env)).toBe('');
  } finally {
    if (saved === undefined) delete process.env['SHELL'];
    else process.env['SHELL'] = saved;
  }
  expect(await run!(['echo $LC_MESSAGES'], { env: { LC_MESSAGES: 'fr_FR.UTF-8' } }, env)).toBe('fr_FR.UTF-8');
  expect(await run!(['echo "[$LC_MESSAGES]"'], { reset_system_locale: false, env: { LC_MESSAGES: '' } }, env)).toBe('[]');
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

  it('runs a salt:// script with args, cwd and env, returning run_all', async () => {
    const r = await cmdModule.functions.script!(['salt://scripts/hello.sh', 'a "b c"'], { cwd: tmp, env: { GREETING: 'yo' } }, scriptEnv()) as Record<string, unknown>;
    expect(r).toMatchObject({ retcode: 0, stdout: `hi a b c yo ${fs.realpathSync(tmp)}`, stderr: '' });
  });
  it("runs in the minion user's home without cwd (Salt: ~runas), not in the temp dir", async () => {
    const r = (await cmdModule.functions.script!(['salt://scripts/hello.sh'], {}, scriptEnv())) as Record<string, unknown>;
    expect(fs.realpathSync(os.homedir())).not.toBe(fs.realpathSync(os.tmpdir()));
    expect(r["stdout"]).toBe(`hi    ${fs.realpathSync(os.homedir())}`); // no args, no GREETING
  });
  it('runs a local script; a failing script is an error with its retcode; a missing source says so', async () => {
    expect(await cmdModule.functions.script!([path.join(tmp, 'local.sh')], {}, scriptEnv())).toMatchObject({ stdout: 'local' });
    const bad = (await cmdModule.functions.script!(['salt://scripts/hello.sh'], { args: ['x', 'y', '3'] }, scriptEnv())) as CallResult;
    expect(bad.outcome).toBe('error');
    expect(bad.retcode).toBe(3);
    expect(((await cmdModule.functions.script!(['salt://nope.sh'], {}, scriptEnv())) as CallResult).ret).toMatchObject({ cache_error: true });
  });
});

describe("cmd.run's Salt semantics", () => {
  const fs = require('fs') as typeof import('fs');
  const os = require('os') as typeof import('os');
  const path = require('path') as typeof import('path');
  const call = async (fun: string, args: unknown[], kwargs: Record<string, unknown> = {}, e: ExecEnv = env) => cmdModule.functions[fun]!(args, kwargs, e);

  it('a failing command: run keeps its output, the call is an error with the exit status, and it is logged', async () => {
    const log = new MemoryLogger();
    const r = (await call('run', ['echo a; exit 3'], {}, { log } as unknown as ExecEnv)) as CallResult;
    expect(r).toBeInstanceOf(CallResult);
    expect([r.ret, r.outcome, r.retcode]).toEqual(['a', 'error', 3]);
    expect(log.lines.map((l) => l.msg)).toEqual(["Command 'echo a; exit 3' failed with return code: 3", 'output: a']);
    // ignore_retcode and success_retcodes make it a success; output_loglevel=quiet keeps the output out of the log
    expect(await call('run', ['echo a; exit 3'], { ignore_retcode: true })).toBe('a');
    expect(await call('retcode', ['exit 3'], { success_retcodes: [3] })).toBe(0);
    const quiet = new MemoryLogger();
    await call('run', ['echo $((6*7)); exit 1'], { output_loglevel: 'quiet' }, { log: quiet } as unknown as ExecEnv);
    expect(quiet.lines.map((l) => l.msg)).toEqual(["Command 'echo $((6*7)); exit 1' failed with return code: 1"]);
  });

  it("run_all's dict, retcode, run_stderr; cwd, env (dict or Salt's list of dicts), stdin, shell", async () => {
    const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cmd-')));
    try {
      const all = (await call('run_all', ['echo o; echo e >&2; exit 2'])) as CallResult;
      expect(all.ret).toMatchObject({ retcode: 2, stdout: 'o', stderr: 'e' });
      expect((all.ret as { pid: number }).pid).toBeGreaterThan(0);
      expect(await call('run_stderr', ['echo e >&2'])).toBe('e');
      expect(await call('run', ['pwd; echo $A$B'], { cwd: tmp, env: [{ A: 'x' }, { B: 'y' }] })).toBe(`${tmp}\nxy`);
      // Salt 3006's _parse_env: a str env (even YAML or JSON text) is no environment at all; str items of a list skipped
      process.env['BRINE_CMD_ENV_T'] = 'kept';
      try {
        expect(await call('run', ['echo $BRINE_CMD_ENV_T'], { env: "[{'BRINE_CMD_ENV_T': 'x'}]" })).toBe('kept');
        expect(await call('run', ['echo $BRINE_CMD_ENV_T'], { env: '{"BRINE_CMD_ENV_T": "x"}' })).toBe('kept');
        expect(await call('run', ['echo $BRINE_CMD_ENV_T$A'], { env: ['junk', { A: 'y' }] })).toBe('kepty');
      } finally {
        delete process.env['BRINE_CMD_ENV_T'];
      }
      expect(await call('run', ['cat'], { stdin: 'fed in' })).toBe('fed in');
      expect(await call('run', ['echo $0'], { shell: '/bin/bash' })).toBe('/bin/bash');
      // Salt's default cwd is the running user's home
      expect(await call('run', ['pwd'])).toBe(fs.realpathSync(os.homedir()));
      await expect(call('run', ['true'], { cwd: path.join(tmp, 'missing') })).rejects.toThrow(/cwd/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('runas runs the command as that user (the minion runs as root)', async () => {
    expect(process.getuid!()).toBe(0);
    expect(await call('run', ['id -un; pwd'], { runas: 'nobody', cwd: '/tmp' })).toBe('nobody\n/tmp');
    // Salt's default cwd is the runas user's home, or / when it cannot be read (nobody's /nonexistent)
    expect(await call('run', ['pwd'], { runas: 'nobody' })).toBe('/');
  });

  it('python_shell=False runs the argv without a shell (no expansion), as Salt does', async () => {
    expect(await call('run', ['echo "a b" $HOME;'], { python_shell: false })).toBe('a b $HOME;');
    expect(await call('run', ['echo $((1+1))'])).toBe('2');
  });

  it("timeout: the command's process group is killed and Salt's TimedProc text returned", async () => {
    const r = (await call('run_all', ['sleep 30 & sleep 30; echo never'], { timeout: 1 })) as CallResult;
    expect(r.ret).toMatchObject({ stdout: 'sleep 30 & sleep 30; echo never : Timed out after 1 seconds', stderr: '', retcode: 1 });
  });

  it('a cancelled job (env.signal) stops a long command and its children', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cmd-'));
    const pidFile = path.join(tmp, 'child.pid');
    const ac = new AbortController();
    const started = Date.now();
    const p = call('run_all', [`sleep 60 & echo $! > ${pidFile}; wait`], {}, { log: new MemoryLogger(), signal: ac.signal } as unknown as ExecEnv);
    while (!fs.existsSync(pidFile) || !fs.readFileSync(pidFile, 'utf8').trim()) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    const r = (await p) as CallResult;
    expect(r.outcome).toBe('error');
    expect((r.ret as { stderr: string }).stderr).toMatch(/cancelled/);
    expect(Date.now() - started).toBeLessThan(30_000);
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    // The backgrounded sleep went with its group: gone, or a zombie nobody reaped yet. The call returns when its
    // output pipe closes, which a killed process does in its exit before the kernel marks it a zombie, so give that
    // last step a moment (bounded) before looking.
    const dead = () => {
      const stat = fs.existsSync(`/proc/${child}/stat`) ? fs.readFileSync(`/proc/${child}/stat`, 'utf8') : '';
      return stat === '' || / Z /.test(stat);
    };
    for (let i = 0; i < 50 && !dead(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(dead()).toBe(true);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('templates get blocking twins (templateSalt), jobs the asynchronous functions', () => {
    const { templateSalt } = require('./registry') as typeof import('./registry');
    const salt = templateSalt({ log: new MemoryLogger() } as unknown as ExecEnv);
    expect(salt['cmd.run']!(['echo hi'], {})).toBe('hi');
    expect(salt['cmd.run_all']!(['exit 4'], { python_shell: true })).toMatchObject({ retcode: 4 });
    expect(cmdModule.functions.run!(['true'], {}, env)).toBeInstanceOf(Promise);
  });

  it("from a template, without python_shell=True, no shell: Salt's default for a call without a jid (ceph-formula's pipes)", () => {
    const { templateSalt } = require('./registry') as typeof import('./registry');
    const salt = templateSalt({ log: new MemoryLogger(), opts: {} } as unknown as ExecEnv);
    // Salt 3006.1 (salt-call --local, a template): "abc | tr a X", "$HOME a  b *.none", retcode 2
    expect(salt['cmd.run']!(['echo abc | tr a X'], {})).toBe('abc | tr a X');
    expect(salt['cmd.run']!(["echo $HOME 'a  b' *.none"], {})).toBe('$HOME a  b *.none');
    expect(salt['cmd.retcode']!(['test -d /nonexistent || true'], {})).toBe(2);
    expect(() => salt['cmd.run']!(['nonexistent-cmd-xyz'], {})).toThrow("Unable to run command '['nonexistent-cmd-xyz']' without a shell");
    // cmd.shell, python_shell=True and cmd_safe: False use the shell
    expect(salt['cmd.shell']!(['echo abc | tr a X'], {})).toBe('Xbc');
    expect(salt['cmd.run']!(['echo abc | tr a X'], { python_shell: true })).toBe('Xbc');
    const unsafe = templateSalt({ log: new MemoryLogger(), opts: { cmd_safe: false } } as unknown as ExecEnv);
    expect(unsafe['cmd.run']!(['echo abc | tr a X'], {})).toBe('Xbc');
  });
});
