/** One execution function call -> the outcome a minion returns; the same in the daemon and in a job process. */
import { BrineError, errorMessage, UsageError, type Dict, type Logger, type Outcome } from '@brine/core';
import { CallResult, InvalidArgumentsError, lookupFunction, type ExecEnv } from '@brine/modules';

export interface JobOutcome {
  ret: unknown;
  /** How the job ended (the CLI maps it to an exit code); `retcode` is Salt's number, data only. */
  outcome: Exclude<Outcome, 'missing'>;
  retcode: number;
  success: boolean;
  out: string;
}

export function notAvailable(fun: string): JobOutcome {
  return { ret: `'${fun}' is not available.`, outcome: 'error', retcode: 1, success: false, out: 'nested' };
}

export function failed(fun: string, e: unknown, log: Logger): JobOutcome {
  // Salt's minion words a SaltInvocationError (keyword arguments the function does not take) this way.
  const msg = e instanceof InvalidArgumentsError ? `ERROR executing '${fun}': ${e.message}` : e instanceof UsageError ? e.message : `${fun}: ${errorMessage(e)}`;
  log.warn('function failed', { fun, error: errorMessage(e) });
  const outcome = e instanceof BrineError && e.outcome !== 'missing' ? e.outcome : 'error';
  return { ret: msg, outcome, retcode: outcome === 'failed' ? 2 : 1, success: false, out: 'nested' };
}

/** Run `fun` in `env` (prepared by the caller); never throws. */
export async function callFunction(fun: string, args: unknown[], kwargs: Dict, env: ExecEnv): Promise<JobOutcome> {
  let fn;
  try {
    fn = lookupFunction(fun);
  } catch {
    return notAvailable(fun);
  }
  try {
    const raw = await fn(args, kwargs, env);
    const res = CallResult.of(raw); // Salt's rule: a dict with a false result/success fails
    const outcome = res.outcome === 'missing' ? 'error' : res.outcome;
    return { ret: res.ret, outcome, retcode: res.retcode, success: outcome === 'ok', out: res.outputter };
  } catch (e) {
    return failed(fun, e, env.log);
  }
}
