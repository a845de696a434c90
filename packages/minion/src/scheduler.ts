/**
 * The per-minion schedule (Salt's `schedule:` in minion config or pillar): run a function every
 * seconds/minutes/hours plus a random splay, at most `maxrunning` at once, optionally on start, and return the
 * result to the master's job cache. It keeps running when the master is away: state runs use the cached tree.
 */
import { errorMessage, isDict, type Dict, type Logger } from '@brine/core';
import type { Minion } from './daemon';

export interface ScheduleJob {
  name: string;
  function: string;
  args: unknown[];
  kwargs: Dict;
  intervalMs: number;
  splay: { start: number; end: number } | null;
  maxrunning: number;
  runOnStart: boolean;
  returnJob: boolean;
  enabled: boolean;
}

/**
 * Salt's schedule entries. `job_args`/`job_kwargs` or `args`/`kwargs`; a top-level `enabled: False` disables every
 * job. An entry that cannot run (no function, no positive interval, a bad splay or maxrunning) is left out and
 * reported through `problem`, never silently dropped.
 */
export function parseSchedule(spec: unknown, problem: (name: string, why: string) => void = () => {}): ScheduleJob[] {
  if (!isDict(spec)) return [];
  const allEnabled = spec['enabled'] === undefined || Boolean(spec['enabled']);
  const out: ScheduleJob[] = [];
  const num = (v: unknown): number => (v === undefined ? 0 : Number(v));
  for (const [name, raw] of Object.entries(spec)) {
    if (name === 'enabled') continue;
    if (!isDict(raw)) {
      problem(name, 'is not a mapping');
      continue;
    }
    const intervalS = num(raw['seconds']) + num(raw['minutes']) * 60 + num(raw['hours']) * 3600 + num(raw['days']) * 86400;
    if (!raw['function']) {
      problem(name, "has no 'function'");
      continue;
    }
    if (!(intervalS > 0)) {
      problem(name, 'needs a positive seconds/minutes/hours/days');
      continue;
    }
    const sp = raw['splay'];
    const splay = isDict(sp) ? { start: num(sp['start']), end: num(sp['end']) } : sp !== undefined && Number(sp) > 0 ? { start: 0, end: Number(sp) } : null;
    if ((sp !== undefined && splay === null && Number(sp) !== 0) || (splay && !(splay.start >= 0 && splay.end >= splay.start))) {
      problem(name, `splay ${JSON.stringify(sp)} is not N or {start, end} with 0 <= start <= end`);
      continue;
    }
    const maxrunning = raw['maxrunning'] === undefined ? 1 : Number(raw['maxrunning']);
    if (!(Number.isInteger(maxrunning) && maxrunning >= 1)) {
      problem(name, `maxrunning ${JSON.stringify(raw['maxrunning'])} is not a whole number >= 1`);
      continue;
    }
    const args = raw['job_args'] ?? raw['args'];
    const kwargs = raw['job_kwargs'] ?? raw['kwargs'];
    out.push({
      name,
      function: String(raw['function']),
      args: Array.isArray(args) ? args : args !== undefined ? [args] : [],
      kwargs: isDict(kwargs) ? kwargs : {},
      intervalMs: intervalS * 1000,
      splay,
      maxrunning,
      runOnStart: raw['run_on_start'] === undefined ? true : Boolean(raw['run_on_start']),
      returnJob: raw['return_job'] === undefined ? true : Boolean(raw['return_job']),
      enabled: allEnabled && (raw['enabled'] === undefined ? true : Boolean(raw['enabled'])),
    });
  }
  return out;
}

/** The random extra delay before a run: uniform in [start, end] seconds. */
export function splayMs(job: Pick<ScheduleJob, 'splay'>, rand: () => number = Math.random): number {
  if (!job.splay) return 0;
  return Math.round((job.splay.start + rand() * (job.splay.end - job.splay.start)) * 1000);
}

let lastJid = '';
/** A job id for a scheduled run, in the master's format (YYYYMMDDhhmmssffffff, UTC). */
export function scheduleJid(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:TZ.]/g, ''); // YYYYMMDDhhmmssmmm
  let jid = `${iso}000`;
  if (jid <= lastJid) jid = (BigInt(lastJid) + 1n).toString();
  lastJid = jid;
  return jid;
}

