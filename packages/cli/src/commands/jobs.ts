/** `brine jobs list|show JID`: the master's job cache, read from disk (no running master needed). */
import { UsageError } from '@brine/core';
import { JobCache, JobCacheDamaged, loadMasterOpts, type JobRecord } from '@brine/master';
import { EXIT } from '../exit';
import type { GlobalOpts } from '../globals';
import { format } from '../output';

/** Damaged job cache files are named on stderr; the command then exits with an error after printing the rest. */
function reportDamaged(files: string[]): number {
  for (const f of files) process.stderr.write(`brine: job cache: ${f} is damaged and was skipped\n`);
  return files.length ? EXIT.error : EXIT.ok;
}

export async function jobsCommand(action: string, jid: string | undefined, o: GlobalOpts): Promise<number> {
  const m = loadMasterOpts(o.configDir);
  const cache = new JobCache(m.cachedir, m.keep_jobs);
  if (action === 'list') {
    const out: Record<string, unknown> = {};
    const damaged: string[] = [];
    for (const j of cache.list(damaged)) {
      const rets = cache.readReturns(j.jid);
      damaged.push(...rets.damaged);
      out[j.jid] = { Function: j.fun, Arguments: j.arg, Target: j.tgt, 'Target-type': j.tgt_type, User: j.user, StartTime: j.started, Expected: j.expected.length, Returned: rets.returns.length };
    }
    process.stdout.write(format({ jobs: out }, 'nested', o.outOptions) + '\n');
    return reportDamaged(damaged);
  }
  if (action === 'show') {
    if (!jid) throw new UsageError('jobs show: name a job id (brine jobs list shows them)');
    const damaged: string[] = [];
    let job: JobRecord | null = null;
    try {
      job = cache.job(jid);
    } catch (e) {
      if (!(e instanceof JobCacheDamaged)) throw e;
      damaged.push(e.file);
    }
    const { returns: rets, damaged: badReturns } = cache.readReturns(jid);
    damaged.push(...badReturns);
    if (!job && damaged.length === 0 && rets.length === 0) throw new UsageError(`jobs show: no job ${jid} in the job cache`);
    const returns: Record<string, unknown> = {};
    for (const r of rets) returns[r.id] = r.ret;
    for (const id of job?.expected ?? []) if (!(id in returns)) returns[id] = 'Minion did not return.';
    const fun = job?.fun ?? rets[0]?.fun ?? '';
    process.stdout.write(format(returns, fun.startsWith('state.') ? 'highstate' : 'nested', o.outOptions) + '\n');
    return reportDamaged(damaged);
  }
  throw new UsageError(`jobs: unknown action '${action}' (list, show)`);
}
