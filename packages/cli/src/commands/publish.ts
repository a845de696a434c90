/**
 * `brine run TARGET FUN ARGS` and `brine state highstate|apply|sls`: publish a job through the master, show a live
 * count while waiting, print each return as it arrives, then name every expected minion that did not return and why.
 */
import { UsageError, type Outcome, type TargetType } from '@brine/core';
import { loadMasterOpts } from '@brine/config';
import { ControlClient, MasterLost, MasterUnavailable } from '../control-client';
import { EXIT, exitCode, returnOutcome, worseOutcome } from '../exit';
import type { GlobalOpts } from '../globals';
import { format, summarise, isStateReturn, type OutName } from '../output';
import { Progress } from '../progress';

export interface TargetFlags {
  grain?: boolean;
  list?: boolean;
  pcre?: boolean;
  compound?: boolean;
  pillar?: boolean;
  nodegroup?: boolean;
}

export interface PublishOpts extends GlobalOpts, TargetFlags {
  timeout?: string;
  async?: boolean;
  batch?: string;
}

export function targetType(f: TargetFlags): TargetType {
  const picked = (
    [
      ['grain', f.grain],
      ['list', f.list],
      ['pcre', f.pcre],
      ['compound', f.compound],
      ['pillar', f.pillar],
      ['nodegroup', f.nodegroup],
    ] as const
  ).filter(([, on]) => on);
  if (picked.length > 1) throw new UsageError(`pick one target type, not ${picked.map(([t]) => t).join(' and ')}`);
  return picked[0]?.[0] ?? 'glob';
}

export interface JobSpec {
  tgt: string;
  fun: string;
  arg: unknown[];
  kwarg: Record<string, unknown>;
}

interface MinionReturn {
  minion: string;
  ret: unknown;
  outcome?: Outcome;
  success: boolean;
  out?: string;
}

/** Batch size from `-b N` or `-b N%` of the expected minions. */
export function batchSize(spec: string, total: number): number {
  const m = /^(\d+)(%?)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--batch: '${spec}' is not N or N%`);
  const n = m[2] ? Math.ceil((total * Number(m[1])) / 100) : Number(m[1]);
  return Math.max(1, n);
}

export async function publishCommand(job: JobSpec, o: PublishOpts): Promise<number> {
  const mopts = loadMasterOpts(o.configDir);
  const tgtType = targetType(o);
  const timeout = o.timeout !== undefined ? Number(o.timeout) : mopts.timeout;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout: '${o.timeout}' is not a positive number of seconds`);
  const client = new ControlClient(mopts.sock_dir);
  try {
    if (o.async) {
      const r = await client.request('publish', { ...job, tgt_type: tgtType, timeout, async: true });
      process.stdout.write(`Executed command with job ID: ${r.jid}\n`);
      return EXIT.ok;
    }
    return exitCode(o.batch ? await runBatches(client, job, tgtType, timeout, o) : await runJob(client, job, tgtType, timeout, o));
  } finally {
    client.close();
  }
}

async function runBatches(client: ControlClient, job: JobSpec, tgtType: TargetType, timeout: number, o: PublishOpts): Promise<Outcome> {
  const m = await client.request('match', { tgt: job.tgt, tgt_type: tgtType });
  const ids = m.minions;
  const size = batchSize(o.batch!, ids.length);
  let worst: Outcome = 'ok';
  const all: Record<string, unknown> = {};
  // Salt's sliding window: `size` minions at work at any time; the next one starts as soon as one returns.
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      process.stderr.write(`Executing run on ['${id}']\n`);
      const rc = await runJob(client, { ...job, tgt: id }, 'list', timeout, o, all, false);
      worst = worseOutcome(worst, rc); // read `worst` after the await: the other workers update it meanwhile
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, ids.length) }, worker));
  // Structured output is one document for the whole run, not one per batch.
  if (isStructured(o)) process.stdout.write(format(all, 'json', o.outOptions) + '\n');
  return worst;
}

const isStructured = (o: PublishOpts) => o.outOptions.out === 'json' || o.outOptions.out === 'yaml';

