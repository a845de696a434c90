/**
 * The master's in-memory copy of its key store (pending/, accepted/, rejected/, denied/), so an auth request reads
 * no file. It is kept true by:
 *  - the store's own writes (recorded here as they are made);
 *  - fs.watch on the four directories: an event names a file, and only that file is read again (once per turn of
 *    the event loop, however many events a write made);
 *  - `brine key`'s `keys.changed` notice and any watcher error or nameless event: everything is read again;
 *  - `verifyListing()` (the master's 2 s reconcile): the directory names are compared with the index, so a missed
 *    event cannot leave a removed key trusted for longer than that. A directory whose mtime (and inode) is what it was
 *    at its last listing is not listed again: adding, removing or renaming a file changes it. A listing is trusted
 *    only once its mtime is `SETTLED_MS` old, so a change in the same clock tick as the listing is not missed, and for
 *    `RELIST_MS` at most. At 10,000 keys this spares four 10,000-name listings every 2 s and before each job.
 * Its size is the key store's size (one entry per file, and max_pending_keys bounds what strangers can add).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isValidMinionId } from '@brine/protocol/dist/limits';

export type KeyState = 'pending' | 'accepted' | 'rejected' | 'denied';
export const KEY_STATES: readonly KeyState[] = ['accepted', 'pending', 'rejected', 'denied'];

type Entry = Partial<Record<KeyState, string>>;

/** A directory listing is trusted by its mtime only once that mtime is this old (ms), see verifyListing(). */
export const SETTLED_MS = 2000;
/** ...and for this long at most (ms): a clock or filesystem that defeats the mtime test delays a repair, no more. */
export const RELIST_MS = 60_000;

export class KeyIndex {
  private byId = new Map<string, Entry>();
  private readonly counts: Record<KeyState, number> = { accepted: 0, pending: 0, rejected: 0, denied: 0 };
  private stale = true;
  /** Bumped by every change to the index: callers skip work when the keys are as they were (see `version`). */
  private changes = 0;
  /** Per directory: the mtime and inode it had when last listed and found settled. */
  private listed = new Map<KeyState, { mtimeMs: number; ino: number; at: number }>();
  private watchers: fs.FSWatcher[] = [];
  /** Called with the ids whose accepted key appeared (a file event or a reload found it). */
  onAccepted: ((ids: string[]) => void) | undefined;

  constructor(private readonly dir: string) {}

  /** Start watching the directories (the master; `brine key` reads the files directly). */
  watch(): void {
    for (const s of KEY_STATES) {
      try {
        const w = fs.watch(path.join(this.dir, s), { persistent: false }, (_ev, name) => {
          if (typeof name !== 'string' || name.length === 0) this.invalidate();
          // A temporary file of an atomic write: its rename to the final name has an event of its own.
          else if (!name.includes('.tmp-')) this.touched(s, name);
        });
        w.on('error', () => this.invalidate());
        this.watchers.push(w);
      } catch {
        this.invalidate();
      }
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  /** Forget everything: the next lookup reads the directories again. */
  invalidate(): void {
    this.stale = true;
    this.listed.clear();
  }

  /** Changes when any key is added, removed or changed (or the index is read again). */
  get version(): number {
    return this.changes;
  }

  private file(state: KeyState, id: string): string {
    return path.join(this.dir, state, id);
  }

  private readFile(state: KeyState, id: string): string | undefined {
    try {
      return fs.readFileSync(this.file(state, id), 'utf8');
    } catch {
      return undefined;
    }
  }

  private load(): void {
    const before = this.byId;
    this.byId = new Map();
    for (const s of KEY_STATES) this.counts[s] = 0;
    for (const s of KEY_STATES) {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(this.dir, s));
      } catch {
        continue;
      }
      for (const id of names) {
        if (!isValidMinionId(id) || id.includes('.tmp-')) continue;
        const pem = this.readFile(s, id);
        if (pem !== undefined) this.put(id, s, pem);
      }
    }
    this.stale = false;
    this.changes++;
    const newly = [...this.byId].filter(([id, e]) => e.accepted !== undefined && before.get(id)?.accepted === undefined).map(([id]) => id);
    if (newly.length && before.size > 0) this.onAccepted?.(newly);
  }

