/**
 * `manage.*`: which minions answer. `status`, `up` and `down` ping the targeted minions (a real `test.ping` job, as
 * Salt does) and wait `timeout` seconds (default the master's); `present` and `not_present` read the master's view of
 * its connections without a job.
 *
 * Signatures are Salt 3006's, positional or keyword, and checked (an argument they do not take is an error):
 * - `status(output=True, tgt='*', tgt_type='glob', timeout=None, gather_job_timeout=None)`
 * - `down(removekeys=False, tgt='*', tgt_type='glob', timeout=None, gather_job_timeout=None)`
 * - `up(tgt='*', tgt_type='glob', timeout=None, gather_job_timeout=None)`
 * - `present(subset=None, show_ip=False)`, `not_present(subset=None, show_ip=False)`
 * Salt's manage runner has no `exclude`. `gather_job_timeout`: Salt asks minions still running the ping after
 * `timeout` (find_job) and waits that long for the answer; Brine's minions report running jobs on their own, so it
 * bounds the extra wait beyond `timeout` for a minion that said it is running (default: `timeout` again).
 * `present`/`not_present` also take Brine's keyword-only `tgt`/`tgt_type`; `show_ip=True` is not supported (the
 * master does not record the address each minion connects from).
 */
import { UsageError, type Dict, type TargetType } from '@brine/core';
import type { Master } from '../server';
import { argOf, boolArg, checkSignature, numArg, targetArgs } from './args';
import type { RunnerModule } from './types';

async function ping(m: Master, tgt: string, tgtType: TargetType, timeoutS: number, gatherS: number): Promise<{ up: string[]; down: string[] }> {
  const { jid, expected } = await m.publish({ tgt, tgtType, fun: 'test.ping', arg: [], kwarg: {}, user: 'runner' });
  const up = new Set<string>();
  await new Promise<void>((resolve) => {
    m.watch(jid, expected, { event: (e) => (e['event'] === 'return' && e['success'] !== false ? up.add(String(e['minion'])) : undefined), end: () => resolve() }, timeoutS * 1000, (timeoutS + gatherS) * 1000);
  });
  return { up: [...up].sort(), down: expected.filter((id) => !up.has(id)).sort() };
}

const PING_PARAMS = ['tgt', 'tgt_type', 'timeout', 'gather_job_timeout'];

/** `tgt, tgt_type, timeout, gather_job_timeout` from position `at` on; Salt's None/0 timeout means the master's. */
function pingArgs(m: Master, fun: string, params: string[], args: unknown[], kwargs: Dict, at: number) {
  checkSignature(fun, params, args, kwargs);
  const { tgt, tgtType } = targetArgs(args, kwargs, at);
  const t = numArg(args, kwargs, at + 2, 'timeout', 0);
  const timeout = t > 0 ? Math.max(0.1, t) : m.opts.timeout;
  const g = numArg(args, kwargs, at + 3, 'gather_job_timeout', 0);
  return { tgt, tgtType, timeout, gather: g > 0 ? g : timeout };
}

async function status(m: Master, fun: string, params: string[], args: unknown[], kwargs: Dict, at: number) {
  const a = pingArgs(m, fun, params, args, kwargs, at);
  return ping(m, a.tgt, a.tgtType, a.timeout, a.gather);
}

/** manage.status's answer; in a cluster also its members, and a warning when they serve different state trees. */
async function statusWithCluster(m: Master, args: unknown[], kwargs: Dict) {
  const s = await status(m, 'manage.status', ['output', ...PING_PARAMS], args, kwargs, 1);
  return m.cluster ? { ...s, cluster: m.cluster.status() } : s;
}

/** Salt's `subset`: a list of minion ids (a comma-separated string too, as a command line gives it). */
function subsetOf(fun: string, args: unknown[], kwargs: Dict): Set<string> | null {
  const v = argOf(args, kwargs, 0, 'subset');
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return new Set(v.map(String));
  if (typeof v === 'string') return new Set(v.split(',').map((s) => s.trim()).filter(Boolean));
  throw new UsageError(`${fun}: subset must be a list of minion ids, got ${JSON.stringify(v)}`);
}

function presence(m: Master, fun: string, args: unknown[], kwargs: Dict, present: boolean): string[] {
  checkSignature(fun, ['subset', 'show_ip'], args, kwargs, ['tgt', 'tgt_type']);
  if (boolArg(args, kwargs, 1, 'show_ip', false)) throw new UsageError(`${fun}: show_ip=True is not supported (the master does not record the address each minion connects from)`);
  const subset = subsetOf(fun, args, kwargs);
  const { tgt, tgtType } = targetArgs([], kwargs);
  return m.expectedMinions(tgt, tgtType).filter((id) => (!subset || subset.has(id)) && m.connectedAnywhere(id) === present);
}

export const manageRunners: RunnerModule = {
  'manage.status': (args, kwargs, { master }) => statusWithCluster(master, args, kwargs),
  'manage.up': async (args, kwargs, { master }) => (await status(master, 'manage.up', PING_PARAMS, args, kwargs, 0)).up,
  /** `removekeys` deletes the keys of the minions that did not answer. */
  'manage.down': async (args, kwargs, { master, log }) => {
    const removekeys = boolArg(args, kwargs, 0, 'removekeys', false);
    const down = (await status(master, 'manage.down', ['removekeys', ...PING_PARAMS], args, kwargs, 1)).down;
    if (removekeys) {
      for (const id of down) master.keys.delete(id);
      if (down.length) {
        master.reconcileKeys();
        log.info('manage.down: keys of minions that did not answer deleted', { minions: down });
      }
    }
    return down;
  },
  'manage.present': (args, kwargs, { master }) => presence(master, 'manage.present', args, kwargs, true),
  'manage.not_present': (args, kwargs, { master }) => presence(master, 'manage.not_present', args, kwargs, false),
};
