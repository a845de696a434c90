/**
 * Mine reads inside templates are synchronous, but the data lives on the master. Templates render in a job
 * process, which asks the daemon and waits: the daemon answers from this job's cache or fetches from the master
 * (which matches the target against its cached grains). `mine.get` run as a job records its read, then fetches.
 *
 * Every answer is also saved on disk (`<cachedir>/mine-reads.json`): a run while the master is away reads the last
 * answers instead of empty ones, so a load balancer's peer list is not emptied by a master outage.
 */
import { isDict, readJsonFile, writeFileAtomicSync, type Dict } from '@brine/core';
import type { MineView } from '@brine/modules';
import type { Requester } from './requester';

const MAX_SAVED = 200;

export class MineCache implements MineView {
  private readonly cache = new Map<string, Dict>();
  readonly misses = new Map<string, { tgt: string; fun: string; tgtType: string }>();

  constructor(private readonly req: Requester, private readonly savedFile?: string) {}

  private key(tgt: string, fun: string, tgtType: string): string {
    return JSON.stringify([tgt, fun, tgtType]);
  }

  get(tgt: string, fun: string, tgtType: string): Dict {
    const k = this.key(tgt, fun, tgtType);
    const hit = this.cache.get(k);
    if (hit) return hit;
    this.misses.set(k, { tgt, fun, tgtType });
    return {};
  }

  /** One read answered now: this job's answer, else the master's (throws when the master cannot be asked). */
  async answer(tgt: string, fun: string, tgtType: string): Promise<Dict> {
    const k = this.key(tgt, fun, tgtType);
    if (!this.cache.has(k)) {
      this.misses.set(k, { tgt, fun, tgtType });
      await this.fetchMisses();
    }
    return this.cache.get(k) ?? {};
  }

  async fetchMisses(): Promise<void> {
    const todo = [...this.misses.entries()];
    this.misses.clear();
    const fresh: Record<string, Dict> = {};
    await Promise.all(
      todo.map(async ([k, q]) => {
        const data = await this.req.request({ kind: 'mine.get', tgt: q.tgt, fun: q.fun, tgtType: q.tgtType });
        fresh[k] = isDict(data) ? data : {};
        this.cache.set(k, fresh[k]!);
      }),
    );
    if (this.savedFile && todo.length) {
      // Bounded: the newest MAX_SAVED answers (templates read a handful of targets).
      const saved = this.saved();
      for (const k of Object.keys(fresh)) delete saved[k]; // fresh answers go last, as the newest
      const all = Object.entries({ ...saved, ...fresh });
      writeFileAtomicSync(this.savedFile, JSON.stringify(Object.fromEntries(all.slice(-MAX_SAVED))));
    }
  }

  /** Fill the cache with the answers saved by earlier runs (for when the master is away); returns how many. */
  useSaved(): number {
    let n = 0;
    for (const [k, v] of Object.entries(this.saved())) {
      if (this.cache.has(k) || !isDict(v)) continue;
      this.cache.set(k, v);
      n++;
    }
    return n;
  }

  private saved(): Dict {
    const d = this.savedFile ? readJsonFile(this.savedFile) : undefined;
    return isDict(d) ? d : {};
  }
}
