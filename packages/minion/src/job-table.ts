/**
 * The jobs running on this minion (Salt keeps them in `<cachedir>/proc/<jid>`): what saltutil.running, find_job and
 * kill_job answer. Each entry holds an AbortController: killing a job aborts its ExecEnv.signal (commands it runs
 * stop, their process groups killed) and, for a job process, ends that process if it does not return promptly.
 */
import type { Dict } from '@brine/core';

export interface JobMeta {
  jid: string;
  tgt?: string | string[];
  tgt_type?: string;
  user?: string;
}

interface Entry {
  meta: JobMeta;
  fun: string;
  arg: unknown[];
  /** The job process's pid, once it has one; never set for a function that runs inside the daemon. */
  pid?: number;
  started: string;
  controller: AbortController;
}

/** Salt's jid-style start time: the local time as Python prints a datetime (YYYY, Mon DD HH:MM:SS.ffffff). */
function startedNow(): string {
  const d = new Date();
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}, ${mon} ${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

export class JobTable {
  private readonly jobs = new Map<string, Entry>();

  constructor(private readonly id: string) {}

  /** Record a job as running; `end` removes it. The signal aborts when the job is killed. */
  start(meta: JobMeta, fun: string, arg: unknown[]): { signal: AbortSignal; setPid(pid: number): void; end(): void } {
    const e: Entry = { meta, fun, arg, started: startedNow(), controller: new AbortController() };
    this.jobs.set(meta.jid, e);
    return {
      signal: e.controller.signal,
      setPid: (pid) => (e.pid = pid),
      end: () => {
        if (this.jobs.get(meta.jid) === e) this.jobs.delete(meta.jid);
      },
    };
  }

  /**
   * Salt's proc entry. `pid` is the job process's, and only when there is one: a function that runs inside the
   * daemon (saltutil.*, mine.*, ...) or a job whose process has not started yet has no `pid` (the daemon's own pid
   * would invite a `kill` that ends the minion).
   */
  private view(e: Entry): Dict {
    return { jid: e.meta.jid, fun: e.fun, arg: e.arg, ...(e.pid !== undefined ? { pid: e.pid } : {}), tgt: e.meta.tgt ?? this.id, tgt_type: e.meta.tgt_type ?? 'glob', user: e.meta.user ?? 'root', id: this.id, started: e.started };
  }

  running(): Dict[] {
    return [...this.jobs.values()].map((e) => this.view(e));
  }

  /** The job process's pid for `jid`, if it runs in one. */
  pidOf(jid: string): number | undefined {
    return this.jobs.get(jid)?.pid;
  }

  find(jid: string): Dict {
    const e = this.jobs.get(jid);
    return e ? this.view(e) : {};
  }

  /**
   * Salt's kill_job answer: "Signal 9 sent to job <jid> at pid <pid>" for a job process, or '' when no such job runs.
   * A job without a process of its own (inside the daemon, or not started yet) is cancelled, its commands stopped,
   * and the answer says so instead of naming a pid.
   */
  kill(jid: string): string {
    const e = this.jobs.get(jid);
    if (!e) return '';
    e.controller.abort();
    if (e.pid === undefined) return `Job ${jid} cancelled: it has no process of its own (it runs inside the minion daemon or has not started), its commands were stopped`;
    return `Signal 9 sent to job ${jid} at pid ${e.pid}`;
  }
}
