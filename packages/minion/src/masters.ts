/**
 * The masters a minion may talk to (`master:` as a list, `master_type: failover`): one at a time, in the configured
 * order or shuffled once at start (`master_shuffle` / `random_master`), moving to the next one round the list.
 */
import type { MasterAddress } from '@brine/engine';

/** `host:port`, with brackets around an IPv6 literal (`[fd00::1]:4506`), as the config writes it. */
export function masterLabel(m: MasterAddress): string {
  return m.host.includes(':') ? `[${m.host}]:${m.port}` : `${m.host}:${m.port}`;
}

export class MasterList {
  private readonly list: MasterAddress[];
  private index = 0;

  /** `random` is for tests (a Fisher-Yates shuffle draws from it). */
  constructor(masters: MasterAddress[], shuffle: boolean, random: () => number = Math.random) {
    if (masters.length === 0) throw new Error('MasterList: no master given');
    this.list = masters.map((m) => ({ ...m }));
    if (shuffle) {
      for (let i = this.list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [this.list[i], this.list[j]] = [this.list[j]!, this.list[i]!];
      }
    }
  }

  get size(): number {
    return this.list.length;
  }

  /** In the order they are tried. */
  get all(): readonly MasterAddress[] {
    return this.list;
  }

  get current(): MasterAddress {
    return this.list[this.index]!;
  }

  /** Move to the next master (after the last: the first again) and return it. */
  advance(): MasterAddress {
    this.index = (this.index + 1) % this.list.length;
    return this.current;
  }
}