interface Entry {
  job: ScheduleJob;
  timer?: NodeJS.Timeout;
  running: number;
  nextAt?: number;
  lastRun?: string;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private started = false;
  /** Fired runs, for tests and schedule.list: name -> start times (ms). */
  readonly history: { name: string; at: number; jid: string }[] = [];

  constructor(private readonly minion: Minion, private readonly log: Logger) {}

  jobs(): ScheduleJob[] {
    const fromPillar = this.minion.core.pillar['schedule'];
    const spec = isDict(fromPillar) ? { ...this.minion.opts.schedule, ...fromPillar } : this.minion.opts.schedule;
    return parseSchedule(spec, (name, why) => this.log.warn(`schedule: job '${name}' ${why}; it does not run`, { name }));
  }

  start(): void {
    this.started = true;
    this.reload();
  }

  /** Re-read the schedule (after a pillar refresh); unchanged jobs keep their timers. */
  reload(): void {
    if (!this.started) return;
    const want = new Map(this.jobs().map((j) => [j.name, j]));
    for (const [name, e] of this.entries) {
      if (JSON.stringify(want.get(name)) !== JSON.stringify(e.job)) {
        clearTimeout(e.timer);
        this.entries.delete(name);
      }
    }
    for (const [name, job] of want) {
      if (this.entries.has(name)) continue;
      const e: Entry = { job, running: 0 };
      this.entries.set(name, e); // disabled jobs are listed, not armed
      if (job.enabled) this.arm(e, job.runOnStart ? 0 : job.intervalMs);
    }
  }

  private arm(e: Entry, baseMs: number): void {
    const delay = baseMs + splayMs(e.job);
    e.nextAt = Date.now() + delay;
    e.timer = setTimeout(() => {
      void this.fire(e);
      this.arm(e, e.job.intervalMs);
    }, delay);
    e.timer.unref();
  }

  /** Run one scheduled job now (also `schedule.run_job`). */
  async fire(e: Entry): Promise<unknown> {
    const job = e.job;
    if (e.running >= job.maxrunning) {
      this.log.info('scheduled job skipped: maxrunning reached', { name: job.name, maxrunning: job.maxrunning });
      return null;
    }
    e.running++;
    const jid = scheduleJid();
    const at = Date.now();
    this.history.push({ name: job.name, at, jid });
    e.lastRun = new Date(at).toISOString();
    this.log.info('scheduled job started', { name: job.name, fun: job.function, jid });
    try {
      const out = await this.minion.runner.execute(job.function, job.args, job.kwargs);
      const offline = this.minion.core.offline;
      if (offline) this.log.warn('scheduled job ran without the master (cached state tree and pillar)', { name: job.name, jid });
      if (job.returnJob) await this.minion.sendReturn({ kind: 'return', jid, fun: job.function, ret: out.ret, outcome: out.outcome, retcode: out.retcode, success: out.success, out: out.out, schedule: job.name }, offline);
      return out.ret;
    } catch (e2) {
      this.log.error('scheduled job failed', { name: job.name, error: errorMessage(e2) });
      return null;
    } finally {
      e.running--;
    }
  }

  list(): Dict {
    const out: Dict = {};
    for (const e of this.entries.values()) {
      const j = e.job;
      out[j.name] = { function: j.function, args: j.args, kwargs: j.kwargs, seconds: j.intervalMs / 1000, splay: j.splay, maxrunning: j.maxrunning, run_on_start: j.runOnStart, return_job: j.returnJob, enabled: j.enabled, next_fire_time: e.nextAt ? new Date(e.nextAt).toISOString() : null, last_run: e.lastRun ?? null };
    }
    return out;
  }

  async runJob(name: string, force = false): Promise<unknown> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`schedule.run_job: no job named '${name}' (schedule.list shows them)`);
    if (!e.job.enabled && !force) throw new Error(`schedule.run_job: job '${name}' is disabled (pass force=True to run it anyway)`);
    return this.fire(e);
  }

  stop(): void {
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
    this.started = false;
  }
}
