/**
 * Error classes. Message convention: `<what>: <what is wrong> (<what to do>)`.
 * Every package reports an `Outcome`; only the CLI (packages/cli/src/exit.ts) maps outcomes to exit codes.
 */

/**
 * How a call, a run or a job ended, carried from the engine through the minion's return to the CLI:
 * `ok`; `error` (bad usage, configuration, render or compile error, a function that could not do its job, such as a
 * command exiting non-zero: nothing or not everything was attempted); `failed` (a state failed, or the run could not
 * be carried out here, e.g. the minion's disk is full); `missing` (an expected minion did not return).
 */
export type Outcome = 'ok' | 'error' | 'failed' | 'missing';
export const OUTCOMES: readonly Outcome[] = ['ok', 'error', 'failed', 'missing'];

/** When several outcomes meet (minions disagree, batches), the worst wins: error, then failed, then missing. */
export function worseOutcome(a: Outcome, b: Outcome): Outcome {
  const rank: Record<Outcome, number> = { ok: 0, missing: 1, failed: 2, error: 3 };
  return rank[a] >= rank[b] ? a : b;
}

export class BrineError extends Error {
  readonly code: string;
  /** The outcome a run that ends with this error has. */
  readonly outcome: Outcome = 'error';
  constructor(code: string, message: string, options?: { cause?: unknown; outcome?: Outcome }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    if (options?.outcome) this.outcome = options.outcome;
  }
}

/** A write to local storage failed (disk full, read-only, quota): the run fails; nothing stale is used instead. */
export class LocalStorageError extends BrineError {
  readonly errno: string | undefined;
  constructor(what: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException)?.code;
    super('storage', `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, outcome: 'failed' });
    this.errno = errno;
  }
}

/** Error codes of a local write that may succeed later (space freed, quota raised): worth retrying, not dropping. */
const TRANSIENT_WRITE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']);
export function isTransientWriteError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && TRANSIENT_WRITE.has(code);
}

/** A template, YAML, top file or SLS compile error; always names file and line when known. */
export class RenderError extends BrineError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super('render', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

/** Invalid arguments for a state function: names the state and the offending field. */
export class StateArgError extends BrineError {
  readonly ref: string;
  readonly field: string | undefined;
  constructor(ref: string, field: string | undefined, message: string) {
    super('state-arg', `${ref}: ${field ? `${field}: ` : ''}${message}`);
    this.ref = ref;
    this.field = field;
  }
}

export class AuthError extends BrineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', message, options);
  }
}

export class ProtocolError extends BrineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('protocol', message, options);
  }
}

export class ConfigError extends BrineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

/** A user-facing usage error from the CLI or an execution function. */
export class UsageError extends BrineError {
  constructor(message: string) {
    super('usage', message);
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
