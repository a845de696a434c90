/** Process metrics: resident memory, open and allowed file descriptors, event-loop lag. */
import * as fs from 'fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'perf_hooks';
import type { Metric, MetricsRegistry, Sample } from './registry';

/** Open file descriptors (Linux: the entries of /proc/self/fd, less the one reading it); undefined elsewhere. */
export function openFds(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files (Linux: /proc/self/limits); undefined when unknown or unlimited. */
export function maxFds(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Event-loop lag as a summary: quantiles over the last completed window (10 s by default, the current one until the
 * first completes), `_sum` and `_count` since sampling started. Sampled by perf_hooks every `resolutionMs`.
 */
export class EventLoopLag implements Metric {
  readonly type = 'summary';
  private readonly h: IntervalHistogram;
  private timer: NodeJS.Timeout | undefined;
  private last: { q: [number, number][] } | undefined;
  private sumNs = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly windowMs = 10_000,
    resolutionMs = 20,
  ) {
    this.h = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  /** Sampling runs only while started (while /metrics is served): it is a timer in the master's loop. */
  start(): void {
    if (this.timer) return;
    this.h.enable();
    this.timer = setInterval(() => this.rotate(), this.windowMs);
    this.timer.unref();
  }

  private quantiles(): [number, number][] {
    return [0.5, 0.9, 0.99].map((q) => [q, this.h.percentile(q * 100) / 1e9] as [number, number]).concat([[1, this.h.max / 1e9]]);
  }

  private rotate(): void {
    if (this.h.count === 0) return;
    this.last = { q: this.quantiles() };
    this.sumNs += this.h.mean * this.h.count;
    this.count += this.h.count;
    this.h.reset();
  }

  samples(): Sample[] {
    const partial = this.h.count;
    const q = this.last?.q ?? (partial > 0 ? this.quantiles() : []);
    return [
      ...q.map(([quantile, v]) => ({ name: this.name, labels: { quantile: String(quantile) }, value: v })),
      { name: `${this.name}_sum`, labels: {}, value: (this.sumNs + (partial > 0 ? this.h.mean * partial : 0)) / 1e9 },
      { name: `${this.name}_count`, labels: {}, value: this.count + partial },
    ];
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.h.disable();
  }
}

/** Register the process metrics; returns the event-loop sampler (started by whoever serves them). */
export function registerProcessMetrics(reg: MetricsRegistry): EventLoopLag {
  reg.gauge('brine_process_resident_memory_bytes', 'Resident set size of the master process in bytes.', [], (g) => g.set({}, process.memoryUsage.rss()));
  reg.gauge('brine_process_open_fds', 'File descriptors the master process has open.', [], (g) => {
    const n = openFds();
    if (n !== undefined) g.set({}, n);
  });
  reg.gauge('brine_process_max_fds', 'The soft limit on open file descriptors of the master process (LimitNOFILE, ulimit -n).', [], (g) => {
    const n = maxFds();
    if (n !== undefined) g.set({}, n);
  });
  return reg.register(new EventLoopLag('brine_event_loop_lag_seconds', 'Event-loop delay of the master: quantiles over the last 10 s window, sum and count since /metrics is served.'));
}
