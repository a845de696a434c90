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

/** A logger that hands every line (level, message, its bindings merged with the line's meta) to one function. */
export class SinkLogger implements Logger {
  constructor(
    private readonly sink: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, meta: Record<string, unknown>) => void,
    protected readonly base: Record<string, unknown> = {},
  ) {}
  debug(msg: string, meta?: Record<string, unknown>): void {
    this.sink('debug', msg, { ...this.base, ...meta });
  }
  info(msg: string, meta?: Record<string, unknown>): void {
    this.sink('info', msg, { ...this.base, ...meta });
  }
  warn(msg: string, meta?: Record<string, unknown>): void {
    this.sink('warn', msg, { ...this.base, ...meta });
  }
  error(msg: string, meta?: Record<string, unknown>): void {
    this.sink('error', msg, { ...this.base, ...meta });
  }
  child(meta: Record<string, unknown>): Logger {
    return new SinkLogger(this.sink, { ...this.base, ...meta });
  }
}

/** Collects log lines in memory (tests, and the CLI's warnings). */
export class MemoryLogger extends SinkLogger {
  readonly lines: { level: string; msg: string; meta?: Record<string, unknown> }[];
  constructor(lines: MemoryLogger['lines'] = [], base: Record<string, unknown> = {}) {
    super((level, msg, meta) => lines.push({ level, msg, meta }), base);
    this.lines = lines;
  }
  override child(meta: Record<string, unknown>): Logger {
    return new MemoryLogger(this.lines, { ...this.base, ...meta });
  }
}

/**
 * Drops repeats of the same warning beyond `limit` a minute and logs one line with how many were dropped when the
 * minute ends, so that input from outside (garbage, floods) cannot make the log grow without bound.
 */
export class RepeatLimiter {
  private window = 0;
  private readonly counts = new Map<string, number>();
  constructor(private readonly limit: number, private readonly report: (msg: string, dropped: number) => void) {}

  allow(msg: string, now = Date.now()): boolean {
    if (now - this.window > 60_000) {
      for (const [m, n] of this.counts) if (n > this.limit) this.report(m, n - this.limit);
      this.counts.clear();
      this.window = now;
    }
    const n = (this.counts.get(msg) ?? 0) + 1;
    // Bounded: a flood of distinct messages is itself limited by the map size.
    if (this.counts.size >= 1000 && n === 1) return false;
    this.counts.set(msg, n);
    return n <= this.limit;
  }
}
