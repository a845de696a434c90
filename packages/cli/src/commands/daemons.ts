/**
 * `brine master` and `brine minion`: foreground by default (logs as JSON to stderr and the log file), `-d` to
 * detach (pid file written), SIGTERM/SIGINT for a clean shutdown.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
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

function detach(pidFile: string, nodeFlags: string[] = []): number {
  const args = process.argv.slice(1).filter((a) => a !== '-d' && a !== '--daemon');
  const child = spawn(process.execPath, [...nodeFlags, ...args], { detached: true, stdio: 'ignore' });
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  child.unref();
  process.stdout.write(`started in the background, pid ${child.pid} (${pidFile})\n`);
  return 0;
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
  if (o.daemon) return detach(o.pidFile ?? path.join(opts.sock_dir, 'master.pid'));
  const log = createDaemonLogger({ file: opts.log_file, level: o.logLevel ?? opts.log_level, base: { daemon: 'master' } });
  const m = await Master.start(opts, log);
  return onSignals(() => m.stop());
}

export async function minionCommand(o: DaemonOpts): Promise<number> {
  const { Minion } = await import('@brine/minion');
  const opts = loadMinionOpts(o.configDir);
  if (o.daemon) return detach(o.pidFile ?? path.join(opts.cachedir, 'minion.pid'), MINION_NODE_FLAGS);
  const log = createDaemonLogger({ file: opts.log_file, level: o.logLevel ?? opts.log_level, base: { daemon: 'minion', minion: opts.id } });
  const m = Minion.start(opts, log);
  return onSignals(() => m.stop());
}
