/**
 * Jobs that render or run (state.*, cmd.*, ...) run in a job process (job-child.ts), so that the daemon keeps
 * answering pings, `job.running` and quick jobs meanwhile: a 20 MB SLS renders for seconds and a command can run
 * for minutes, both as synchronous work. A job process also has V8's usual settings (the daemon runs lean, in
 * --lite-mode, which renders three times slower) and a heap of its own (a job that runs out of memory fails; the
 * minion stays). It asks the daemon for what only the daemon can answer: mine data from the master.
 *
 * Starting a process costs a few hundred milliseconds of CPU (node and the engine's modules), more than a small
 * state run itself, so one process is kept warm between jobs: it runs the next job too, unless it grew large
 * (a big render: it ends and gives its memory back), ran many jobs, or waited IDLE_MS for one. Each job gets its
 * own environment; what a job process keeps between jobs is only its loaded code.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Writable } from 'stream';
import { errorMessage, type Dict, type Logger } from '@brine/core';
import { ANSWER_FD, unhandled, type Answer, type FromJob, type JobSpec, type ToJob } from './job-protocol';
import type { JobOutcome } from './outcome';

/** The job process's entry point; from the sources (tests), the built one next to them. */
const ENTRY = [path.join(__dirname, 'job-child.js'), path.join(__dirname, '../dist/job-child.js')].find((f) => fs.existsSync(f));

/** A warm job process ends after this long without a job. */
const IDLE_MS = 15_000;
/** ... or when a job left it larger than this (resident), or after this many jobs. */
const MAX_KEPT_RSS = 200 * 1024 * 1024;
const MAX_JOBS = 100;

export interface JobProcessHost {
  log: Logger;
  /** A template's `mine.get` (the job waits for the answer). */
  mine(tgt: string, fun: string, tgtType: string): Promise<Dict>;
  /** Aborted when the job is killed (saltutil.kill_job): the job is told to stop, and ended if it does not. */
  signal?: AbortSignal;
  /** Told the job process's pid (saltutil.running shows it). */
  onPid?(pid: number): void;
}

/** How long a cancelled job may take to stop its commands and return before its process is killed. */
const CANCEL_GRACE_MS = 3000;

function lost(fun: string, why: string): JobOutcome {
  return { ret: `${fun}: ${why}`, outcome: 'error', retcode: 1, success: false, out: 'nested' };
}

/** One job process: runs the jobs it is given, one at a time. */
class JobProcess {
  private readonly child: ChildProcess;
  private readonly answers: Writable;
  private answering = Promise.resolve();
  private current: { job: JobSpec; host: JobProcessHost; done: (o: JobOutcome) => void } | undefined;
  private spawnError: Error | undefined;
  exited = false;
  jobs = 0;
  rss = 0;

  constructor() {
    this.child = spawn(process.execPath, [ENTRY!], { stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'] });
    this.answers = this.child.stdio[ANSWER_FD] as Writable;
    this.answers.on('error', () => undefined); // the process is gone; 'close' reports it
    this.child.on('message', (m: FromJob) => this.onMessage(m));
    this.child.on('error', (e) => (this.spawnError = e));
    // 'close': the process has exited and its IPC channel is drained (an outcome it sent has arrived).
    this.child.on('close', (code, signal) => {
      this.exited = true;
      const cur = this.current;
      if (!cur) return;
      this.current = undefined;
      if (this.spawnError) return cur.done(lost(cur.job.fun, `cannot start a job process: ${this.spawnError.message}`));
      cur.host.log.error('job process ended without a result', { fun: cur.job.fun, pid: this.child.pid, code, signal });
      cur.done(lost(cur.job.fun, `the job process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) before returning a result`));
    });
  }

  run(job: JobSpec, host: JobProcessHost): Promise<JobOutcome> {
    this.jobs++;
    this.hold(true);
    return new Promise((done) => {
      let killer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (this.current?.job !== job) return;
        try {
          this.child.send({ kind: 'cancel' } satisfies ToJob);
        } catch {
          /* gone: 'close' reports it */
        }
        killer = setTimeout(() => {
          if (this.current?.job === job) this.child.kill('SIGKILL');
        }, CANCEL_GRACE_MS);
      };
      const finish = (o: JobOutcome) => {
        clearTimeout(killer);
        host.signal?.removeEventListener('abort', onAbort);
        done(o);
      };
      this.current = { job, host, done: finish };
      if (this.child.pid) host.onPid?.(this.child.pid);
      host.signal?.addEventListener('abort', onAbort, { once: true });
      host.log.debug('job process started', { fun: job.fun, pid: this.child.pid, jobs: this.jobs });
      try {
        this.child.send({ kind: 'run', job } satisfies ToJob);
      } catch (e) {
        this.current = undefined;
        finish(lost(job.fun, `cannot reach the job process: ${errorMessage(e)}`));
      }
    });
  }

  /** Whether this process keeps the daemon (or a CLI) alive: only while it runs a job. */
  hold(on: boolean): void {
    const handles = [this.child, this.child.channel, this.answers as unknown as { ref(): void; unref(): void }];
    for (const h of handles) if (h) (on ? h.ref() : h.unref());
  }

  end(): void {
    if (this.child.connected) this.child.disconnect(); // the job process exits when its channel closes
  }

  private onMessage(m: FromJob): void {
    const cur = this.current;
    switch (m.kind) {
      case 'log':
        cur?.host.log[m.level](m.msg, m.meta);
        return;
      case 'mine.get':
        // Questions come one at a time (the job waits for each answer); a chain keeps their answers in order anyway.
        this.answering = this.answering.then(async () => {
          let a: Answer;
          try {
            if (!cur) throw new Error('no job is running');
            a = { kind: 'mine.get', data: await cur.host.mine(m.tgt, m.fun, m.tgtType) };
          } catch (e) {
            a = { kind: 'error', message: errorMessage(e) };
          }
          this.answers.write(JSON.stringify(a) + '\n');
        });
        return;
      case 'done':
        this.rss = m.rss;
        this.current = undefined;
        cur?.done(m.outcome);
        return;
      default:
        unhandled(m);
    }
  }
}

let warm: { proc: JobProcess; timer: NodeJS.Timeout } | undefined;

/** Run one job in a job process (the warm one, or a new one); resolves when it has ended (never rejects). */
export async function runInJobProcess(job: JobSpec, host: JobProcessHost): Promise<JobOutcome> {
  if (!ENTRY) return lost(job.fun, 'the job process entry (job-child.js) is missing; build the minion package');
  let proc: JobProcess | undefined;
  if (warm) {
    clearTimeout(warm.timer);
    proc = warm.proc;
    warm = undefined;
  }
  if (!proc || proc.exited) proc = new JobProcess();
  const outcome = await proc.run(job, host);
  if (proc.exited) return outcome;
  if (warm || proc.rss > MAX_KEPT_RSS || proc.jobs >= MAX_JOBS) {
    proc.end();
    return outcome;
  }
  proc.hold(false);
  const timer = setTimeout(() => {
    if (warm?.proc === proc) warm = undefined;
    proc.end();
  }, IDLE_MS);
  timer.unref();
  warm = { proc, timer };
  return outcome;
}
