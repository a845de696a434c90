/** `brine jobs list|show JID`: the master's job cache, read from disk (no running master needed). */
import { UsageError } from '@brine/core';
import { JobCache, loadMasterOpts } from '@brine/master';
import { EXIT } from '../exit';
import type { GlobalOpts } from '../globals';
import { format } from '../output';

export async function jobsCommand(action: string, jid: string | undefined, o: GlobalOpts): Promise<number> {
  const m = loadMasterOpts(o.configDir);
  const cache = new JobCache(m.cachedir, m.keep_jobs);
  if (action === 'list') {
    const out: Record<string, unknown> = {};
    for (const j of cache.list()) {
      const rets = cache.returns(j.jid);
      out[j.jid] = { Function: j.fun, Arguments: j.arg, Target: j.tgt, 'Target-type': j.tgt_type, User: j.user, StartTime: j.started, Expected: j.expected.length, Returned: rets.length };
    }
    process.stdout.write(format({ jobs: out }, 'nested', o.outOptions) + '\n');
    return EXIT.ok;
  }
  if (action === 'show') {
    if (!jid) throw new UsageError('jobs show: name a job id (brine jobs list shows them)');
    const job = cache.job(jid);
    if (!job) throw new UsageError(`jobs show: no job ${jid} in the job cache`);
    const returns: Record<string, unknown> = {};
    for (const r of cache.returns(jid)) returns[r.id] = r.ret;
    for (const id of job.expected) if (!(id in returns)) returns[id] = 'Minion did not return.';
    process.stdout.write(format(returns, job.fun.startsWith('state.') ? 'highstate' : 'nested', o.outOptions) + '\n');
    return EXIT.ok;
  }
  throw new UsageError(`jobs: unknown action '${action}' (list, show)`);
}
