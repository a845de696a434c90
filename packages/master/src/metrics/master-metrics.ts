/**
 * The master's metrics (`brine_*`), and the hooks the master calls to count: one object, `master.metrics`, always
 * present; the HTTP endpoint exists only when `metrics_port` is set. Values that live elsewhere (key counts,
 * connected minions, the job cache, RSS, fds) are read when scraped, so counting costs nothing between scrapes.
 */
import * as fs from 'fs';
import { JID } from '../jobcache';
import type { WatchSink } from '../jobs';
import type { KeyState } from '../keys';
import { MetricsServer } from './http';
import { registerProcessMetrics, type EventLoopLag } from './process';
import { MetricsRegistry } from './registry';

/** What the scrape reads from the master. */
export interface MetricsSource {
  keys: { list(): Record<KeyState, string[]> };
  connected(id: string): boolean;
  jobs: { dir: string };
  /** Set on a master of a cluster. */
  cluster?: { online: boolean; spooled: number; treeCount(): number };
}

/** Why an auth request got no session. */
export type AuthRefusal = 'rate_limit' | 'pending_full' | 'pending' | 'rejected' | 'denied' | 'invalid' | 'store_unavailable';

/** Request handling times: from a tenth of a millisecond (a ping) to seconds (a large pillar). */
const REQUEST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Publication fan-out: one send to every subscriber. */
const FANOUT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class MasterMetrics {
  readonly registry = new MetricsRegistry();
  private readonly authAccepted = this.registry.counter('brine_auth_accepted_total', 'Auth requests answered with a session (key accepted).');
  private readonly authRefused = this.registry.counter('brine_auth_refused_total', 'Auth requests answered without a session, by reason: rate_limit (busy), pending_full (max_pending_keys), pending, rejected, denied (key state), invalid (malformed, stale, replayed or badly signed).', ['reason']);
  private readonly published = this.registry.counter('brine_jobs_published_total', 'Jobs published.');
  private readonly targeted = this.registry.counter('brine_job_minions_expected_total', 'Minions the published jobs expected to answer (summed over jobs).');
  private readonly returns = this.registry.counter('brine_job_returns_total', 'Returns stored in the job cache, by outcome (ok, error, failed).', ['outcome']);
  private readonly missing = this.registry.counter('brine_job_did_not_return_total', 'Expected minions that did not return to a job someone waited on, by reason (not_connected, timed_out, still_running).', ['reason']);
  private readonly requestSeconds = this.registry.histogram('brine_request_duration_seconds', "Time the master took to handle a minion's request, by kind (auth: verify, decide and sign; others: the handler after decryption).", ['kind'], REQUEST_BUCKETS);
  private readonly fanoutSeconds = this.registry.histogram('brine_publish_fanout_seconds', 'Time the master takes to hand one publication out: queued on every subscriber connection, or passed to the publisher process when it runs in one.', [], FANOUT_BUCKETS);
  private readonly lag: EventLoopLag;
  private server: MetricsServer | undefined;

  constructor(source: MetricsSource) {
    this.registry.gauge('brine_minion_keys', 'Minion keys by state.', ['state'], (g) => {
      const list = source.keys.list();
      for (const s of ['accepted', 'pending', 'rejected', 'denied'] as KeyState[]) g.set({ state: s }, list[s].length);
    });
    this.registry.gauge('brine_minions_connected', 'Accepted minions connected now (a session, a subscription, a request within the liveness window: 45 s, or 2.5 times the ping interval the master asks for).', [], (g) => g.set({}, source.keys.list().accepted.filter((id) => source.connected(id)).length));
    this.registry.gauge('brine_job_cache_jobs', 'Jobs held in the job cache.', [], (g) => {
      try {
        g.set({}, fs.readdirSync(source.jobs.dir).filter((n) => JID.test(n)).length);
      } catch {
        /* the directory is gone: no sample */
      }
    });
    this.registry.gauge('brine_cluster_store_up', 'In a cluster: 1 while the PostgreSQL store answers, 0 while it is unreachable.', [], (g) => {
      if (source.cluster) g.set({}, source.cluster.online ? 1 : 0);
    });
    this.registry.gauge('brine_cluster_spooled_returns', 'In a cluster: returns kept on disk until the store is back.', [], (g) => {
      if (source.cluster) g.set({}, source.cluster.spooled);
    });
    this.registry.gauge('brine_cluster_state_trees', 'In a cluster: how many different state trees the live masters serve (more than 1: they disagree).', [], (g) => {
      if (source.cluster) g.set({}, source.cluster.treeCount());
    });
    this.lag = registerProcessMetrics(this.registry);
  }

  /** Handle an auth request: timed, and counted as invalid when it throws. Accepted and other refusals are counted where decided. */
  auth<T>(fn: () => T): T {
    try {
      return this.requestSeconds.time({ kind: 'auth' }, fn);
    } catch (e) {
      this.authRefused.inc({ reason: 'invalid' });
      throw e;
    }
  }

  accepted(): void {
    this.authAccepted.inc();
  }

  refused(reason: AuthRefusal): void {
    this.authRefused.inc({ reason });
  }

  /** Handle a sealed request of `kind`, timed. */
  request<T>(kind: string, fn: () => T): T {
    return this.requestSeconds.time({ kind }, fn);
  }

  jobPublished(expected: number): void {
    this.published.inc();
    this.targeted.inc({}, expected);
  }

  /** Send a publication to every subscriber, timed. */
  fanout<T>(fn: () => Promise<T>): Promise<T> {
    return this.fanoutSeconds.time({}, fn);
  }

  jobReturn(outcome: string): void {
    this.returns.inc({ outcome });
  }

  /** The same sink, counting the expected minions that did not return when the watch ends. */
  watchSink(sink: WatchSink): WatchSink {
    return {
      event: (d) => sink.event(d),
      end: (d) => {
        for (const why of Object.values((d['missing'] ?? {}) as Record<string, string>)) this.missing.inc({ reason: why.toLowerCase().replace(/\s+/g, '_') });
        sink.end(d);
      },
    };
  }

  /** Serve /metrics when `port` is set (> 0). */
  async serve(o: { metrics_port: number; metrics_host: string }): Promise<void> {
    if (!(o.metrics_port > 0)) return;
    this.server = await MetricsServer.listen(this.registry, { host: o.metrics_host, port: o.metrics_port });
    this.lag.start();
  }

  /** The port /metrics is served on, if it is. */
  get port(): number | undefined {
    return this.server?.port;
  }

  async close(): Promise<void> {
    this.lag.stop();
    await this.server?.close();
    this.server = undefined;
  }
}
