/**
 * The reactor: watches the master's event bus, and for each event whose tag matches a glob of the `reactor:` map
 * renders the mapped reactor SLS files with the event (`tag`, `data`) and carries out their reactions.
 *
 * As Salt's: reactions run in a pool of `reactor_worker_threads` workers with at most `reactor_worker_hwm` queued
 * (beyond, dropped and logged); events carrying the `Reactor` user are not reacted to (Salt's reactor skips them:
 * its runner and wheel calls fire their events as that user; Brine's reactor also publishes its `local` jobs as
 * `Reactor`, so their `salt/job/<jid>/new` is skipped too); `local` actions publish without waiting for the returns.
 * Beyond Salt, the loop guard (guard.ts) stops a chain of reactions caused by reactions deeper than
 * `reactor_loop_limit`; independent events are never limited. A bad reactor file is logged with its file:line and
 * never stops the master.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { BrineError, errorMessage, FileRoots, fileRootsOptions, globMatch, isDict, type Dict, type Logger } from '@brine/core';
import type { ReactorEntry } from '@brine/config';
import { Renderer } from '@brine/render';
import type { BrineEvent } from '../events/bus';
import type { RunnerContext } from '../runners/types';
import type { Master } from '../server';
import { masterId } from '../orchestrate/run';
import { CauseTracker, type Cause } from './guard';
import { renderReactions, type Reaction } from './reactions';

/** Salt marks what its reactor does with this user, and skips events that carry it. */
export const REACTOR_USER = 'Reactor';

export type RunnerCaller = (fun: string, args: unknown[], kwargs: Dict, ctx: RunnerContext) => Promise<unknown>;

interface Work {
  sls: string;
  tag: string;
  data: Dict;
  /** The reaction that caused the event (undefined: an independent event). */
  cause: Cause | undefined;
  /** When the event was seen (for the latency figure). */
  at: number;
}

export interface ReactorStats {
  /** Reactor SLS renders started (one per matching file per event). */
  started: number;
  /** Reactions (actions) carried out, and those that failed. */
  actions: number;
  failed: number;
  /** Refused by the loop guard (a chain of reactions too deep); dropped because the queue was full. */
  looped: number;
  dropped: number;
}

export class Reactor {
  readonly stats: ReactorStats = { started: 0, actions: 0, failed: 0, looped: 0, dropped: 0 };
  private readonly causes: CauseTracker;
  /** The reaction whose action is running, across its awaits: events fired in it are caused by it. */
  private readonly acting = new AsyncLocalStorage<Cause>();
  /** Causes of the events fired, noted by the bus tap when they are fired (read when they are delivered). */
  private readonly causeOf = new WeakMap<BrineEvent, Cause>();
  private untap: (() => void) | undefined;
  private readonly queue: Work[] = [];
  private running = 0;
  private readonly roots: FileRoots;
  private renderer: Renderer | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Called as each reaction starts (tests and the bench measure event -> reaction with it). */
  onStart: ((w: { sls: string; tag: string; seenAt: number }) => void) | undefined;

  constructor(private readonly master: Master, private readonly entries: ReactorEntry[], private readonly callRunner: RunnerCaller, private readonly log: Logger) {
    const o = master.opts;
    this.causes = new CauseTracker(Math.max(1, o.reactor_loop_limit));
    this.roots = new FileRoots(o.file_roots['base'] ?? [], fileRootsOptions(o));
  }

  /** Start reacting (no-op without a `reactor:` map). */
  start(): this {
    if (this.entries.length && !this.unsubscribe) {
      this.untap = this.master.events.tap((e) => {
        const c = this.causes.causeOf(e.tag, e.data, this.acting.getStore());
        if (c) this.causeOf.set(e, c);
      });
      this.unsubscribe = this.master.events.subscribe((e) => this.onEvent(e));
      this.log.info('reactor started', { globs: this.entries.map((e) => e.tag) });
    }
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.untap?.();
    this.untap = undefined;
    this.queue.length = 0;
  }

  get refusedByGuard(): number {
    return this.causes.refused;
  }

