/** The minion daemon: connect, authenticate, report grains and mine data, run jobs, return results. */
import * as path from 'path';
import { errorMessage, type Dict, type Logger } from '@brine/core';
import type { MinionOpts } from '@brine/engine';
import { PUBLICATION_MAX_AGE_MS, PUBLICATION_MAX_FUTURE_MS, RequestError, type JobPublication } from '@brine/protocol';
import { Connection } from './connection';
import { MinionCore } from './core';
import { JobRunner, type JobOutcome } from './jobrunner';
import { MineReporter } from './mine-reporter';
import { fireMaster } from './master-hooks';
import { Beacons } from './beacons/beacons';
import { LocalHostReader } from '@brine/engine';
import { MasterError } from './requester';
import { masterLabel } from './masters';
import { ReturnQueue } from './return-queue';
import { SeenJobs } from './seen-jobs';
import { Scheduler } from './scheduler';
import { PingPacer } from './ping-pacer';

/**
 * How often the daemon pings its master (`ping_interval`, default 10 s). With failover, at least twice per
 * `master_alive_interval`: the liveness check then always has a recent answer from a master that is alive.
 */
export function pingIntervalMs(opts: MinionOpts): number {
  const ms = Number(opts['ping_interval'] ?? 10) * 1000;
  if (!checksMasterAlive(opts)) return ms;
  return Math.min(ms, (opts.master_alive_interval * 1000) / 2);
}

/** A failover minion checking its master's liveness: its pings keep their interval (ping-pacer.ts). */
function checksMasterAlive(opts: MinionOpts): boolean {
  return opts.master_type === 'failover' && opts.master_alive_interval > 0;
}

export class Minion {
  readonly connection: Connection;
  readonly core: MinionCore;
  readonly runner: JobRunner;
  readonly scheduler: Scheduler;
  readonly beacons: Beacons;
  private readonly mine: MineReporter;
  /** The next liveness ping: at `ping_interval`, or at the longer interval the master asks for. */
  private readonly pacer: PingPacer;
  private pingTimer: NodeJS.Timeout | undefined;
  /** Returns that could not be delivered yet (master away); sent again after re-authentication. On disk. */
  private readonly undelivered: ReturnQueue;
  private stopped = false;
  private flushing = false;
  private unsubscribedPings = 0;
  /** `salt/minion/<id>/start` goes up once per process, after the first accepted authentication (as Salt's). */
  private startFired = false;
  private lastSubReset = 0;
  /** Job ids run here recently, on disk: a publication replayed after a restart is refused. */
  private readonly seenJobs: SeenJobs;

  private constructor(readonly opts: MinionOpts, readonly log: Logger) {
    this.connection = new Connection(opts, log);
    this.pacer = new PingPacer(pingIntervalMs(opts), !checksMasterAlive(opts));
    this.core = new MinionCore(opts, this.connection, log);
    this.runner = new JobRunner(this.core, log.child({ part: 'jobs' }));
    this.undelivered = new ReturnQueue(path.join(opts.cachedir, 'returns.json'), log.child({ part: 'returns' }));
    this.seenJobs = new SeenJobs(path.join(opts.cachedir, 'seen-jobs.json'), PUBLICATION_MAX_AGE_MS + PUBLICATION_MAX_FUTURE_MS);
    this.mine = new MineReporter(this.core, log.child({ part: 'mine' }));
    this.scheduler = new Scheduler(this, log.child({ part: 'schedule' }));
    // Beacons (`beacons:` in the config): checked every second, their events fired to the master's bus.
    this.beacons = new Beacons(opts.beacons, {
      id: opts.id,
      serviceStatus: async (name) => (await this.core.providers().service.status(name, new LocalHostReader())).running,
      stateRunning: () => this.core.jobs.running().some((j) => String(j['fun']).startsWith('state.')),
      fire: async (tag, data) => void (await this.fireMaster(tag, data)),
    }, log.child({ part: 'beacons' }));
    this.core.addHook('mine.update', async () => this.mine.update());
    // A schedule from pillar takes effect at the pillar refresh, as in Salt (mine functions from pillar wait for the
    // next mine.update or mine_interval, also as in Salt).
    this.core.onPillarChange(() => this.scheduler.reload());
    this.core.addHook('schedule.list', async () => this.scheduler.list());
    this.core.addHook('schedule.run_job', async (args, kwargs) => this.scheduler.runJob(String(args[0] ?? kwargs['name'] ?? ''), kwargs['force'] === true || kwargs['force'] === 'True'));
  }

