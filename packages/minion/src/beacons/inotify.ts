/**
 * The `inotify` beacon (named as Salt's), on Node's fs.watch: `{path, change, tag: <watched path>}` for each change
 * under a watched file or directory, with Salt's mask names (IN_MODIFY, IN_CREATE, IN_DELETE; fs.watch tells a
 * write from a rename, and the path's presence afterwards tells a create from a delete). Changes are queued as
 * they happen and fired at the next check, each (path, change) once per check. A watch lost to a file being
 * replaced (editors write a new file and rename it) is set up again at the next check.
 */
import * as fs from 'fs';
import * as path from 'path';
import { globMatch } from '@brine/core';
import type { InotifyChange, InotifyWatch } from './config';
import type { Beacon, BeaconEvent } from './types';

/** Queued changes per beacon at most between two checks (a storm of writes is not kept in memory). */
const MAX_QUEUED = 1000;

export class InotifyBeacon implements Beacon {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly queue: { watched: string; path: string; change: InotifyChange }[] = [];
  private overflow = 0;

  constructor(private readonly files: Record<string, InotifyWatch>, private readonly onError: (msg: string) => void = () => undefined) {
    this.ensureWatches();
  }

  private ensureWatches(): void {
    for (const [p, w] of Object.entries(this.files)) {
      if (this.watchers.has(p) || !fs.existsSync(p)) continue;
      try {
        const isDir = fs.statSync(p).isDirectory();
        const watcher = fs.watch(p, { recursive: isDir && w.recurse, persistent: false }, (type, file) => this.onChange(p, w, isDir, type, file));
        watcher.on('error', () => this.drop(p));
        this.watchers.set(p, watcher);
      } catch (e) {
        this.onError(`inotify: cannot watch ${p}: ${(e as Error).message}`);
      }
    }
  }

  private drop(p: string): void {
    this.watchers.get(p)?.close();
    this.watchers.delete(p);
  }

  private onChange(watched: string, w: InotifyWatch, isDir: boolean, type: string, file: string | Buffer | null): void {
    const full = isDir && file ? path.join(watched, file.toString()) : watched;
    const exists = fs.existsSync(full);
    const change: InotifyChange = type === 'change' ? 'IN_MODIFY' : exists ? 'IN_CREATE' : 'IN_DELETE';
    // The watched file itself was renamed over or removed: its watch now follows a dead inode.
    if (!isDir && type === 'rename') this.drop(watched);
    if (!w.mask.includes(change)) return;
    if (w.exclude.some((x) => (x.includes('*') ? globMatch(x, full) : full.startsWith(x)))) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.overflow++;
      return;
    }
    this.queue.push({ watched, path: full, change });
  }

  async poll(): Promise<BeaconEvent[]> {
    const seen = new Set<string>();
    const out: BeaconEvent[] = [];
    for (const q of this.queue.splice(0)) {
      const key = `${q.path}\0${q.change}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ tag: q.watched, data: { path: q.path, change: q.change } });
    }
    if (this.overflow) {
      this.onError(`inotify: ${this.overflow} changes not reported (more than ${MAX_QUEUED} between two checks)`);
      this.overflow = 0;
    }
    this.ensureWatches();
    return out;
  }

  close(): void {
    for (const p of [...this.watchers.keys()]) this.drop(p);
  }
}
