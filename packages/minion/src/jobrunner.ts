/**
 * Runs a published job on this minion: match the target on itself, acknowledge, prepare what the function needs
 * (the synced state tree, fresh pillar, mine data its templates read), run it, and return the result bound to
 * this minion's identity. State runs are queued one at a time, like Salt's state queue.
 */
import { errorMessage, matchTarget, UsageError, type Dict, type Logger, type TargetType } from '@brine/core';
import { CallResult, lookupFunction, makeRenderer, RootsSourceClient, slsList, type ExecEnv } from '@brine/engine';
import type { JobPublication } from '@brine/protocol';
import { MineCache } from './mine';
import type { MinionCore } from './core';

export interface JobOutcome {
  ret: unknown;
  retcode: number;
  success: boolean;
  out: string;
}

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

  /** Run `fun` here; used for published jobs, the scheduler and `brine call`. */
  async execute(fun: string, args: unknown[], kwargs: Dict): Promise<JobOutcome> {
    const run = () => this.executeNow(fun, args, kwargs);
    if (!fun.startsWith('state.') || fun.startsWith('state.show')) return run();
    const queued = this.stateQueue.then(run, run);
    this.stateQueue = queued.catch(() => undefined);
    return queued;
  }

  private async executeNow(fun: string, args: unknown[], kwargs: Dict): Promise<JobOutcome> {
    let fn;
    try {
      fn = lookupFunction(fun);
    } catch (e) {
      return { ret: `'${fun}' is not available.`, retcode: 1, success: false, out: 'nested' };
    }
    try {
      const env = await this.prepare(fun, args, kwargs);
      const raw = await fn(args, kwargs, env);
      const res = raw instanceof CallResult ? raw : new CallResult(raw, 0);
      return { ret: res.ret, retcode: res.retcode, success: res.retcode === 0, out: res.outputter };
    } catch (e) {
      const msg = e instanceof UsageError ? e.message : `${fun}: ${errorMessage(e)}`;
      this.log.warn('function failed', { fun, error: errorMessage(e) });
      return { ret: msg, retcode: 1, success: false, out: 'nested' };
    }
  }

  /** The environment a function runs in; state runs get a synced tree, fresh pillar and prefetched mine data. */
  private async prepare(fun: string, args: unknown[], kwargs: Dict): Promise<ExecEnv> {
    const core = this.core;
    const isState = fun.startsWith('state.');
    if (isState || fun.startsWith('pillar.')) await core.refreshFromMaster(isState);
    const mine = new MineCache(core.connection, core.mineReadsFile());
    const env = core.execEnv(this.log, { mine, hooks: core.hooks() });
    if (isState && core.connection.accepted && !core.offline) await this.prefetchMine(env, fun, args, kwargs, mine);
    else if (isState) this.log.info('master unreachable: templates read the mine answers saved by the last run', { answers: mine.useSaved() });
    if (fun === 'mine.get') {
      await lookupFunction(fun)(args, kwargs, env); // records the read; the real call then hits the cache
      await mine.fetchMisses();
    }
    return env;
  }

  /** Compile (and render file templates) with a recording mine view until no read is left unanswered. */
  private async prefetchMine(env: ExecEnv, fun: string, args: unknown[], kwargs: Dict, mine: MineCache): Promise<void> {
    for (let round = 0; round < 3; round++) {
      try {
        const r = makeRenderer(env);
        const mods = slsList(args[0] ?? kwargs['mods']);
        const chunks = fun === 'state.highstate' || mods.length === 0 ? r.compileHighstate() : r.compile(mods);
        const files = new RootsSourceClient(env.roots);
        for (const c of chunks) {
          if (c.state !== 'file' || c.args['template'] !== 'jinja' || !c.args['source']) continue;
          const src = files.fetch(([] as unknown[]).concat(c.args['source']).map(String));
          if (!src) continue;
          try {
            r.renderTemplate(src.data.toString('utf8'), src.url, { ...(c.args['defaults'] as Dict), ...(c.args['context'] as Dict) });
          } catch {
            /* the real run reports template errors */
          }
        }
      } catch {
        /* the real run reports compile errors */
      }
      if (mine.misses.size === 0) return;
      try {
        await mine.fetchMisses();
      } catch (e) {
        this.log.warn('mine data unavailable; templates read the answers saved by the last run', { error: errorMessage(e), answers: mine.useSaved() });
        return;
      }
    }
  }
}
