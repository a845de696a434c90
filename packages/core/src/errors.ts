/**
 * Error classes. Message convention: `<what>: <what is wrong> (<what to do>)`.
 * Only the CLI maps errors to exit codes; every other package throws.
 */
export class BrineError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
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