  static start(opts: MinionOpts, log: Logger): Minion {
    const m = new Minion(opts, log);
    m.connection.whenJob((job) => void m.onJob(job));
    m.connection.whenAccepted(() => void m.afterAuth());
    void m.connection.authenticate();
    m.schedulePing();
    // A master that comes back is pinged at once: its answer (re-authenticate) brings the minion back in seconds.
    m.connection.whenReconnected(() => void m.ping());
    // Another master now: a fresh start for the subscription check (returns kept meanwhile go out after its auth).
    m.connection.whenFailedOver(() => {
      m.unsubscribedPings = 0;
    });
    m.scheduler.start();
    log.info('minion started', { id: opts.id, master: m.connection.currentMaster, ...(m.connection.masters.size > 1 ? { masters: m.connection.masters.all.map(masterLabel), master_type: opts.master_type } : {}), fingerprint: m.connection.fingerprint });
    return m;
  }

  private async afterAuth(): Promise<void> {
    // Beacons start once the master accepted us (their first events, emitatstartup, must reach it), as Salt's.
    this.beacons.start();
    try {
      // Grains the master refuses (over its quota for this minion) do not stop pillar, schedule and mine.
      await this.connection.request({ kind: 'grains', grains: this.core.grains }).catch((e: unknown) => {
        if (!(e instanceof MasterError) || e.retryable) throw e;
        this.log.error('grains refused by the master', { error: errorMessage(e) });
      });
      await this.core.refreshPillar();
      this.scheduler.reload();
      await this.mine.update();
      this.mine.schedule();
      if (!this.startFired) {
        this.startFired = true;
        await this.fireMaster(`salt/minion/${this.opts.id}/start`, `Minion ${this.opts.id} started at ${new Date().toString()}`).catch((e: unknown) => this.log.debug('start event not sent', { error: errorMessage(e) }));
      }
    } catch (e) {
      this.log.warn('post-auth reporting failed', { error: errorMessage(e) });
    }
    await this.flushReturns();
  }

  /** The next liveness ping, one interval after the last one ended (each answer may change the interval). */
  private schedulePing(): void {
    if (this.stopped) return;
    this.pingTimer = setTimeout(() => void this.ping().finally(() => this.schedulePing()), this.pacer.next());
  }

  private async ping(): Promise<void> {
    if (!this.connection.accepted || this.stopped) return;
    try {
      const r = (await this.connection.request({ kind: 'ping', epoch: undefined }, 10_000)) as { epoch?: number; subscribed?: boolean };
      this.pacer.heard(r);
      if (typeof r?.epoch === 'number') this.connection.checkEpoch(r.epoch);
      // Twice in a row the master did not see our subscription: the publication socket is dead; start a new one.
      // At most once a minute: a publish port that is simply unreachable gains nothing from faster resets.
      this.unsubscribedPings = r?.subscribed === false ? this.unsubscribedPings + 1 : 0;
      if (this.unsubscribedPings >= 2 && Date.now() - this.lastSubReset > 60_000) {
        this.unsubscribedPings = 0;
        this.lastSubReset = Date.now();
        this.connection.transport.resetPublishSocket();
      }
      this.core.offline = false;
      if (this.undelivered.length) await this.flushReturns();
    } catch (e) {
      this.pacer.missed();
      this.log.debug('ping failed', { error: errorMessage(e) });
    }
  }