  private onEvent(e: BrineEvent): void {
    if (e.data['user'] === REACTOR_USER) return;
    const files: string[] = [];
    for (const r of this.entries) if (globMatch(r.tag, e.tag)) files.push(...r.sls);
    if (!files.length) return;
    const at = Date.now();
    for (const sls of [...new Set(files)]) {
      if (this.queue.length >= this.master.opts.reactor_worker_hwm) {
        this.stats.dropped++;
        this.log.warn('reactor: queue full (reactor_worker_hwm): reaction dropped', { sls, tag: e.tag });
        continue;
      }
      this.queue.push({ sls, tag: e.tag, data: e.data, cause: this.causeOf.get(e), at });
    }
    this.pump();
  }

  /**
   * The loop guard judges reactions that do something (a reactor SLS that renders nothing for an event is no link
   * of a chain): the reaction's own cause, or null when the chain of reactions it would extend is too deep.
   */
  private admitted(w: Work): Cause | null {
    const v = this.causes.admit(w.cause);
    if (v.reaction) return v.reaction;
    this.stats.looped++;
    const meta = { sls: w.sls, tag: w.tag, depth: v.depth, limit: this.causes.limit };
    if (v.firstInChain) this.log.error('reactor: loop guard stopped a chain of reactions caused by reactions (reactor_loop_limit deep); its further reactions are dropped', meta);
    else this.log.debug('reactor: loop guard dropped a reaction of a stopped chain', meta);
    return null;
  }

  private pump(): void {
    while (this.running < Math.max(1, this.master.opts.reactor_worker_threads) && this.queue.length) {
      const w = this.queue.shift()!;
      this.running++;
      void this.react(w).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private rendererFor(): Renderer {
    const id = masterId(this.master);
    return (this.renderer ??= new Renderer({ roots: this.roots, context: { id, grains: { id }, pillar: {}, opts: { ...this.master.opts, id }, salt: {} }, log: this.log }));
  }

  private async react(w: Work): Promise<void> {
    this.stats.started++;
    this.onStart?.({ sls: w.sls, tag: w.tag, seenAt: w.at });
    let reactions: Reaction[];
    try {
      reactions = renderReactions(w.sls, w.tag, w.data, this.roots, this.rendererFor(), this.master.opts as unknown as Record<string, unknown>);
    } catch (e) {
      this.stats.failed++;
      this.log.error(`reactor: ${e instanceof BrineError ? e.message : `${w.sls}: ${errorMessage(e)}`}`, { tag: w.tag });
      return;
    }
    if (!reactions.length) return;
    const cause = this.admitted(w);
    if (!cause) return;
    for (const r of reactions) {
      try {
        await this.acting.run(cause, () => this.act(r));
        this.stats.actions++;
      } catch (e) {
        this.stats.failed++;
        this.log.error(`reactor: ${r.where}: ${r.id}: ${r.kind}.${r.fun} failed: ${errorMessage(e)}`, { tag: w.tag });
      }
    }
  }

  private async act(r: Reaction): Promise<void> {
    switch (r.kind) {
      case 'local': {
        const { jid, expected } = await this.master.publish({ tgt: r.tgt, tgtType: r.tgtType, fun: r.fun, arg: r.arg, kwarg: r.kwarg, user: REACTOR_USER });
        this.log.info('reactor: job published', { id: r.id, fun: r.fun, tgt: r.tgt, jid, expected: expected.length });
        return;
      }
      case 'runner': {
        const ret = await this.callRunner(r.fun, r.arg, r.kwarg, { master: this.master, log: this.log.child({ runner: r.fun }) });
        const failed = isDict(ret) && typeof ret['retcode'] === 'number' && ret['retcode'] !== 0;
        this.log[failed ? 'warn' : 'info'](`reactor: runner ${r.fun} ${failed ? 'failed' : 'ran'}`, { id: r.id });
        return;
      }
      case 'wheel': {
        const keys = this.master.keys;
        const done: string[] = [];
        for (const m of r.match) {
          if (r.fun === 'key.accept') done.push(...keys.accept(m, r.include.rejected));
          else if (r.fun === 'key.reject') done.push(...keys.reject(m, r.include.accepted));
          else done.push(...keys.delete(m));
        }
        if (r.fun !== 'key.accept') this.master.reconcileKeys();
        this.log.info(`reactor: wheel ${r.fun}`, { id: r.id, minions: done });
        return;
      }
      default: {
        const never: never = r;
        throw new Error(`unknown reaction ${JSON.stringify(never)}`);
      }
    }
  }
}
