/**
 * Runs a published job on this minion: match the target on itself, acknowledge, prepare what the function needs
 * (the synced state tree, fresh pillar), run it — in a job process unless it is quick (job-process.ts) — and
 * return the result bound to this minion's identity. State runs are queued one at a time, like Salt's state queue.
 */
import { errorMessage, matchTarget, type Dict, type Logger, type TargetType } from '@brine/core';
import { loadExtensions, lookupFunction, type ExecEnv } from '@brine/modules';
import { toWireData } from '@brine/render';
import type { JobPublication } from '@brine/protocol';
import { withMasterStateOpts } from './master-state-opts';
import { MineCache } from './mine';
import type { MinionCore } from './core';
import { runInJobProcess } from './job-process';
import { callFunction, failed, notAvailable, type JobOutcome } from './outcome';
import type { JobMeta } from './job-table';

export type { JobOutcome };

/**
 * Modules whose functions run in the daemon: quick ones, and those that act on the daemon itself (pillar refresh,
 * schedule, mine). Everything else — rendering and running states, commands — runs in a job process.
 */
const IN_DAEMON = new Set(['test', 'grains', 'pillar', 'config', 'mine', 'saltutil', 'schedule', 'sys', 'event']);
/** Single functions that need the daemon: its job table (state.running) or its channel to the master (cp.push). */
const IN_DAEMON_FUNS = new Set(['state.running', 'cp.push']);

export class JobRunner {
  private stateQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: MinionCore, private readonly log: Logger) {}

  matches(job: Pick<JobPublication, 'tgt' | 'tgtType'>): boolean {
    try {
      return matchTarget({ tgt: job.tgt, type: job.tgtType as TargetType }, { id: this.core.id, grains: this.core.grains, pillar: this.core.pillar });
    } catch (e) {
      this.log.warn('bad target in a publication', { error: errorMessage(e) });
      return false;
    }
  }

  /** Run `fun` here; used for published jobs (with their jid: saltutil.running lists them), the scheduler and `brine call`. */
  async execute(fun: string, args: unknown[], kwargs: Dict, meta?: JobMeta): Promise<JobOutcome> {
    const run = () => this.executeTracked(fun, args, kwargs, meta);
    // state.running reports on the queue: it never waits in it.
    if (!fun.startsWith('state.') || fun.startsWith('state.show') || fun === 'state.running') return run();
    const queued = this.stateQueue.then(run, run);
    this.stateQueue = queued.catch(() => undefined);
    return queued;
  }

  /** The job is in the job table while it runs; killing it aborts its signal. */
  private async executeTracked(fun: string, args: unknown[], kwargs: Dict, meta: JobMeta | undefined): Promise<JobOutcome> {
    if (!meta) return this.executeNow(fun, args, kwargs);
    const t = this.core.jobs.start(meta, fun, args);
    try {
      return await this.executeNow(fun, args, kwargs, t);
    } finally {
      t.end();
    }
  }

  private async executeNow(fun: string, args: unknown[], kwargs: Dict, track?: { signal: AbortSignal; setPid(pid: number): void }): Promise<JobOutcome> {
    try {
      lookupFunction(fun);
    } catch {
      // A highstate in a job process may have synced custom modules since this daemon last loaded them.
      loadExtensions(this.core.opts.cachedir, this.log);
      try {
        lookupFunction(fun);
      } catch {
        return notAvailable(fun);
      }
    }
    let env: ExecEnv;
    let mine: (tgt: string, fun: string, tgtType: string) => Promise<Dict>;
    try {
      [env, mine] = await this.prepare(fun, args, kwargs);
    } catch (e) {
      return failed(fun, e, this.log);
    }
    if (IN_DAEMON.has(fun.split('.')[0]!) || IN_DAEMON_FUNS.has(fun)) return callFunction(fun, args, kwargs, { ...env, signal: track?.signal });
    // The pillar in its wire form: the IPC channel is JSON, which would drop int keys and integer-like key order.
    const job = { fun, args, kwargs, id: env.id, grains: env.grains, pillar: toWireData(env.pillar) as Dict, opts: env.opts, fileRoots: env.envs ? env.envs.dirs() : { base: env.roots.roots } };
    return runInJobProcess(job, { log: this.log, mine, signal: track?.signal, onPid: track?.setPid });
  }

  /**
   * The environment a function runs in (state runs get a synced tree and fresh pillar), and the answer to a
   * template's `mine.get` in a job process: the master's, or the answers saved by the last run while it is away.
   */
  private async prepare(fun: string, args: unknown[], kwargs: Dict): Promise<[ExecEnv, (tgt: string, fun: string, tgtType: string) => Promise<Dict>]> {
    const core = this.core;
    const isState = fun.startsWith('state.') && fun !== 'state.running';
    // cp.get_* and cmd.script read salt:// from the synced tree too.
    // saltutil.sync_* too: the environments it syncs from are those of the synced tree.
    const needsTree = isState || (fun.startsWith('cp.') && fun !== 'cp.push') || fun === 'cmd.script' || fun.startsWith('saltutil.sync_');
    if (needsTree || fun.startsWith('pillar.')) await core.refreshFromMaster(needsTree);
    const mine = new MineCache(core.connection, core.mineReadsFile());
    const env = core.execEnv(this.log, { mine, hooks: core.hooks() });
    // A state run takes the master's state options (Salt's HighState.__gen_opts): renderer, top file, merging...
    if (isState) env.opts = withMasterStateOpts(env.opts, core.files.masterStateOpts());
    // pillarenv= on a state or pillar call: that environment's pillar, for this call only.
    const pillarenv = kwargs['pillarenv'];
    if ((isState || fun.startsWith('pillar.')) && typeof pillarenv === 'string' && pillarenv) env.pillar = await core.pillarFor(pillarenv);
    let away = !core.connection.accepted || core.offline;
    if (isState && away) this.log.info('master unreachable: templates read the mine answers saved by the last run', { answers: mine.useSaved() });
    if (fun === 'mine.get') {
      await lookupFunction(fun)(args, kwargs, env); // records the read; the real call then hits the cache
      await mine.fetchMisses();
    }
    const ask = async (tgt: string, mfun: string, tgtType: string): Promise<Dict> => {
      if (away) return mine.get(tgt, mfun, tgtType);
      try {
        return await mine.answer(tgt, mfun, tgtType);
      } catch (e) {
        away = true;
        this.log.warn('mine data unavailable; templates read the answers saved by the last run', { error: errorMessage(e), answers: mine.useSaved() });
        return mine.get(tgt, mfun, tgtType);
      }
    };
    return [env, ask];
  }
}
