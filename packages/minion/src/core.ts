/**
 * A minion's state: identity, grains, pillar, the synced file cache, providers. Pillar and the file tree are kept
 * on disk (cache dir, mode 0700) so that a scheduled run still converges when the master is unreachable.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError, errorMessage, FileEnvs, FileRoots, isDict, LocalStorageError, readJsonFile, writeFileAtomicSync, type Dict, type Logger } from '@brine/core';
import { chooseProviders, type MinionOpts, type Providers } from '@brine/engine';
import { loadExtensions, minionGrains, type ExecEnv } from '@brine/modules';
import { fromWireData, toWireData } from '@brine/render';
import { JobTable } from './job-table';
import type { Connection } from './connection';
import { isUnreachable, MasterError } from './requester';
import { FileCache } from './filesync';
import { masterHooks } from './master-hooks';

/** How long a run waits for the master to answer a ping before converging from the cache. */
const PROBE_MS = 3000;

export class MinionCore {
  readonly id: string;
  grains: Dict;
  pillar: Dict = {};
  readonly files: FileCache;
  /** The jobs running here (saltutil.running, find_job, kill_job). */
  readonly jobs: JobTable;
  private providerSet: Providers | undefined;
  private readonly extraHooks: Record<string, (args: unknown[], kwargs: Dict) => Promise<unknown>> = {};
  /** True while the last contact with the master failed (offline converge). */
  offline = false;
  private readonly pillarListeners: (() => void)[] = [];

  constructor(readonly opts: MinionOpts, readonly connection: Connection, private readonly log: Logger) {
    this.id = opts.id;
    this.jobs = new JobTable(opts.id);
    // Custom modules, states and grains synced before (extension cache) count from the start, as in Salt.
    loadExtensions(opts.cachedir, log);
    this.grains = this.computeGrains(true);
    this.files = new FileCache(opts.cachedir, connection, log.child({ part: 'files' }));
    fs.mkdirSync(opts.cachedir, { recursive: true, mode: 0o700 });
    this.pillar = this.readCachedPillar();
  }

  /** The environment execution functions run in on this minion (the synced tree, current grains and pillar). */
  execEnv(log: Logger, extra: Partial<ExecEnv> = {}): ExecEnv {
    return {
      id: this.id,
      grains: this.grains,
      pillar: this.pillar,
      opts: this.opts,
      log,
      roots: new FileRoots([this.files.root('base')]),
      envs: FileEnvs.fromDirs(this.files.envDirs()),
      providers: () => this.providers(),
      ...extra,
    };
  }

  /** Core grains, custom grains modules over them, the config's grains over both. */
  private computeGrains(fresh: boolean): Dict {
    return minionGrains(this.opts as unknown as Parameters<typeof minionGrains>[0], this.log, fresh);
  }

  /** saltutil.refresh_grains: recompute (custom grains included), tell the master, recompile pillar with them. */
  async refreshGrains(): Promise<boolean> {
    const fresh = this.computeGrains(true);
    for (const k of Object.keys(this.grains)) if (!(k in fresh)) delete this.grains[k];
    Object.assign(this.grains, fresh); // the same object: environments handed out before see the new grains
    await this.connection.request({ kind: 'grains', grains: this.grains });
    await this.refreshPillar();
    return true;
  }

  providers(): Providers {
    return (this.providerSet ??= chooseProviders(this.opts));
  }

  addHook(name: string, fn: (args: unknown[], kwargs: Dict) => Promise<unknown>): void {
    this.extraHooks[name] = fn;
  }

  hooks(): Record<string, (args: unknown[], kwargs: Dict) => Promise<unknown>> {
    return {
      'saltutil.refresh_pillar': async () => {
        await this.refreshPillar();
        return !this.offline;
      },
      'saltutil.refresh_grains': () => this.refreshGrains(),
      // Before saltutil.sync_*: the synced copy of the master's tree is brought up to date.
      'files.sync': async () => {
        await this.files.syncAll();
        return true;
      },
      'saltutil.running': async () => this.jobs.running(),
      'saltutil.find_job': async (args, kwargs) => this.jobs.find(String(kwargs['jid'] ?? args[0] ?? '')),
      'saltutil.kill_job': async (args, kwargs) => this.jobs.kill(String(kwargs['jid'] ?? args[0] ?? '')),
      // After grains.setval & co.: the master targets with the new grains, and pillar is recompiled with them.
      'grains.report': async () => {
        await this.connection.request({ kind: 'grains', grains: this.grains });
        await this.refreshPillar();
        return true;
      },
      // event.fire_master and cp.push: sent up on this minion's authenticated channel (master-hooks.ts).
      ...masterHooks(this.connection),
      ...this.extraHooks,
    };
  }

