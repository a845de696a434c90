/**
 * The control channel's `runner` operation: run a runner function on the master, streaming its progress, with Salt's
 * runner events around it: `salt/run/<jid>/new` `{fun: runner.<name>, fun_args, jid, user}` before, and
 * `salt/run/<jid>/ret` with `return` and `success` after (a failure's `return` is its error text).
 */
import { errorMessage, isDict } from '@brine/core';
import type { ControlRequestOf, ControlSink } from '@brine/protocol';
import { newJid } from '../jobcache';
import type { Master } from '../server';
import { callRunner } from './index';

export async function runRunner(m: Master, req: ControlRequestOf<'runner'>, sink: ControlSink<'runner'>): Promise<void> {
  const jid = newJid();
  const log = m.log.child({ part: 'runner', fun: req.fun, jid });
  const base = { fun: `runner.${req.fun}`, fun_args: Object.keys(req.kwarg).length ? [...req.arg, req.kwarg] : req.arg, jid, user: 'root' };
  m.events.fire(`salt/run/${jid}/new`, base);
  let ret: unknown;
  try {
    ret = await callRunner(req.fun, req.arg, req.kwarg, { master: m, log, progress: (data) => sink.event({ progress: data }), signal: sink.signal });
  } catch (e) {
    m.events.fire(`salt/run/${jid}/ret`, { ...base, return: errorMessage(e), success: false });
    throw e;
  }
  const success = !(isDict(ret) && typeof ret['retcode'] === 'number' && ret['retcode'] !== 0);
  m.events.fire(`salt/run/${jid}/ret`, { ...base, return: ret === undefined ? null : ret, success });
  sink.end({ return: ret === undefined ? null : ret });
}