/** One job; with `collect`, structured output is gathered there for the caller to print (batches). */
async function runJob(client: ControlClient, job: JobSpec, tgtType: TargetType, timeout: number, o: PublishOpts, collect?: Record<string, unknown>, live = true): Promise<Outcome> {
  // `live`: the progress line (off for batch members, which run side by side).
  const progress = new Progress(live && process.stderr.isTTY === true && o.outOptions.out !== 'json' && o.outOptions.out !== 'yaml');
  const returns: Record<string, unknown> = {};
  let expected: string[] = [];
  let returned = 0;
  let failed = 0;
  const running = new Set<string>();
  let code: Outcome = 'ok';
  let jid: string | undefined;
  const structured = isStructured(o);
  const isState = job.fun.startsWith('state.');
  const redraw = () => progress.draw({ returned, expected: expected.length, failed, running: running.size });
  const request = client.request(
    'publish',
    { ...job, tgt_type: tgtType, timeout },
    { onEvent: (ev) => {
      if (ev.event === 'job') {
        jid = ev.jid;
        expected = ev.expected;
        redraw();
      } else if (ev.event === 'running') {
        running.add(ev.minion);
        redraw();
      } else if (ev.event === 'return') {
        const r: MinionReturn = ev;
        running.delete(r.minion);
        returned++;
        const outcome = returnOutcome(r);
        if (outcome !== 'ok') failed++;
        code = worseOutcome(code, outcome);
        returns[r.minion] = r.ret;
        if (!structured) {
          progress.clear();
          const preferred: OutName = r.out === 'highstate' || (isState && (isStateReturn(r.ret) || Array.isArray(r.ret))) ? 'highstate' : 'nested';
          process.stdout.write(format({ [r.minion]: r.ret }, preferred, o.outOptions) + '\n');
        }
        redraw();
      }
    }, timeoutMs: (timeout + 30) * 1000 },
  );
  let final: { jid: string; missing?: Record<string, string> };
  try {
    final = await request;
  } catch (e) {
    // The master went away after publishing: the job may well have run. Say so, and how to find its returns.
    if (jid === undefined || !(e instanceof MasterLost || e instanceof MasterUnavailable)) throw e;
    progress.clear();
    const lost = expected.filter((id) => !(id in returns));
    process.stderr.write(
      `${e.message}: job ${jid} was published; ${lost.length} of ${expected.length} minions had not returned. ` +
        `Minions still return to the master once it is back: brine jobs show ${jid}\n`,
    );
    final = { jid, missing: Object.fromEntries(lost.map((id) => [id, 'Master went away'])) };
  }
  progress.clear();
  const missing = final.missing ?? {};
  for (const [id, why] of Object.entries(missing)) {
    returns[id] = `Minion did not return. [${why}]`;
    if (!structured) process.stdout.write(format({ [id]: returns[id] }, 'nested', o.outOptions) + '\n');
    code = worseOutcome(code, 'missing');
  }
  if (structured && collect) Object.assign(collect, returns);
  else if (structured) process.stdout.write(format(returns, 'json', o.outOptions) + '\n');
  if (expected.length === 0) {
    process.stderr.write(`No minions matched the target '${job.tgt}'. No command was sent, no jid was assigned.\n`);
    return 'error';
  }
  // Like salt: a failed function or state is also said on stderr, not only in the returns.
  if (failed > 0) process.stderr.write('ERROR: Minions returned with non-zero exit code\n');
  const summary = isState && !structured && expected.length > 1;
  if (!summary && Object.keys(missing).length > 0) process.stderr.write(`jid ${final.jid}: ${Object.keys(missing).length} of ${expected.length} minions did not return (brine jobs show ${final.jid})\n`);
  if (summary) {
    let ok = 0;
    let changed = 0;
    let bad = 0;
    for (const r of Object.values(returns)) {
      if (!isStateReturn(r)) continue;
      const s = summarise(r);
      if (s.failed) bad++;
      else ok++;
      changed += s.changed;
    }
    process.stderr.write(`\nMinions: ${expected.length} targeted, ${returned} returned (${ok} succeeded, ${bad} failed), ${Object.keys(missing).length} did not return; ${changed} states changed. jid ${final.jid}\n`);
  }
  return code;
}
