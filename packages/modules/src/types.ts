/** Execution functions (`salt TARGET mod.fun args`): the contract shared by `brine call`, the minion and templates. */
import { FileEnvs, isDict, UsageError, type Dict, type FileRoots, type Logger, type Outcome } from '@brine/core';
import type { Providers } from '@brine/engine';

/** What a minion or a local call provides to execution functions. */
export interface ExecEnv {
  id: string;
  grains: Dict;
  pillar: Dict;
  /** The minion's merged configuration. */
  opts: Dict;
  log: Logger;
  /** The state tree: the local file_roots, or a minion's synced cache of the master's. */
  roots: FileRoots;
  /** Every saltenv's state tree (base's is `roots`); absent where only base is known. */
  envs?: FileEnvs;
  providers: () => Providers;
  /** Mine data visible to this minion (fetched before rendering), by function then minion id. */
  mine?: MineView;
  /** Daemon-side operations (pillar refresh, mine update, schedule); absent in masterless calls. */
  hooks?: Partial<Record<string, (args: unknown[], kwargs: Dict) => Promise<unknown>>>;
  /** Aborted when the job is cancelled (saltutil.kill_job): long-running functions (cmd.*, pkg.*) stop their commands. */
  signal?: AbortSignal;
}

/** The saltenv a call names: its `saltenv=`, else the minion's `saltenv` option; undefined when neither does. */
export function callSaltenv(env: ExecEnv, kwargs: Dict): string | undefined {
  const s = kwargs['saltenv'] ?? env.opts?.['saltenv'];
  return s === undefined || s === null || s === '' ? undefined : String(s);
}

/** Every saltenv's roots an environment knows (only base when it was given no others). */
export function fileEnvs(env: ExecEnv): FileEnvs {
  return env.envs ?? FileEnvs.single('base', env.roots);
}

export interface MineView {
  get(tgt: string, fun: string, tgtType: string): Dict;
}

/**
 * A function's return with its outcome and preferred outputter. Plain values mean `ok`, nested output. `retcode` is
 * Salt's number for the return (a command's exit status; 0 when ok, 1 otherwise unless given): data for the job
 * cache, never an exit code (packages/cli/src/exit.ts maps outcomes to those).
 */
export class CallResult {
  readonly retcode: number;
  constructor(
    readonly ret: unknown,
    readonly outcome: Outcome = 'ok',
    readonly outputter: 'nested' | 'highstate' | 'txt' = 'nested',
    retcode?: number,
  ) {
    this.retcode = retcode ?? (outcome === 'ok' ? 0 : outcome === 'failed' ? 2 : 1);
  }

  /**
   * A function's raw return as the minion and `brine call` judge it, by Salt's rule (salt/minion.py, salt-call): a
   * return with retcode 0 that is a dict whose `result` or `success` is falsy (False, None, 0, '', empty) fails with
   * retcode 1 (an `error` outcome, exit 1), e.g. `network.connect` to a closed port.
   */
  static of(raw: unknown): CallResult {
    const res = raw instanceof CallResult ? raw : new CallResult(raw);
    if (res.retcode !== 0 || !isDict(res.ret)) return res;
    const ret = res.ret;
    if (['result', 'success'].every((k) => ret[k] === undefined || pyTruthy(ret[k]))) return res;
    return new CallResult(ret, 'error', res.outputter, 1);
  }
}

/** Python's truth value of a JSON-like value. */
export function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

/**
 * An execution function. The rule: a function that a job runs must never block the event loop on a slow path
 * (commands, package managers, the network, large files): it returns a promise and does that work asynchronously
 * (`runCommand` in exec.ts, fs.promises), honouring `env.signal` when it can run long. Only template-time calls may
 * be synchronous, because `templateSalt` refuses promises: a function that templates also need keeps a blocking twin
 * in its module's `templateFunctions`, which only templates call (never a job).
 */
export type ExecFn = (args: unknown[], kwargs: Dict, env: ExecEnv) => unknown;

export interface ExecModule {
  readonly name: string;
  readonly functions: Record<string, ExecFn>;
  /** Synchronous twins of asynchronous functions, for templates only (see ExecFn). */
  readonly templateFunctions?: Record<string, ExecFn>;
  /** Short docstrings by function name (sys.doc). */
  readonly docs?: Record<string, string>;
  /**
   * The keyword arguments a function accepts, by function name: Salt's named parameters for a Python function
   * without `**kwargs`. A call with any other keyword (those starting with `__`, the publication data, aside) is
   * refused as Salt refuses it. A function not listed accepts any keyword, like Salt's `**kwargs` functions.
   */
  readonly params?: Record<string, readonly string[]>;
}

/** Salt's SaltInvocationError for keyword arguments a function does not take (salt/utils/args.py invalid_kwargs). */
export class InvalidArgumentsError extends UsageError {
  constructor(readonly invalid: string[]) {
    super(`The following keyword arguments are not valid: ${invalid.join(', ')}`);
  }
}

export { pyStr } from '@brine/core';
import { pyStr } from '@brine/core';

/** Refuse keyword arguments outside `accepted`, ignoring the `__pub_*` (any `__`) publication data. */
export function checkKwargs(accepted: ReadonlySet<string>, kwargs: Dict): void {
  const invalid = Object.entries(kwargs).filter(([k]) => !k.startsWith('__') && !accepted.has(k));
  if (invalid.length) throw new InvalidArgumentsError(invalid.map(([k, v]) => `${k}=${pyStr(v)}`));
}

/** Positional arg i, or kwarg `name`, or the default. */
export function arg<T>(args: unknown[], kwargs: Dict, i: number, name: string, dflt: T): T | unknown {
  if (name in kwargs) return kwargs[name];
  if (args.length > i) return args[i];
  return dflt;
}

export function truthy(v: unknown): boolean {
  if (typeof v === 'string') return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
  return Boolean(v);
}
