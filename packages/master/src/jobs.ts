/**
 * Publishing jobs and gathering their returns for whoever waits (the CLI over the control channel).
 *
 * A watcher ends when every expected minion returned, or when nothing was heard for `timeout` seconds: each
 * minion acknowledges a job with `job.running` (and repeats it while it works), so a long state run keeps the
 * watch open and a silent minion is reported as not connected, timed out, or still running.
 */
import type { ReturnRecord } from './jobcache';

/** Silence tolerated from a minion that reported a job running: its heartbeat period (2 s) with room to spare. */
export const RUNNING_GRACE_MS = 5000;
/** A minion counts as still running while its last heartbeat is this recent (two beats, less than the grace). */
const ALIVE_MS = 4000;

export type MissingReason = 'Not connected' | 'Timed out' | 'Still running';

export interface WatchSink {
  event(data: Record<string, unknown>): void;
  end(data: Record<string, unknown>): void;
}

export class JobWatch {
  readonly returned = new Set<string>();
  /** `expected` as a set, and how many of them have not returned: a return costs O(1), whatever the fleet size. */
  private readonly expectedSet: Set<string>;
  private outstanding: number;
  /** Where checkComplete's last scan stopped. */
  private cursor = 0;
  /** Minions that reported the job running, with the time of their last heartbeat. */
  readonly running = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private hardTimer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    readonly jid: string,
    readonly expected: string[],
    private readonly sink: WatchSink,
    private readonly timeoutMs: number,
    maxWaitMs: number,
    /** Is this minion connected right now (session + subscription)? */
    private readonly connected: (id: string) => boolean,
    private readonly onEnd: () => void,
  ) {
    this.expectedSet = new Set(expected);
    this.outstanding = this.expectedSet.size;
    this.arm();
    this.hardTimer = setTimeout(() => this.finish(), maxWaitMs);
    this.checkComplete();
  }

  private arm(): void {
    clearTimeout(this.timer);
    // A minion that said it is running repeats that every 2 s: a timeout shorter than that must not give up on it
    // (Salt keeps waiting for a job its minion reports as running).
    const ms = this.running.size > 0 ? Math.max(this.timeoutMs, RUNNING_GRACE_MS) : this.timeoutMs;
    this.timer = setTimeout(() => this.finish(), ms);
  }

  /** Was `id` expected to answer? */
  expects(id: string): boolean {
    return this.expectedSet.has(id);
  }

  get finished(): boolean {
    return this.done;
  }

  onRunning(id: string): void {
    if (this.done || this.returned.has(id)) return;
    const first = !this.running.has(id);
    this.running.set(id, Date.now());
    if (first) this.sink.event({ event: 'running', minion: id });
    this.arm();
  }

  onReturn(r: ReturnRecord): void {
    if (this.done || this.returned.has(r.id)) return;
    this.returned.add(r.id);
    if (this.expectedSet.has(r.id)) this.outstanding--;
    this.running.delete(r.id);
    this.sink.event({ event: 'return', minion: r.id, ret: r.ret, outcome: r.outcome ?? (r.success ? 'ok' : 'error'), retcode: r.retcode, success: r.success, out: r.out });
    this.arm();
    this.checkComplete();
  }

  /** Still running means a live heartbeat: a minion that went quiet (killed mid-job) is not reported as running. */
  private alive(id: string, now = Date.now()): boolean {
    const beat = this.running.get(id);
    return beat !== undefined && now - beat <= ALIVE_MS;
  }

  /**
   * Finish early once every outstanding minion is accounted for (returned, or not connected at all). O(1) while
   * minions remain that have not returned and are connected: the scan stops at the first one, and it starts where
   * the last scan stopped (`cursor`), so a fleet answering one by one costs a constant amount per return.
   */
  checkComplete(): void {
    if (this.outstanding === 0) return this.finish();
    const n = this.expected.length;
    for (let i = 0; i < n; i++) {
      const id = this.expected[(this.cursor + i) % n]!;
      if (this.returned.has(id)) continue;
      if (this.connected(id) || this.alive(id)) {
        this.cursor = (this.cursor + i) % n;
        return;
      }
    }
    this.finish();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.hardTimer);
    const missing: Record<string, MissingReason> = {};
    for (const id of this.expected) {
      if (this.returned.has(id)) continue;
      missing[id] = this.alive(id) ? 'Still running' : this.connected(id) ? 'Timed out' : 'Not connected';
    }
    this.sink.end({ ok: true, jid: this.jid, missing });
    this.onEnd();
  }
}
