import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import type { ExecOptions, ExecResult, HostReader, HostWriter } from '../types';
import { expectedProgram, parseServiceDef, programMatches, SupervisorServiceProvider } from './supervisor';
import { systemctlArgv, SystemdServiceProvider } from './systemd';
import { whoListens } from './sockets';

const reader = new LocalHostReader();
const writer = new LocalHostWriter();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tiny daemon: counts SIGHUPs into a file, optionally listens on a port, exits on SIGTERM. */
const DAEMON = `
const fs = require('fs');
const out = process.argv[2];
let hups = 0;
fs.writeFileSync(out, 'started ' + process.pid + '\\n');
process.on('SIGHUP', () => fs.appendFileSync(out, 'hup ' + (++hups) + '\\n'));
process.on('SIGTERM', () => { fs.appendFileSync(out, 'term\\n'); process.exit(0); });
if (process.argv[3]) require('net').createServer().listen(Number(process.argv[3]), '127.0.0.1');
console.log('daemon up');
setInterval(() => {}, 1000);
`;

/** A master that runs a worker in its own process group (like nginx); the worker listens on the port. */
const MASTER = `
const { spawn } = require('child_process');
if (process.argv[2] === 'worker') {
  require('net').createServer((s) => s.end('hi')).listen(Number(process.argv[3]), '127.0.0.1');
  setInterval(() => {}, 1000);
} else {
  const w = spawn(process.execPath, [__filename, 'worker', process.argv[2]], { stdio: 'inherit' });
  require('fs').writeFileSync(process.argv[3], String(w.pid));
  setInterval(() => {}, 1000);
}
`;

/** Dead: no /proc entry, or a zombie our own process has not reaped yet (it is our child). */
function gone(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const statField = (pid: number, i: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[i]);
const cpuTicks = (pid: number): number => statField(pid, 11) + statField(pid, 12);

async function until<T>(f: () => Promise<T | null> | T | null, ms: number): Promise<T | null> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v || Date.now() > end) return v;
    await sleep(20);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let tmp: string;
