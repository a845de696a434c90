/**
 * A job process (see job-process.ts): runs execution functions — rendering and running states, commands — one
 * job at a time, away from the daemon's event loop, and sends each outcome back. A template's `mine.get` is asked
 * of the daemon and answered synchronously (a blocking read of the answer pipe), as templates expect.
 */
import * as fs from 'fs';
import { FileEnvs, FileRoots, SinkLogger, errorMessage, type Dict } from '@brine/core';
import { chooseProviders, type Providers } from '@brine/engine';
import { loadExtensions, type ExecEnv, type MineView } from '@brine/modules';
import { fromWireData } from '@brine/render';
import { ANSWER_FD, unhandled, type Answer, type FromJob, type JobSpec, type ToJob } from './job-protocol';
import { callFunction, failed } from './outcome';

function send(m: FromJob): void {
  process.send!(m);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** The next line of the answer pipe (blocking: the job has nothing else to do until it is answered). */
function readAnswer(): Answer {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(ANSWER_FD, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 2); // a non-blocking pipe: poll
      continue;
    }
    if (n === 0) throw new Error('the minion daemon went away');
    chunks.push(Buffer.from(buf.subarray(0, n)));
    if (buf[n - 1] === 0x0a) return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer;
  }
}

/** A template's `mine.get`: asked of the daemon (which asks the master, or uses saved answers), remembered per job. */
class AskingMine implements MineView {
  private readonly seen = new Map<string, Dict>();
  get(tgt: string, fun: string, tgtType: string): Dict {
    const key = JSON.stringify([tgt, fun, tgtType]);
    const hit = this.seen.get(key);
    if (hit) return hit;
    send({ kind: 'mine.get', tgt, fun, tgtType });
    const a = readAnswer();
    switch (a.kind) {
      case 'mine.get':
        this.seen.set(key, a.data);
        return a.data;
      case 'error':
        throw new Error(`mine.get: ${a.message}`);
      default:
        return unhandled(a);
    }
  }
}

/** The running job's cancellation (ToJob `cancel`). */
let current: AbortController | undefined;

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
}

async function run(job: JobSpec): Promise<void> {
  // Logs go to the daemon's log.
  const log = new SinkLogger((level, msg, meta) => send({ kind: 'log', level, msg, meta }));
  const controller = (current = new AbortController());
  // Custom modules and states synced into the extension cache (re-read for each job: a sync takes effect at once).
  loadExtensions(typeof job.opts['cachedir'] === 'string' ? job.opts['cachedir'] : undefined, log);
  let providers: Providers | undefined;
  const env: ExecEnv = {
    id: job.id,
    grains: job.grains,
    pillar: fromWireData(job.pillar) as Dict,
    opts: job.opts,
    log,
    roots: new FileRoots(job.fileRoots['base'] ?? []),
    envs: FileEnvs.fromDirs(job.fileRoots),
    providers: () => (providers ??= chooseProviders(job.opts as never)),
    mine: new AskingMine(),
    signal: controller.signal,
  };
  let outcome;
  // A job's environment changes (environ.setenv) end with the job, as they do in Salt's forked job process: this
  // process runs the next job too.
  const environ = { ...process.env };
  try {
    outcome = await callFunction(job.fun, job.args, job.kwargs, env);
  } catch (e) {
    outcome = failed(job.fun, e, log);
  } finally {
    restoreEnv(environ);
  }
  if (current === controller) current = undefined;
  send({ kind: 'done', outcome, rss: process.memoryUsage().rss });
}

process.on('message', (m: ToJob) => {
  switch (m.kind) {
    case 'run':
      void run(m.job).catch((e) => {
        process.stderr.write(`brine job process: ${errorMessage(e)}\n`);
        process.exit(1);
      });
      return;
    case 'cancel':
      current?.abort();
      return;
    default:
      unhandled(m);
  }
});
// The daemon closed the channel (no more jobs), or is gone: nobody is waiting for this job.
process.on('disconnect', () => process.exit(0));
