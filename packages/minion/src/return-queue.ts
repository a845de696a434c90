/**
 * Returns the master has not acknowledged yet (it was away), kept on disk in the minion's cache dir so that a
 * minion restart does not lose them, and bounded: past `max` the oldest is dropped, with a warning.
 */
import { errorMessage, readJsonFile, writeFileAtomicSync, type Dict, type Logger } from '@brine/core';

export class ReturnQueue {
  private readonly items: Dict[];

  constructor(private readonly file: string, private readonly log: Logger, private readonly max = 500) {
    const d = readJsonFile(file);
    this.items = Array.isArray(d) ? (d.filter((x) => x && typeof x === 'object') as Dict[]) : [];
    if (this.items.length) log.info('returns kept from before the restart', { count: this.items.length });
  }

  get length(): number {
    return this.items.length;
  }

  peek(): Dict | undefined {
    return this.items[0];
  }

  push(body: Dict): void {
    this.items.push(body);
    while (this.items.length > this.max) {
      const dropped = this.items.shift()!;
      this.log.warn('undelivered return dropped: too many kept while the master is away', { jid: dropped['jid'], max: this.max });
    }
    this.save();
  }

  shift(): void {
    this.items.shift();
    this.save();
  }

  /** Kept in memory whatever happens; a write that fails (disk full) is retried with the next change. */
  private save(): void {
    try {
      writeFileAtomicSync(this.file, JSON.stringify(this.items));
    } catch (e) {
      this.log.error('undelivered returns could not be saved to disk (kept in memory until the master takes them)', { file: this.file, error: errorMessage(e) });
    }
  }
}