  private ensure(): Map<string, Entry> {
    if (this.stale) this.load();
    return this.byId;
  }

  private put(id: string, s: KeyState, pem: string | undefined): void {
    let e = this.byId.get(id);
    const had = e?.[s] !== undefined;
    if (pem === undefined) {
      if (!e || !had) return;
      this.changes++;
      delete e[s];
      this.counts[s]--;
      if (Object.keys(e).length === 0) this.byId.delete(id);
      return;
    }
    if (!e) this.byId.set(id, (e = {}));
    if (!had) this.counts[s]++;
    if (e[s] !== pem) this.changes++;
    e[s] = pem;
  }

  /** Files named by events, read again once each at the next turn (a write makes several events). */
  private dirty = new Map<string, Set<KeyState>>();
  private dirtyQueued = false;

  private touched(state: KeyState, id: string): void {
    let states = this.dirty.get(id);
    if (!states) this.dirty.set(id, (states = new Set()));
    states.add(state);
    if (this.dirtyQueued) return;
    this.dirtyQueued = true;
    setImmediate(() => {
      this.dirtyQueued = false;
      const all = this.dirty;
      this.dirty = new Map();
      for (const [id, states] of all) this.refresh(id, states);
    });
  }

  /** Read one minion's files again (all four, or those of `states`: a file event named them). */
  refresh(id: string, states: Iterable<KeyState> = KEY_STATES): void {
    if (this.stale || !isValidMinionId(id)) return;
    const wasAccepted = this.byId.get(id)?.accepted !== undefined;
    for (const s of states) this.put(id, s, this.readFile(s, id));
    if (!wasAccepted && this.byId.get(id)?.accepted !== undefined) this.onAccepted?.([id]);
  }

  /** The store wrote or removed a file: keep the index in step without waiting for the event. */
  recorded(state: KeyState, id: string, pem: string | undefined): void {
    if (!this.stale) this.put(id, state, pem);
  }

  get(state: KeyState, id: string): string | null {
    return this.ensure().get(id)?.[state] ?? null;
  }

  stateOf(id: string): KeyState | null {
    const e = this.ensure().get(id);
    if (!e) return null;
    for (const s of KEY_STATES) if (e[s] !== undefined) return s;
    return null;
  }

  count(state: KeyState): number {
    this.ensure();
    return this.counts[state];
  }

  list(): Record<KeyState, string[]> {
    const out: Record<KeyState, string[]> = { accepted: [], pending: [], rejected: [], denied: [] };
    for (const [id, e] of this.ensure()) for (const s of KEY_STATES) if (e[s] !== undefined) out[s].push(id);
    for (const s of KEY_STATES) out[s].sort();
    return out;
  }

  /** Compare the directories' names with the index; read again the ids that differ. Returns how many did. */
  verifyListing(): number {
    if (this.stale) {
      this.load();
      return 0;
    }
    const differ = new Set<string>();
    const now = Date.now();
    for (const s of KEY_STATES) {
      const dir = path.join(this.dir, s);
      let names: string[];
      let st: fs.Stats;
      try {
        st = fs.statSync(dir);
        const was = this.listed.get(s);
        if (was && was.mtimeMs === st.mtimeMs && was.ino === st.ino && now - was.at < RELIST_MS) continue;
        names = fs.readdirSync(dir);
      } catch {
        this.listed.delete(s);
        continue;
      }
      if (now - st.mtimeMs >= SETTLED_MS) this.listed.set(s, { mtimeMs: st.mtimeMs, ino: st.ino, at: now });
      else this.listed.delete(s);
      const onDisk = new Set(names.filter((n) => isValidMinionId(n) && !n.includes('.tmp-')));
      for (const id of onDisk) if (this.byId.get(id)?.[s] === undefined) differ.add(id);
      if (onDisk.size !== this.counts[s] || differ.size > 0) for (const [id, e] of this.byId) if (e[s] !== undefined && !onDisk.has(id)) differ.add(id);
    }
    for (const id of differ) this.refresh(id);
    return differ.size;
  }
}
