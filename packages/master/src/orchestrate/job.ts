/**
 * Jobs run from inside the master (orchestrate steps, reactor actions): publish, then gather the returns through the
 * same watch the CLI uses, as a promise. `batch` runs Salt's sliding window over the expected minions.
 */
import { UsageError, worseOutcome, type Dict, type Outcome, type TargetType } from '@brine/core';
import type { Master } from '../server';

export interface JobSpec {
  tgt: string | string[];
  tgtType: TargetType;
  fun: string;
  arg: unknown[];
  kwarg: Dict;
  user?: string;
}

export interface MinionReturn {
  ret: unknown;
  outcome: Outcome;
  retcode: number | undefined;
  success: boolean;
}

export interface JobResult {
  /** The jid of the (last) publication; '' when nothing was published (no minion matched). */
  jid: string;
  expected: string[];
  returns: Record<string, MinionReturn>;
  /** Expected minions that did not return, with the reason (`Not connected`, `Timed out`, `Still running`). */
  missing: Record<string, string>;
}

function outcomeOf(v: unknown, success: boolean): Outcome {
  return v === 'ok' || v === 'error' || v === 'failed' || v === 'missing' ? v : success ? 'ok' : 'error';
}

/** Publish one job and wait for its returns (`timeoutMs` of silence ends the wait, as for the CLI). */
export async function runJob(master: Master, spec: JobSpec, timeoutMs: number, maxWaitMs = 3600_000): Promise<JobResult> {
  const { jid, expected } = await master.publish(spec);
  const returns: Record<string, MinionReturn> = {};
  const missing = await new Promise<Record<string, string>>((resolve) => {
    master.watch(
      jid,
      expected,
      {
        event: (d) => {
          if (d['event'] !== 'return') return;
          const success = d['success'] !== false;
          returns[String(d['minion'])] = { ret: d['ret'], outcome: outcomeOf(d['outcome'], success), retcode: typeof d['retcode'] === 'number' ? d['retcode'] : undefined, success };
        },
        end: (d) => resolve((d['missing'] as Record<string, string> | undefined) ?? {}),
      },
      timeoutMs,
      maxWaitMs,
    );
  });
  return { jid: expected.length ? jid : '', expected, returns, missing };
}

/** `N` or `N%` of `total`, at least 1. */
export function batchSize(spec: string | number, total: number): number {
  const m = /^(\d+)(%?)$/.exec(String(spec).trim());
  if (!m) throw new UsageError(`batch: '${String(spec)}' is not N or N%`);
  const n = m[2] ? Math.ceil((total * Number(m[1])) / 100) : Number(m[1]);
  return Math.max(1, n);
}

/** The minions a target would reach now (nodegroups expanded as `publish` expands them). */
export function targetedMinions(master: Master, tgt: string | string[], tgtType: TargetType): string[] {
  const t = master.expandTarget(tgt, tgtType);
  return master.expectedMinions(t.tgt, t.tgtType);
}

/** Salt's batch: `size` minions at work at any time, the next one starting as soon as one returns. */
export async function runBatched(master: Master, spec: JobSpec, batch: string | number, timeoutMs: number): Promise<JobResult> {
  const ids = targetedMinions(master, spec.tgt, spec.tgtType);
  const size = batchSize(batch, ids.length);
  const all: JobResult = { jid: '', expected: ids, returns: {}, missing: {} };
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const r = await runJob(master, { ...spec, tgt: [id], tgtType: 'list' }, timeoutMs);
      all.jid = r.jid || all.jid;
      Object.assign(all.returns, r.returns);
      Object.assign(all.missing, r.missing);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, ids.length) }, worker));
  return all;
}

/** The worst outcome of a job's returns (a missing minion counts as `missing`). */
export function jobOutcome(r: JobResult): Outcome {
  let worst: Outcome = 'ok';
  for (const m of Object.values(r.returns)) worst = worseOutcome(worst, m.outcome);
  if (Object.keys(r.missing).length) worst = worseOutcome(worst, 'missing');
  return worst;
}