  private async onJob(job: JobPublication): Promise<void> {
    if (!this.runner.matches(job)) return;
    // Only jobs that would run here are recorded (one small file write per job for this minion, not per publication).
    if (this.seenJobs.checkAndAdd(job.jid)) {
      this.log.warn('publication refused', { reason: 'replay', jid: job.jid, detail: 'seen before this minion restarted' });
      return;
    }
    this.log.info('job received', { jid: job.jid, fun: job.fun });
    // "Still running" heartbeats only for jobs that take a while: a test.ping returns before the first is due,
    // which spares the master one request per minion on every quick job.
    const beat = () => {
      const pid = this.core.jobs.pidOf(job.jid);
      return this.connection.request({ kind: 'job.running', jid: job.jid, ...(pid !== undefined ? { pid } : {}) }, 10_000).catch(() => undefined);
    };
    let timer: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      void beat();
      timer = setInterval(() => void beat(), 2000);
    }, 500);
    let out: JobOutcome;
    try {
      out = await this.runner.execute(job.fun, job.arg, job.kwarg, { jid: job.jid, tgt: job.tgt, tgt_type: job.tgtType });
    } finally {
      clearTimeout(first);
      clearInterval(timer);
    }
    await this.sendReturn({ kind: 'return', jid: job.jid, fun: job.fun, ret: out.ret, outcome: out.outcome, retcode: out.retcode, success: out.success, out: out.out });
  }

  /** Deliver a return; keep it for later if the master is away (it goes out after re-authentication or a ping). */
  async sendReturn(body: Dict & { kind: 'return' }, offline = false): Promise<void> {
    if (offline) {
      // Known to be away: no point waiting out the request timeout (a schedule would skip its next runs meanwhile).
      this.log.info('master unreachable: return kept until it is back', { jid: body['jid'] });
      this.undelivered.push(body);
      return;
    }
    try {
      await this.connection.request(body, 30_000);
    } catch (e) {
      if (e instanceof MasterError && e.retryable) {
        // The master could not store it (its disk is full): keep it and send it again, never drop it.
        this.log.warn('return not stored by the master yet; will retry', { jid: body['jid'], error: errorMessage(e) });
        this.undelivered.push(body);
        return;
      }
      if (e instanceof MasterError) {
        // The master answered and refused it (e.g. too large): retrying would block every later return.
        this.log.error('return refused by the master; not retried', { jid: body['jid'], error: errorMessage(e) });
        return;
      }
      this.log.warn('return not delivered yet; will retry when the master is back', { jid: body['jid'], error: errorMessage(e) });
      this.undelivered.push(body);
      // A timeout may mean a lost session; a socket reset is not one (no re-authentication wave for the master).
      if (!(e instanceof RequestError && e.reason === 'reset')) this.connection.reauth();
    }
  }

  /** Single flight: two flushes at once (after auth and after a ping) would send one return twice and drop another. */
  private async flushReturns(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.undelivered.length && this.connection.accepted) {
        const body = this.undelivered.peek()!;
        try {
          await this.connection.request(body as Dict & { kind: string }, 30_000);
          this.log.info('delayed return delivered', { jid: body['jid'] });
        } catch (e) {
          if (!(e instanceof MasterError) || e.retryable) throw e;
          this.log.error('delayed return refused by the master; dropped', { jid: body['jid'], error: errorMessage(e) });
        }
        this.undelivered.shift();
      }
    } catch {
      /* still away, or it cannot store returns yet: the next ping or authentication tries again */
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Fire an event on the master's bus (`event.fire_master`, beacons): the master files it under this minion's id.
   * Also the daemon hook `hooks['event.fire_master']` (args `[data, tag]`) execution functions call.
   */
  fireMaster(tag: string, data: unknown): Promise<boolean> {
    return fireMaster(this.connection, tag, data);
  }

  async stop(): Promise<void> {
    // A clean stop says so (`salt/minion/<id>/stop`), briefly: a master that is away does not hold the stop up.
    if (this.connection.accepted && !this.stopped) {
      await Promise.race([this.fireMaster(`salt/minion/${this.opts.id}/stop`, `Minion ${this.opts.id} stopped at ${new Date().toString()}`).catch(() => false), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.stopped = true;
    clearTimeout(this.pingTimer);
    this.scheduler.stop();
    this.beacons.stop();
    this.mine.stop();
    await this.connection.close();
    this.log.info('minion stopped');
  }
}
