/**
 * `jobs.*`: the master's job cache (returns as the minions sent them) and the jobs minions report running. Shapes as
 * Salt's: `{jid: {Function, Arguments, Target, Target-type, User, StartTime}}`; `lookup_jid` answers
 * `{outputter, data}` for state runs, which salt-run (and brine runner) prints with that outputter.
 */
import { UsageError, type Dict } from '@brine/core';
import { JID, type JobRecord } from '../jobcache';
import type { Master } from '../server';
import { boolArg, strArg } from './args';
import type { RunnerModule } from './types';
import { globMatch } from '@brine/core';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Salt's StartTime, from the jid: `2026, Dec 02 16:32:43.123456`. */
export function jidTime(jid: string): string {
  if (!JID.test(jid)) return '';
  return `${jid.slice(0, 4)}, ${MONTHS[Number(jid.slice(4, 6)) - 1]} ${jid.slice(6, 8)} ${jid.slice(8, 10)}:${jid.slice(10, 12)}:${jid.slice(12, 14)}.${jid.slice(14, 20)}`;
}

/** Salt's `Arguments`: positional arguments, then keyword arguments marked `__kwarg__`. */
function saltArguments(j: JobRecord): unknown[] {
  return Object.keys(j.kwarg ?? {}).length ? [...j.arg, { ...j.kwarg, __kwarg__: true }] : j.arg;
}

function describeJob(j: JobRecord): Dict {
  return { Function: j.fun, Arguments: saltArguments(j), Target: j.tgt, 'Target-type': j.tgt_type, User: j.user, StartTime: jidTime(j.jid) };
}

function jobOrFail(m: Master, jid: string): JobRecord | null {
  if (!JID.test(jid)) throw new UsageError(`'${jid}' is not a job id (20 digits; brine runner jobs.list_jobs lists them)`);
  return m.jobs.job(jid);
}

export const jobsRunners: RunnerModule = {
  /** `search_function` and `search_target` are globs (or lists of them), as in Salt. */
  'jobs.list_jobs': (args, kwargs, { master }) => {
    const globs = (v: unknown): string[] | null => (v === undefined || v === null ? null : Array.isArray(v) ? v.map(String) : [String(v)]);
    const fun = globs(kwargs['search_function']);
    const tgt = globs(kwargs['search_target']);
    const out: Dict = {};
    for (const j of master.jobs.list()) {
      if (fun && !fun.some((g) => globMatch(g, j.fun))) continue;
      if (tgt && !tgt.some((g) => (Array.isArray(j.tgt) ? j.tgt : [j.tgt]).some((t) => globMatch(g, String(t))))) continue;
      out[j.jid] = describeJob(j);
    }
    return out;
  },
  'jobs.lookup_jid': (args, kwargs, { master }) => {
    const jid = strArg(args, kwargs, 0, 'jid');
    const job = jobOrFail(master, jid);
    const rets = master.jobs.returns(jid);
    if (!job && rets.length === 0) throw new UsageError(`jobs.lookup_jid: no job ${jid} in the job cache`);
    const data: Dict = {};
    for (const r of rets) data[r.id] = r.ret;
    if (boolArg(args, kwargs, 3, 'missing', false)) for (const id of job?.expected ?? []) if (!(id in data)) data[id] = 'Minion did not return';
    const outs = new Set(rets.map((r) => r.out).filter((o): o is string => typeof o === 'string'));
    const outputter = outs.size === 1 ? [...outs][0]! : (job?.fun ?? rets[0]?.fun ?? '').startsWith('state.') ? 'highstate' : undefined;
    return outputter ? { outputter, data } : data;
  },
  'jobs.print_job': (args, kwargs, { master }) => {
    const jid = strArg(args, kwargs, 0, 'jid');
    const job = jobOrFail(master, jid);
    if (!job) throw new UsageError(`jobs.print_job: no job ${jid} in the job cache`);
    const result: Dict = {};
    for (const r of master.jobs.returns(jid)) result[r.id] = { return: r.ret, retcode: r.retcode, success: r.success, ...(r.out ? { out: r.out } : {}) };
    return { [jid]: { ...describeJob(job), Minions: job.expected, Result: result } };
  },
  /**
   * Jobs some minion is still running (its `job.running` heartbeats), in Salt's shape: `Running: [{<minion>: <pid>}]`
   * and `Returned: [<minion>, ...]`. The pid is the one the minion's heartbeat carries: its job process's; null for
   * a job that runs inside the minion daemon (what Salt reports for a running job whose proc data has no `pid`).
   */
  'jobs.active': (_args, _kwargs, { master }) => {
    const out: Dict = {};
    for (const [jid, running] of master.running.active()) {
      const job = master.jobs.job(jid);
      if (!job) continue;
      out[jid] = { ...describeJob(job), Running: running.map((r) => ({ [r.id]: r.pid })), Returned: master.jobs.returns(jid).map((r) => r.id).sort() };
    }
    return out;
  },
};
