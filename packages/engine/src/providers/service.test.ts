import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import type { ExecOptions, ExecResult, HostReader, HostWriter } from '../types';
import { expectedProgram, parseServiceDef, programMatches, SupervisorServiceProvider } from './supervisor';
import { systemctlArgv, SystemdServiceProvider } from './systemd';

const reader = new LocalHostReader();
const writer = new LocalHostWriter();

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

/** Dead: no /proc entry, or a zombie our own process has not reaped yet (it is our child). */
function gone(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
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
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-svc-'));
  servicesDir = path.join(tmp, 'services.d');
  mkdirSync(servicesDir);
  writeFileSync(path.join(tmp, 'daemon.js'), DAEMON);
  sup = new SupervisorServiceProvider({ servicesDir, runDir: path.join(tmp, 'run') });
});
afterEach(async () => {
  for (const n of ['d', 'e', 'crash', 'ignore']) if (existsSync(path.join(servicesDir, `${n}.yaml`))) await sup.stop(n, writer).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

function define(name: string, def: Record<string, unknown>) {
  writeFileSync(path.join(servicesDir, `${name}.yaml`), JSON.stringify(def)); // JSON is YAML
}

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
    define('d', { command: [process.execPath, path.join(tmp, 'daemon.js'), out], env: { X: '1' } });
    await sup.start('d', writer);
    const pid1 = await sup.pid('d', reader);
    await sup.reload('d', writer); // same definition: a signal, same pid
    for (let i = 0; i < 40 && !readFileSync(out, 'utf8').includes('hup 1'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await sup.pid('d', reader)).toBe(pid1);
    define('d', { command: [process.execPath, path.join(tmp, 'daemon.js'), out], env: { X: '2' } });
    await sup.reload('d', writer);
    const pid2 = await sup.pid('d', reader);
    expect(pid2).not.toBeNull();
    expect(pid2).not.toBe(pid1);
    expect(gone(pid1!)).toBe(true);
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
    define('ignore', { command: [process.execPath, '-e', "process.on('SIGTERM',()=>{}); setInterval(()=>{},1000)"], stop_timeout: 0.3 });
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
