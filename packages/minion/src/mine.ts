/**
 * Mine reads inside templates are synchronous, but the data lives on the master. Before a state run the minion
 * compiles once with a recording view: every `mine.get` the templates make is noted, fetched from the master
 * (which matches the target against its cached grains), and the real run then reads the filled cache.
 */
import { isDict, type Dict } from '@brine/core';
import type { MineView } from '@brine/engine';
import type { Requester } from './requester';

export class MineCache implements MineView {
  private readonly cache = new Map<string, Dict>();
  readonly misses = new Map<string, { tgt: string; fun: string; tgtType: string }>();

  constructor(private readonly req: Requester) {}

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

  async fetchMisses(): Promise<void> {
    const todo = [...this.misses.entries()];
    this.misses.clear();
    await Promise.all(
      todo.map(async ([k, q]) => {
        const data = await this.req.request({ kind: 'mine.get', tgt: q.tgt, fun: q.fun, tgtType: q.tgtType });
        this.cache.set(k, isDict(data) ? data : {});
      }),
    );
  }
}
