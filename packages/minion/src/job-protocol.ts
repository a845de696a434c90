/**
 * The channel between the minion daemon and a job process (job-process.ts / job-child.ts). Messages travel on the
 * child's IPC channel, except the answers to a job's synchronous questions (a template's `mine.get`), which come
 * back on a pipe of their own that the job reads with a blocking read: one JSON document per line.
 */
import type { Dict } from '@brine/core';
import type { JobOutcome } from './outcome';

/** Everything a job needs to run away from the daemon; plain data. */
export interface JobSpec {
  fun: string;
  args: unknown[];
  kwargs: Dict;
  id: string;
  grains: Dict;
  /** In its wire form (render's toWireData): JSON objects would drop int keys and integer-like key order. */
  pillar: Dict;
  opts: Dict;
  /** The state trees: the minion's synced copy of the master's file roots, by saltenv. */
  fileRoots: Record<string, string[]>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Daemon -> job (IPC): one job at a time; the process ends when the daemon closes the channel. `cancel` aborts the
 * running job's ExecEnv.signal (saltutil.kill_job).
 */
export type ToJob = { kind: 'run'; job: JobSpec } | { kind: 'cancel' };

/**
 * Job -> daemon (IPC). `mine.get` is a question: the job waits for its `Answer` on the answer pipe. `done` ends a
 * job (with the process's resident size: a process that grew large is not kept for the next job).
 */
export type FromJob =
  | { kind: 'log'; level: LogLevel; msg: string; meta?: Record<string, unknown> }
  | { kind: 'mine.get'; tgt: string; fun: string; tgtType: string }
  | { kind: 'done'; outcome: JobOutcome; rss: number };

/** Daemon -> job (answer pipe), one per question, in order. */
export type Answer = { kind: 'mine.get'; data: Dict } | { kind: 'error'; message: string };

/** The answer pipe's file descriptor in the job process (stdio: ignore, inherit, inherit, ipc, answers). */
export const ANSWER_FD = 4;

/** For a `switch` over a message's kind: a kind added to a union and not handled is a compile error. */
export function unhandled(m: never): never {
  throw new Error(`job channel: unexpected message ${JSON.stringify(m)}`);
}
