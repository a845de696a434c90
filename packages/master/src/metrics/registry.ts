/**
 * A small metrics registry: counters, gauges and histograms with fixed label names, in the Prometheus data model.
 * Gauges may be computed when scraped (`collect`), so values that live elsewhere (key counts, RSS) are read then.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
export type Labels = Readonly<Record<string, string>>;

/** One exposition line: `name{labels} value` (name already carries any `_bucket`/`_sum`/`_count` suffix). */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  samples(): Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkNames(name: string, labelNames: readonly string[], reserved: readonly string[] = []): void {
  if (!METRIC_NAME.test(name)) throw new Error(`metric name '${name}' is not valid`);
  for (const l of labelNames) {
    if (!LABEL_NAME.test(l) || l.startsWith('__') || reserved.includes(l)) throw new Error(`metric ${name}: label name '${l}' is not valid`);
  }
  if (new Set(labelNames).size !== labelNames.length) throw new Error(`metric ${name}: label names repeat`);
}

/** Values per label set, keyed by the label values in label-name order. */
abstract class Labelled<V> {
  protected readonly series = new Map<string, { labels: Labels; v: V }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected entry(labels: Labels, init: () => V): { labels: Labels; v: V } {
    const values = this.labelNames.map((l) => {
      const v = labels[l];
      if (v === undefined) throw new Error(`metric ${this.name}: label '${l}' missing`);
      return v;
    });
    if (Object.keys(labels).length !== this.labelNames.length) throw new Error(`metric ${this.name}: labels ${Object.keys(labels).join(',')} are not ${this.labelNames.join(',')}`);
    const key = values.join('\u0000');
    let e = this.series.get(key);
    if (!e) this.series.set(key, (e = { labels: Object.fromEntries(this.labelNames.map((l, i) => [l, values[i]!])), v: init() }));
    return e;
  }
}

export class Counter extends Labelled<number> implements Metric {
  readonly type = 'counter';
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
    checkNames(name, labelNames);
    if (!name.endsWith('_total')) throw new Error(`counter ${name}: a counter's name ends in _total`);
    if (labelNames.length === 0) this.entry({}, () => 0); // a plain counter is exposed at 0 before its first event
  }

  inc(labels: Labels = {}, n = 1): void {
    if (!(n >= 0)) throw new Error(`counter ${this.name}: cannot add ${n}`);
    this.entry(labels, () => 0).v += n;
  }

  get(labels: Labels = {}): number {
    return this.entry(labels, () => 0).v;
  }

  samples(): Sample[] {
    return [...this.series.values()].map((e) => ({ name: this.name, labels: e.labels, value: e.v }));
  }
}

export class Gauge extends Labelled<number> implements Metric {
  readonly type = 'gauge';
  /** `collect`: called at each scrape; it sets the current values (series it does not set are dropped). */
  constructor(name: string, help: string, labelNames: readonly string[] = [], private readonly collect?: (g: Gauge) => void) {
    super(name, help, labelNames);
    checkNames(name, labelNames);
  }

  set(labels: Labels, value: number): void {
    this.entry(labels, () => 0).v = value;
  }

  samples(): Sample[] {
    if (this.collect) {
      this.series.clear();
      this.collect(this);
    }
    return [...this.series.values()].map((e) => ({ name: this.name, labels: e.labels, value: e.v }));
  }
}

interface HistogramData {
  /** Observations per bucket (not cumulative; the last one is +Inf). */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Labelled<HistogramData> implements Metric {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    checkNames(name, labelNames, ['le']);
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) throw new Error(`histogram ${name}: buckets must be finite and increasing`);
    this.buckets = [...buckets];
  }

  private data(labels: Labels): HistogramData {
    return this.entry(labels, () => ({ counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 })).v;
  }

  observe(labels: Labels, value: number): void {
    const d = this.data(labels);
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    d.counts[i]!++;
    d.sum += value;
    d.count++;
  }

  /** Time `fn` (sync or async) and observe its duration in seconds, also when it throws. */
  time<T>(labels: Labels, fn: () => T): T {
    const t0 = process.hrtime.bigint();
    const done = () => this.observe(labels, Number(process.hrtime.bigint() - t0) / 1e9);
    let r: T;
    try {
      r = fn();
    } catch (e) {
      done();
      throw e;
    }
    if (r instanceof Promise) return r.finally(done) as T;
    done();
    return r;
  }

  count(labels: Labels): number {
    return this.data(labels).count;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, v } of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((b, i) => {
        acc += v.counts[i]!;
        out.push({ name: `${this.name}_bucket`, labels: { ...labels, le: String(b) }, value: acc });
      });
      out.push({ name: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: v.count });
      out.push({ name: `${this.name}_sum`, labels, value: v.sum });
      out.push({ name: `${this.name}_count`, labels, value: v.count });
    }
    return out;
  }
}

/** Metrics in registration order; names are unique. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  register<M extends Metric>(m: M): M {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} is registered twice`);
    this.metrics.set(m.name, m);
    return m;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: (g: Gauge) => void): Gauge {
    return this.register(new Gauge(name, help, labelNames, collect));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, labelNames, buckets));
  }

  all(): Metric[] {
    return [...this.metrics.values()];
  }
}
