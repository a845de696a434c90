/**
 * `brine master` and `brine minion`: foreground by default (logs as JSON to stderr and the log file), `-d` to
 * detach (once it runs: "started" only for a daemon that is up; pid file written, removed when it stops),
 * SIGTERM/SIGINT for a clean shutdown.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { BrineError } from '@brine/core';
import { createDaemonLogger, loadMinionOpts } from '@brine/engine';
import type { GlobalOpts } from '../globals';

export interface DaemonOpts extends GlobalOpts {
  daemon?: boolean;
  pidFile?: string;
  logLevel?: string;
}

/**
 * V8 flags for the minion: it idles most of the time and its work is I/O and small templates, so the optimising
 * compiler costs more memory (about 7 MB RSS) than it saves time. The systemd unit uses the same flags.
 */
export const MINION_NODE_FLAGS = ['--lite-mode', '--no-expose-wasm', '--max-semi-space-size=1'];

/** Can this address be listened on now? */
function free(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: host === '*' ? '0.0.0.0' : host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** "Address already in use" names no address: say which of the master's ports is taken. */
async function namedAddress(e: unknown, opts: { interface: string; publish_port: number; ret_port: number }): Promise<unknown> {
  const msg = e instanceof Error ? e.message : String(e);
  if (!/in use/i.test(msg) || msg.includes(`:${opts.ret_port}`) || msg.includes(`:${opts.publish_port}`)) return e;
  const ports = [
    ['publish_port', opts.publish_port],
    ['ret_port', opts.ret_port],
  ] as const;
  const taken: string[] = [];
  for (const [name, port] of ports) if (!(await free(opts.interface, port))) taken.push(`${opts.interface}:${port} (${name})`);
  const where = taken.length ? taken.join(' and ') : `${opts.interface}:${opts.publish_port} or :${opts.ret_port}`;
  return new BrineError('master', `cannot listen on ${where}: ${msg} (is another master running?)`, { cause: e });
}

/** Set in the detached child: where it writes its pid once it runs (and removes it when it stops). */
const PID_ENV = 'BRINE_DAEMON_PID_FILE';

/**
 * `-d`: start the daemon as a detached child and wait until it says it is running (or why it is not): "started"
 * is printed only for a daemon that is up. The child writes the pid file itself and removes it when it stops.
 */
function detach(kind: string, pidFile: string, nodeFlags: string[] = []): Promise<number> {
  const args = process.argv.slice(1).filter((a) => a !== '-d' && a !== '--daemon');
  const child = spawn(process.execPath, [...nodeFlags, ...args], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: { ...process.env, [PID_ENV]: path.resolve(pidFile) } });
  return new Promise((resolve) => {
    const done = (code: number, text: string) => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      (code === 0 ? process.stdout : process.stderr).write(text);
      resolve(code);
    };
    const timer = setTimeout(() => done(0, `still starting in the background, pid ${child.pid} (${pidFile})\n`), 30_000);
    child.on('message', (m: { ready?: boolean; error?: string }) => {
      if (m.ready) done(0, `started in the background, pid ${child.pid} (${pidFile})\n`);
      else if (m.error) done(1, `brine: ${kind} did not start: ${m.error}\n`);
    });
    child.on('exit', (code, signal) => done(1, `brine: ${kind} exited at once (${signal ?? `exit code ${code}`}); see its log file\n`));
    child.on('error', (e) => done(1, `brine: ${kind} could not be started: ${e.message}\n`));
  });
}

/** In a daemon started with -d: report to the waiting parent, write the pid file; returns the cleanup for stop. */
async function daemonized<T>(start: () => Promise<T>): Promise<{ value: T; cleanup: () => void }> {
  const pidFile = process.env[PID_ENV];
  delete process.env[PID_ENV]; // not for the processes this daemon starts
  let value: T;
  try {
    value = await start();
  } catch (e) {
    process.send?.({ error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  if (pidFile) {
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, `${process.pid}\n`);
  }
  process.send?.({ ready: true });
  if (process.connected) process.disconnect();
  const cleanup = () => {
    if (!pidFile) return;
    try {
      if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid)) fs.rmSync(pidFile, { force: true });
    } catch {
      /* already gone */
    }
  };
  return { value, cleanup };
}

function onSignals(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (sig: string) => {
      if (stopping) return;
      stopping = true;
      stop()
        .then(() => resolve(0))
        .catch((e) => {
          process.stderr.write(`brine: shutdown after ${sig} failed: ${String(e)}\n`);
          resolve(1);
        });
    };
    process.on('SIGTERM', () => handler('SIGTERM'));
    process.on('SIGINT', () => handler('SIGINT'));
  });
}

export async function masterCommand(o: DaemonOpts): Promise<number> {
  const { loadMasterOpts, Master } = await import('@brine/master');
  const opts = loadMasterOpts(o.configDir);
  if (o.daemon) return detach('master', o.pidFile ?? path.join(opts.sock_dir, 'master.pid'));
  const log = () => createDaemonLogger({ file: opts.log_file, level: o.logLevel ?? opts.log_level, maxBytes: opts.log_max_bytes, backups: opts.log_backups, base: { daemon: 'master' } });
  const { value: m, cleanup } = await daemonized(() => Master.start(opts, log()).catch(async (e) => Promise.reject(await namedAddress(e, opts))));
  return onSignals(() => m.stop().finally(cleanup));
}

export async function minionCommand(o: DaemonOpts): Promise<number> {
  const { Minion } = await import('@brine/minion');
  const opts = loadMinionOpts(o.configDir);
  if (o.daemon) return detach('minion', o.pidFile ?? path.join(opts.cachedir, 'minion.pid'), MINION_NODE_FLAGS);
  const { value: m, cleanup } = await daemonized(async () => Minion.start(opts, createDaemonLogger({ file: opts.log_file, level: o.logLevel ?? opts.log_level, maxBytes: opts.log_max_bytes, backups: opts.log_backups, base: { daemon: 'minion', minion: opts.id } })));
  return onSignals(() => m.stop().finally(cleanup));
}
