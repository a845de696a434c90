/**
 * Jobs that render or run (state.*, cmd.*, ...) run in a process of their own (job-child.ts), so that the daemon
 * keeps answering pings, `job.running` and quick jobs meanwhile: a 20 MB SLS renders for seconds and a command
 * can run for minutes, both as synchronous work. The job process also has V8's usual settings (the daemon runs
 * lean, in --lite-mode, which renders three times slower) and a heap of its own (a job that runs out of memory
 * fails; the minion stays). It asks the daemon for what only the daemon can answer: mine data from the master.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Writable } from 'stream';
import { errorMessage, type Dict, type Logger } from '@brine/core';
import { ANSWER_FD, unhandled, type Answer, type FromJob, type JobSpec, type ToJob } from './job-protocol';
import type { JobOutcome } from './outcome';

/** The job process's entry point; from the sources (tests), the built one next to them. */
const ENTRY = [path.join(__dirname, 'job-child.js'), path.join(__dirname, '../dist/job-child.js')].find((f) => fs.existsSync(f));

export interface JobProcessHost {
  log: Logger;
  /** A template's `mine.get` (the job waits for the answer). */
  mine(tgt: string, fun: string, tgtType: string): Promise<Dict>;
}

function lost(fun: string, why: string): JobOutcome {
  return { ret: `${fun}: ${why}`, outcome: 'error', retcode: 1, success: false, out: 'nested' };
}

/** Run one job in a new job process; resolves when it has ended (never rejects). */
export function runInJobProcess(job: JobSpec, host: JobProcessHost): Promise<JobOutcome> {
  return new Promise((resolve) => {
    if (!ENTRY) return resolve(lost(job.fun, 'the job process entry (job-child.js) is missing; build the minion package'));
    const child = spawn(process.execPath, [ENTRY], { stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'] });
    const answers = child.stdio[ANSWER_FD] as Writable;
    answers.on('error', () => undefined); // the job is gone; 'close' reports it
    let outcome: JobOutcome | undefined;
    let spawnError: Error | undefined;
    // Questions come one at a time (the job waits for each answer); a chain keeps their answers in order anyway.
    let answering = Promise.resolve();
    const answer = (ask: () => Promise<Answer>) => {
      answering = answering.then(async () => {
        let a: Answer;
        try {
          a = await ask();
        } catch (e) {
          a = { kind: 'error', message: errorMessage(e) };
        }
        answers.write(JSON.stringify(a) + '\n');
      });
    };
    child.on('message', (m: FromJob) => {
      switch (m.kind) {
        case 'log':
          host.log[m.level](m.msg, m.meta);
          return;
        case 'mine.get':
          answer(async () => ({ kind: 'mine.get', data: await host.mine(m.tgt, m.fun, m.tgtType) }));
          return;
        case 'done':
          outcome = m.outcome;
          return;
        default:
          unhandled(m);
      }
    });
    child.on('error', (e) => (spawnError = e));
    // 'close': the process has exited and its IPC channel is drained (the outcome, if sent, has arrived).
    child.on('close', (code, signal) => {
      if (outcome) return resolve(outcome);
      if (spawnError) return resolve(lost(job.fun, `cannot start a job process: ${spawnError.message}`));
      host.log.error('job process ended without a result', { fun: job.fun, pid: child.pid, code, signal });
      resolve(lost(job.fun, `the job process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) before returning a result`));
    });
    if (child.pid !== undefined) host.log.debug('job process started', { fun: job.fun, pid: child.pid });
    child.send({ kind: 'run', job } satisfies ToJob);
  });
}
