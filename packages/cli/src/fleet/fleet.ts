/**
 * A master and N minions as real processes on this machine, each with its own config dir: the embedded-defaults
 * setup behind `brine demo`, the integration tests and the benchmarks.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { stringify as toYaml } from 'yaml';
import { MINION_NODE_FLAGS } from '../commands/daemons';

export const BRINE_BIN = path.resolve(__dirname, '../../bin/brine.js');

export interface FleetOptions {
  dir: string;
  minions: string[];
  fileRoots: string[];
  pillarRoots?: string[];
  /** Extra master / per-minion config. */
  master?: Record<string, unknown>;
  minion?: (id: string) => Record<string, unknown>;
  ports?: { publish: number; request: number };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

export class Fleet {
  readonly dir: string;
  readonly masterDir: string;
  master: ChildProcess | undefined;
  readonly minions = new Map<string, ChildProcess>();
  publishPort = 0;
  requestPort = 0;

  constructor(private readonly o: FleetOptions) {
    this.dir = o.dir;
    this.masterDir = path.join(o.dir, 'master');
  }

  minionDir(id: string): string {
    return path.join(this.dir, 'minions', id);
  }

  async configure(): Promise<void> {
    this.publishPort = this.o.ports?.publish ?? (await freePort());
    this.requestPort = this.o.ports?.request ?? (await freePort());
    fs.mkdirSync(this.masterDir, { recursive: true });
    const master = {
      interface: '127.0.0.1',
      publish_port: this.publishPort,
      ret_port: this.requestPort,
      pki_dir: 'pki',
      cachedir: 'cache',
      sock_dir: 'sock',
      log_file: 'master.log',
      file_roots: { base: this.o.fileRoots },
      pillar_roots: { base: this.o.pillarRoots ?? [path.join(this.dir, 'pillar')] },
      ...this.o.master,
    };
    fs.writeFileSync(path.join(this.masterDir, 'master'), toYaml(master));
    for (const id of this.o.minions) this.configureMinion(id);
  }

  configureMinion(id: string): void {
    const d = this.minionDir(id);
    fs.mkdirSync(d, { recursive: true });
    const cfg = {
      id,
      master: '127.0.0.1',
      master_port: this.requestPort,
      publish_port: this.publishPort,
      pki_dir: 'pki',
      cachedir: 'cache',
      log_file: 'minion.log',
      ping_interval: 2,
      random_reauth_delay: 1,
      acceptance_wait_time: 0.25,
      acceptance_wait_time_max: 1,
      services_dir: path.join(d, 'services.d'),
      providers: { service: 'supervisor', run_dir: path.join(d, 'run') },
      ...this.o.minion?.(id),
    };
    fs.writeFileSync(path.join(d, 'minion'), toYaml(cfg));
  }

  private spawnDaemon(kind: 'master' | 'minion', dir: string): ChildProcess {
    const out = fs.openSync(path.join(dir, `${kind}.out`), 'a');
    // BRINE_MASTER_CPU_PROF=<dir>: the master writes a V8 CPU profile there when it exits (benchmark analysis).
    const prof = process.env.BRINE_MASTER_CPU_PROF;
    const flags = kind === 'minion' ? MINION_NODE_FLAGS : prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : [];
    const p = spawn(process.execPath, [...flags, BRINE_BIN, kind, '-c', dir], { stdio: ['ignore', out, out], env: { ...process.env, NO_COLOR: '1' } });
    fs.closeSync(out);
    return p;
  }

  async startMaster(): Promise<void> {
    this.master = this.spawnDaemon('master', this.masterDir);
    await waitFor(() => fs.existsSync(path.join(this.masterDir, 'sock', 'control.token')), 15_000, 'master control socket');
  }

  startMinion(id: string): void {
    this.minions.set(id, this.spawnDaemon('minion', this.minionDir(id)));
  }

  startMinions(ids = this.o.minions): void {
    for (const id of ids) this.startMinion(id);
  }

  /** Wait until every named minion has a key in the given state on the master. */
  async waitForKeys(ids: string[], state: 'pending' | 'accepted', timeoutMs = 30_000): Promise<void> {
    const dir = path.join(this.masterDir, 'pki', 'minions', state);
    await waitFor(() => ids.every((id) => fs.existsSync(path.join(dir, id))), timeoutMs, `keys ${state}: ${ids.join(',')}`);
  }

  async stopMaster(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    // A profiled master (BRINE_MASTER_CPU_PROF) may take longer than the usual grace to write its profile.
    if (this.master) await stopProcess(this.master, signal, process.env.BRINE_MASTER_CPU_PROF ? 60_000 : undefined);
    this.master = undefined;
  }

  async stopMinion(id: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.minions.get(id);
    if (p) await stopProcess(p, signal);
    this.minions.delete(id);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.minions.keys()].map((id) => this.stopMinion(id)));
    await this.stopMaster();
  }

  /** PSS in KiB of a pid: RSS with shared pages (the node binary, libraries) divided among their users. */
  static pssKiB(pid: number | undefined): number {
    if (!pid) return 0;
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** RSS in KiB of a pid (from /proc). */
  static rssKiB(pid: number | undefined): number {
    if (!pid) return 0;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function stopProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill(signal);
  });
}
