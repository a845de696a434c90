/** `brine event listen --out json` as a real process, its events gathered as they arrive (one JSON per line). */
import { spawn, type ChildProcess } from 'child_process';
import { BRINE } from './cli';
import { waitFor } from './fleet';

export interface BusEvent {
  tag: string;
  data: Record<string, unknown>;
}

export class Listener {
  readonly events: BusEvent[] = [];
  private readonly p: ChildProcess;
  private buf = '';
  stderr = '';
  exit: number | null = null;

  constructor(masterDir: string, args: string[] = []) {
    this.p = spawn(process.execPath, [BRINE, '-c', masterDir, 'event', 'listen', ...args, '--out', 'json'], { env: { ...process.env, NO_COLOR: '1' } });
    this.p.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        if (line.trim()) this.events.push(JSON.parse(line) as BusEvent);
      }
    });
    this.p.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.p.on('exit', (code) => (this.exit = code ?? -1));
  }

  /** The first event (from `from` on) matching `pred`; waits for it. */
  async next(pred: (e: BusEvent) => boolean, timeoutMs = 20_000, what = 'an event'): Promise<BusEvent> {
    let hit: BusEvent | undefined;
    await waitFor(() => (hit = this.events.find(pred)) !== undefined, timeoutMs, `${what} (seen: ${this.events.map((e) => e.tag).join(', ').slice(-2000)}; stderr: ${this.stderr})`);
    return hit!;
  }

  async stop(): Promise<void> {
    if (this.exit !== null) return;
    await new Promise<void>((resolve) => {
      this.p.once('exit', () => resolve());
      this.p.kill('SIGTERM');
    });
  }
}