let sup: SupervisorServiceProvider;
let servicesDir: string;
const orphans: ChildProcess[] = [];
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-svc-'));
  servicesDir = path.join(tmp, 'services.d');
  mkdirSync(servicesDir);
  writeFileSync(path.join(tmp, 'daemon.js'), DAEMON);
  writeFileSync(path.join(tmp, 'master.js'), MASTER);
  sup = new SupervisorServiceProvider({ servicesDir, runDir: path.join(tmp, 'run') });
});
afterEach(async () => {
  for (const n of ['d', 'e', 'crash', 'ignore', 'm', 'loop']) if (existsSync(path.join(servicesDir, `${n}.yaml`))) await sup.stop(n, writer).catch(() => undefined);
  for (const o of orphans.splice(0)) o.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function define(name: string, def: Record<string, unknown>) {
  writeFileSync(path.join(servicesDir, `${name}.yaml`), JSON.stringify(def)); // JSON is YAML
}
const defineText = (name: string, text: string) => writeFileSync(path.join(servicesDir, `${name}.yaml`), text);

describe('supervisor', () => {
  it('parses definitions', () => {
    const d = parseServiceDef('f', 'command: nginx -g "daemon off;"\nstop_timeout: 2\nready: {tcp: "localhost:80"}\nreload_signal: usr1\n', 'web', '/run/x');
    expect(d).toMatchObject({ argv: ['/bin/sh', '-c', 'exec nginx -g "daemon off;"'], pidfile: '/run/x/web.pid', stopTimeoutMs: 2000, reloadSignal: 'SIGUSR1', stopSignal: 'SIGTERM' });
    expect(d.ready).toEqual({ timeoutMs: 10000, tcp: { host: 'localhost', port: 80 } });
    expect(expectedProgram(d)).toBe('nginx');
    expect(() => parseServiceDef('f', 'command: []', 'x', '/r')).toThrow(/f: command: expected/);
    expect(() => parseServiceDef('f', 'command: x\nstop_signal: SIGNOPE', 'x', '/r')).toThrow(/unknown signal/);
  });

  it('starts, reports status, reloads by signal, restarts with a new pid, stops', async () => {
    const port = await freePort();
    const out = path.join(tmp, 'out');
    define('d', { command: [process.execPath, path.join(tmp, 'daemon.js'), out, String(port)], ready: { tcp: `127.0.0.1:${port}`, timeout: 5 }, env: { X: '1' } });
    expect(await sup.status('d', reader)).toEqual({ exists: true, running: false, enabled: false });
    expect(await sup.status('nope', reader)).toEqual({ exists: false, running: false, enabled: false });
    await sup.start('d', writer);
    expect(await sup.status('d', reader)).toMatchObject({ running: true });
    const pid1 = await sup.pid('d', reader);
    expect(Number(readFileSync(path.join(tmp, 'run', 'd.pid'), 'utf8'))).toBe(pid1);
    await sup.start('d', writer); // idempotent
    expect(await sup.pid('d', reader)).toBe(pid1);
    await sup.reload('d', writer);
    for (let i = 0; i < 40 && !readFileSync(out, 'utf8').includes('hup 1'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(out, 'utf8')).toContain('hup 1');
    await sup.restart('d', writer);
    const pid2 = await sup.pid('d', reader);
    expect(pid2).not.toBeNull();
    expect(pid2).not.toBe(pid1);
    expect(readFileSync(path.join(tmp, 'run', 'd.log'), 'utf8')).toContain('daemon up');
    await sup.stop('d', writer);
    expect(await sup.status('d', reader)).toMatchObject({ running: false });
    expect(existsSync(path.join(tmp, 'run', 'd.pid'))).toBe(false);
    expect(gone(pid2!)).toBe(true);
  }, 30_000);

  it('reload applies a changed definition by restarting (a signal cannot change the command line)', async () => {
    const out = path.join(tmp, 'out');
    // ready once it wrote `out` (its SIGHUP handler comes right after): a SIGHUP before that would end it
    define('d', { command: [process.execPath, path.join(tmp, 'daemon.js'), out], env: { X: '1' }, ready: { file: out, timeout: 10 } });
    await sup.start('d', writer);
    const pid1 = await sup.pid('d', reader);
    await sup.reload('d', writer); // same definition: a signal, same pid
    for (let i = 0; i < 40 && !readFileSync(out, 'utf8').includes('hup 1'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await sup.pid('d', reader)).toBe(pid1);
    define('d', { command: [process.execPath, path.join(tmp, 'daemon.js'), out], env: { X: '2' }, ready: { file: out, timeout: 10 } });
    await sup.reload('d', writer);
    const pid2 = await sup.pid('d', reader);
    expect(pid2).not.toBeNull();
    expect(pid2).not.toBe(pid1);
    expect(gone(pid1!)).toBe(true);
  }, 30_000);

  it('nice: the daemon runs at that scheduling priority (Nice=), its threads too', async () => {
    const out = path.join(tmp, 'out-nice');
    define('n', { command: [process.execPath, path.join(tmp, 'daemon.js'), out], nice: -7 });
    await sup.start('n', writer);
    const pid = (await sup.pid('n', reader))!;
    const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    expect(niceOf(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(-7);
    for (const t of require('fs').readdirSync(`/proc/${pid}/task`) as string[]) expect(niceOf(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'))).toBe(-7);
    await sup.stop('n', writer);
  }, 30_000);

  it('enable/disable use a marker file', async () => {
    define('e', { command: 'sleep 100' });
    await sup.enable('e', writer);
    expect(await sup.status('e', reader)).toMatchObject({ enabled: true, running: false });
    await sup.disable('e', writer);
    expect((await sup.status('e', reader)).enabled).toBe(false);
    await expect(sup.enable('missing', writer)).rejects.toThrow(/Service missing is not defined/);
  });

  it('string commands run via sh exec; a stale pidfile or a reused pid is not "running"', async () => {
    define('e', { command: 'sleep 100' });
    await sup.start('e', writer);
    const pid = (await sup.pid('e', reader))!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sleep');
    await sup.stop('e', writer);
    // pid of a live process that is not ours (this jest worker): argv[0] does not match.
    writeFileSync(path.join(tmp, 'run', 'e.pid'), `${process.pid}\n`);
    expect((await sup.status('e', reader)).running).toBe(false);
    writeFileSync(path.join(tmp, 'run', 'e.pid'), '999999999\n');
    expect((await sup.status('e', reader)).running).toBe(false);
  }, 20_000);

  it('recognises a daemon that rewrites its command line by /proc/PID/exe or comm (nginx: "nginx: master process ...")', async () => {
    expect(programMatches('nginx', { argv0: 'nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf', exe: '/usr/sbin/nginx', comm: 'nginx\n' })).toBe(true);
    expect(programMatches('nginx', { argv0: 'nginx: master process /usr/sbin/nginx -g daemon off;', exe: null, comm: 'nginx\n' })).toBe(true);
    expect(programMatches('nginx', { argv0: 'nginx: master process', exe: '/usr/sbin/nginx (deleted)', comm: null })).toBe(true);
    expect(programMatches('a-very-long-daemon-name', { argv0: 'renamed', comm: 'a-very-long-dae\n' })).toBe(true);
    expect(programMatches('nginx', { argv0: 'node', exe: '/usr/bin/node', comm: 'node\n' })).toBe(false);
    expect(programMatches('', { argv0: '', exe: null, comm: '' })).toBe(false);
    // a real one: node rewrites its own argv[0] (process.title), the supervisor still finds it by its executable
    define('e', { command: [process.execPath, '-e', "process.title = 'renamed: worker'; setInterval(() => {}, 1000)"] });
    await sup.start('e', writer);
    const pid = (await sup.pid('e', reader))!;
    expect(pid).not.toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('renamed: worker');
    expect(await sup.status('e', reader)).toMatchObject({ running: true });
    await sup.stop('e', writer);
    expect((await sup.status('e', reader)).running).toBe(false);
  }, 20_000);

  it('a daemon that dies at once fails start with the log tail; SIGKILL after stop_timeout', async () => {
    define('crash', { command: ['/bin/sh', '-c', 'echo boom-config-error; exit 3'] });
    await expect(sup.start('crash', writer)).rejects.toThrow(/Service crash exited with code 3 right after starting[\s\S]*boom-config-error/);
    expect((await sup.status('crash', reader)).running).toBe(false);
    // ready once its SIGTERM handler is in place (on a loaded host node may take longer than the settle time to get there)
    const armed = path.join(tmp, 'ignore.armed');
    define('ignore', { command: [process.execPath, '-e', `process.on('SIGTERM',()=>{}); require('fs').writeFileSync(${JSON.stringify(armed)}, ''); setInterval(()=>{},1000)`], stop_timeout: 0.3, ready: { file: armed, timeout: 10 } });
    await sup.start('ignore', writer);
    const pid = (await sup.pid('ignore', reader))!;
    const t0 = Date.now();
    await sup.stop('ignore', writer);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(gone(pid)).toBe(true);
    await expect(sup.start('nope', writer)).rejects.toThrow(/not defined/);
    await expect(sup.reload('crash', writer)).rejects.toThrow(/not running/);
  }, 20_000);

  it('ready: file that never appears times out and stops the daemon', async () => {
    define('d', { command: ['sleep', '100'], ready: { file: path.join(tmp, 'never'), timeout: 0.5 } });
    await expect(sup.start('d', writer)).rejects.toThrow(/was not ready \(file .*never\) within 0.5s; stopped it/);
    expect((await sup.status('d', reader)).running).toBe(false);
  }, 20_000);
});

// The restart policy and its keeper (keeper.ts), and a `tcp:` ready check an orphan holding the port cannot satisfy.
describe('restart policy in the service definition', () => {
  it('parses restart, restart_sec and the start limit, with defaults', () => {
    const d = parseServiceDef('f', 'command: x\nrestart: always\nrestart_sec: 0.5\nstart_limit_burst: 3\nstart_limit_interval: 20\n', 'x', '/r');
    expect(d).toMatchObject({ restart: 'always', restartSecMs: 500, startLimitBurst: 3, startLimitIntervalMs: 20000 });
    expect(parseServiceDef('f', 'command: x\n', 'x', '/r')).toMatchObject({ restart: 'on-failure', restartSecMs: 100, startLimitBurst: 5, startLimitIntervalMs: 10000 });
    expect(parseServiceDef('f', 'command: x\nrestart: no\n', 'x', '/r').restart).toBe('no');
    expect(parseServiceDef('f', 'command: x\nnice: -10\n', 'x', '/r').nice).toBe(-10);
    expect(() => parseServiceDef('f', 'command: x\nnice: -30\n', 'x', '/r')).toThrow('f:2: nice: expected an integer from -20 to 19, got -30');
  });

  it('an unknown restart policy (or a bad number) fails with file:line', async () => {
    expect(() => parseServiceDef('/etc/brine/services.d/x.yaml', '# a comment\ncommand: x\n\nrestart: sometimes\n', 'x', '/r')).toThrow(
      '/etc/brine/services.d/x.yaml:4: restart: unknown restart policy "sometimes" (on-failure, always or no)',
    );
    expect(() => parseServiceDef('f', 'command: x\nstart_limit_burst: 0\n', 'x', '/r')).toThrow(/^f:2: start_limit_burst: expected a whole number/);
    expect(() => parseServiceDef('f', 'command: x\nrestart_sec: soon\n', 'x', '/r')).toThrow(/^f:2: restart_sec: expected seconds/);
    defineText('d', 'command: [sleep, "100"]\nrestart: sometimes\n');
    await expect(sup.start('d', writer)).rejects.toThrow(`${path.join(servicesDir, 'd.yaml')}:2: restart: unknown restart policy`);
  });
});

describe('the keeper', () => {
  it('a SIGKILLed daemon is back within about a second, with no call to the supervisor; leftovers of its group are killed first', async () => {
    const port = await freePort();
    const wfile = path.join(tmp, 'worker.pid');
    defineText('m', `command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(tmp, 'master.js'))}, "${port}", ${JSON.stringify(wfile)}]\nready: {tcp: "127.0.0.1:${port}", timeout: 5}\nrestart_sec: 0.1\n`);
    await sup.start('m', writer);
    const pid1 = (await sup.pid('m', reader))!;
    const worker1 = Number(readFileSync(wfile, 'utf8'));
    expect(whoListens(port, pid1).ours).toBe(true);
    // SIGKILL of the master only: the worker is orphaned and still holds the port (the nginx case)
    const t0 = Date.now();
    process.kill(pid1, 'SIGKILL');
    const pid2 = await until(async () => {
      const p = await sup.pid('m', reader);
      return p !== null && p !== pid1 && whoListens(port, p).ours ? p : null;
    }, 3000);
    const back = Date.now() - t0;
    expect(pid2).not.toBeNull();
    expect(back).toBeLessThan(1500);
    expect(gone(worker1)).toBe(true);
    const st = (await sup.keeperState('m', reader))!;
    expect(st).toMatchObject({ state: 'running', pid: pid2, restarts: 1, lastExit: 'killed by SIGKILL', restart: 'on-failure' });
    expect(readFileSync(path.join(tmp, 'run', 'm.log'), 'utf8')).toMatch(/brine-keeper\[\d+\] m: killed by SIGKILL; restarting in 100 ms/);
    // a clean stop is not a crash: nothing comes back
    await sup.stop('m', writer);
    await sleep(300);
    expect(await sup.pid('m', reader)).toBeNull();
    expect(gone(pid2!)).toBe(true);
    expect((await sup.keeperState('m', reader))!.state).toBe('stopped');
  }, 30_000);

  it('a service that dies at once stops after the start-limit burst, does not spin, and start() then reports it', async () => {
    defineText('loop', 'command: [/bin/sh, -c, "sleep 0.3; echo loop-config-error; exit 1"]\nrestart_sec: 0.05\nstart_limit_burst: 3\nstart_limit_interval: 30\n');
    await sup.start('loop', writer); // alive after its settle time: start believes it
    const keeper = Number(readFileSync(path.join(tmp, 'run', 'loop.keeper.pid'), 'utf8'));
    const st = await until(async () => ((await sup.keeperState('loop', reader))?.state === 'failed' ? sup.keeperState('loop', reader) : null), 5000);
    expect(st).toMatchObject({ state: 'failed', starts: 3, restarts: 2, lastExit: 'exited with code 1', pid: null });
    expect(st!.reason).toMatch(/start limit hit: 3 starts within 30 s/);
    await until(() => gone(keeper), 2000);
    expect(gone(keeper)).toBe(true); // gave up: no process left to spin
    expect((await sup.status('loop', reader)).running).toBe(false);
    await expect(sup.start('loop', writer)).rejects.toThrow(/Service loop is failed: start limit hit: 3 starts within 30 s[\s\S]*loop-config-error/);
  }, 20_000);

  it('a restart loop costs almost no CPU (restart_sec between starts)', async () => {
    defineText('loop', 'command: [/bin/false]\nrestart_sec: 0.2\nstart_limit_burst: 1000\nstart_limit_interval: 1\n');
    await expect(sup.start('loop', writer)).rejects.toThrow(/exited with code 1 right after starting/);
    // the failed start stopped its keeper: nothing restarts behind the state's back
    expect(await sup.keeperPid('loop', reader)).toBeNull();
    defineText('loop', `command: [${JSON.stringify(process.execPath)}, -e, "setTimeout(() => process.exit(1), 300)"]\nrestart_sec: 0.2\nstart_limit_burst: 1000\nstart_limit_interval: 1\n`);
    await sup.start('loop', writer);
    const keeper = (await sup.keeperPid('loop', reader))!;
    const c0 = cpuTicks(keeper);
    await sleep(2000);
    const ticks = cpuTicks(keeper) - c0;
    expect((await sup.keeperState('loop', reader))!.restarts).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThan(50); // < 0.5 s of CPU in 2 s (clock ticks of 10 ms)
  }, 20_000);

  it('the keeper and the daemon lead their own sessions; a new supervisor (a restarted minion) reattaches by pidfile', async () => {
    defineText('d', 'command: [sleep, "100"]\n');
    await sup.start('d', writer);
    const pid = (await sup.pid('d', reader))!;
    const keeper = (await sup.keeperPid('d', reader))!;
    // session id == own pid: a signal to the caller's process group or session never reaches them
    expect([statField(keeper, 3), statField(keeper, 2)]).toEqual([keeper, keeper]);
    expect([statField(pid, 3), statField(pid, 2)]).toEqual([pid, pid]);
    expect(statField(pid, 1)).toBe(keeper);
    expect(statField(keeper, 3)).not.toBe(statField(process.pid, 3));
    const again = new SupervisorServiceProvider({ servicesDir, runDir: path.join(tmp, 'run') });
    expect(await again.status('d', reader)).toMatchObject({ running: true });
    await again.start('d', writer);
    expect(await again.pid('d', reader)).toBe(pid);
    await again.stop('d', writer);
    expect(gone(pid)).toBe(true);
    expect(gone(keeper)).toBe(true);
  }, 20_000);
});

describe('tcp ready check', () => {
  it('an orphan holding the port does not make a service ready: the start fails naming its pid', async () => {
    const port = await freePort();
    const orphan = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
    orphans.push(orphan);
    await new Promise((r) => orphan.stdout!.once('data', r));
    defineText('d', `command: [sleep, "100"]\nready: {tcp: "127.0.0.1:${port}", timeout: 1}\n`);
    await expect(sup.start('d', writer)).rejects.toThrow(new RegExp(`not ready \\(tcp 127.0.0.1:${port}\\) within 1s; port ${port} is held by pid ${orphan.pid} \\(.*node.*\\), not by service d \\(pid \\d+\\)`));
    expect((await sup.status('d', reader)).running).toBe(false);
    expect(whoListens(port, process.pid)).toEqual({ ours: true, foreign: [] }); // the orphan is our child: our tree
  }, 20_000);

  it('a daemon that dies after its socket check is not reported started', async () => {
    const port = await freePort();
    const orphan = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
    orphans.push(orphan);
    await new Promise((r) => orphan.stdout!.once('data', r));
    // like nginx against a held port: it retries bind, then exits 1
    defineText('d', `command: [${JSON.stringify(process.execPath)}, -e, "setTimeout(() => { console.error('bind() failed (98: Address already in use)'); process.exit(1) }, 600)"]\nready: {tcp: "127.0.0.1:${port}", timeout: 5}\n`);
    await expect(sup.start('d', writer)).rejects.toThrow(new RegExp(`exited with code 1 before it was ready \\(pid \\d+\\); port ${port} is held by pid ${orphan.pid}[\\s\\S]*Address already in use`));
    expect(await sup.keeperPid('d', reader)).toBeNull();
  }, 20_000);
});

describe('systemd (command lines only: no systemd here)', () => {
  function scripted(answer: (argv: string[]) => Partial<ExecResult>) {
    const calls: string[][] = [];
    const exec = async (cmd: string | string[], _o?: ExecOptions): Promise<ExecResult> => {
      const argv = cmd as string[];
      calls.push(argv);
      return { code: 0, stdout: '', stderr: '', ...answer(argv) };
    };
    return { host: Object.assign(Object.create(reader), { probe: exec, run: exec }) as HostWriter, calls };
  }
  it('builds systemctl command lines', () => {
    expect(systemctlArgv('is-active', 'nginx')).toEqual(['systemctl', 'is-active', 'nginx']);
    expect(systemctlArgv('show', 'nginx')).toEqual(['systemctl', 'show', '--property=LoadState', '--value', 'nginx']);
  });
  it('maps status and actions', async () => {
    const { host, calls } = scripted((a) =>
      a[1] === 'show' ? { stdout: 'loaded' } : a[1] === 'is-active' ? { code: 3, stdout: 'inactive' } : a[1] === 'is-enabled' ? { stdout: 'enabled' } : a[1] === 'reload' ? { code: 1, stderr: 'Job failed' } : {},
    );
    const sd = new SystemdServiceProvider();
    expect(await sd.status('nginx', host as HostReader)).toEqual({ exists: true, running: false, enabled: true });
    await sd.start('nginx', host);
    await sd.enable('nginx', host);
    expect(calls.slice(3)).toEqual([['systemctl', 'start', 'nginx'], ['systemctl', 'enable', 'nginx']]);
    await expect(sd.reload('nginx', host)).rejects.toThrow('systemctl reload nginx failed with exit code 1: Job failed');
    const missing = scripted((a) => (a[1] === 'show' ? { stdout: 'not-found' } : { code: 4, stdout: 'disabled' }));
    expect(await sd.status('x', missing.host)).toEqual({ exists: false, running: false, enabled: false });
  });
});