  /** The mine answers templates last read (see MineCache). */
  mineReadsFile(): string {
    return path.join(this.opts.cachedir, 'mine-reads.json');
  }

  /** Called after a pillar refresh that changed `schedule` or `mine_functions`. */
  onPillarChange(f: () => void): void {
    this.pillarListeners.push(f);
  }

  private pillarFile(): string {
    return path.join(this.opts.cachedir, 'pillar.json');
  }

  private readCachedPillar(): Dict {
    const p = fromWireData(readJsonFile(this.pillarFile()));
    return isDict(p) ? p : {};
  }

  /**
   * A failed exchange with the master during a run's preparation. Only an unreachable master lets the run converge
   * from the cache; anything else fails the run: the master's error, and above all a local one (a full disk while
   * the new tree is written must never leave the run applying the old tree).
   */
  private offlineOrFail(stage: 'pillar' | 'file sync', what: string, e: unknown): void {
    if (e instanceof MasterError) throw new BrineError('master', `${stage}: ${e.message}`, { cause: e });
    if (!isUnreachable(e)) {
      if (e instanceof BrineError) throw e;
      const local = (e as NodeJS.ErrnoException)?.code !== undefined;
      throw local ? new LocalStorageError(`${stage}: could not update the local copy in ${this.opts.cachedir} (nothing was applied from the old copy)`, e) : new BrineError(stage === 'pillar' ? 'pillar' : 'sync', `${stage}: ${errorMessage(e)}`, { cause: e, outcome: 'failed' });
    }
    if (!this.offline) this.log.warn(`master unreachable: ${what} from the local cache`, { error: errorMessage(e) });
    this.offline = true;
  }

  /**
   * The pillar of one environment for one call (Salt's state.* and pillar.* `pillarenv=`): compiled by the master
   * for this call only; the minion's own pillar is left as it is.
   */
  async pillarFor(pillarenv: string): Promise<Dict> {
    const p = await this.connection.request({ kind: 'pillar', pillarenv, transient: true }, 15_000);
    return isDict(p) ? (fromWireData(p) as Dict) : {};
  }

  async refreshPillar(): Promise<Dict> {
    try {
      // Salt's minion sends its pillarenv: the master then reads only that environment's pillar top file and section.
      const pillarenv = typeof this.opts.pillarenv === 'string' && this.opts.pillarenv ? this.opts.pillarenv : undefined;
      const p = await this.connection.request({ kind: 'pillar', ...(pillarenv ? { pillarenv } : {}) }, 15_000);
      const before = this.pillar;
      // The master sends dicts JSON objects cannot hold (non-str keys, integer-like keys after others) in their wire
      // form (render's wire-data.ts); the cached copy keeps that form.
      this.pillar = isDict(p) ? (fromWireData(p) as Dict) : {};
      writeFileAtomicSync(this.pillarFile(), JSON.stringify(toWireData(this.pillar)));
      this.offline = false;
      const watched = (d: Dict) => JSON.stringify([d['schedule'], d['mine_functions']]);
      if (watched(before) !== watched(this.pillar)) for (const f of this.pillarListeners) f();
    } catch (e) {
      // The master answered with an error (a pillar SLS that does not render): fail the run, never use stale pillar.
      this.offlineOrFail('pillar', 'using the last pillar', e);
    }
    return this.pillar;
  }

  /**
   * Before a run: sync the state tree (if asked) and pillar from the master. A quick ping first, so that with the
   * master away the run uses the cached copies at once instead of waiting out the long request timeouts.
   */
  async refreshFromMaster(files: boolean): Promise<void> {
    try {
      await this.connection.request({ kind: 'ping', epoch: undefined }, PROBE_MS);
    } catch (e) {
      this.offlineOrFail('file sync', 'converging with the last state tree and pillar', e);
      return;
    }
    if (files) await this.syncFiles();
    await this.refreshPillar();
  }

  async syncFiles(): Promise<void> {
    try {
      await this.files.syncAll();
      this.offline = false;
    } catch (e) {
      this.offlineOrFail('file sync', 'converging with the last state tree', e);
    }
  }
}
