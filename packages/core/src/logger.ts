/** The logging surface every package codes against; daemons back it with winston, tests with a collector. */
export interface Logger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/** Collects log lines in memory (tests, and the CLI's warnings). */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; msg: string; meta?: Record<string, unknown> }[];
  private readonly base: Record<string, unknown>;
  constructor(lines: MemoryLogger['lines'] = [], base: Record<string, unknown> = {}) {
    this.lines = lines;
    this.base = base;
  }
  private push(level: string, msg: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level, msg, meta: { ...this.base, ...meta } });
  }
  debug(msg: string, meta?: Record<string, unknown>): void {
    this.push('debug', msg, meta);
  }
  info(msg: string, meta?: Record<string, unknown>): void {
    this.push('info', msg, meta);
  }
  warn(msg: string, meta?: Record<string, unknown>): void {
    this.push('warn', msg, meta);
  }
  error(msg: string, meta?: Record<string, unknown>): void {
    this.push('error', msg, meta);
  }
  child(meta: Record<string, unknown>): Logger {
    return new MemoryLogger(this.lines, { ...this.base, ...meta });
  }
}
