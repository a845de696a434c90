/**
 * The master's minion-key store: one PEM file per minion id in pending/, accepted/, rejected/ or denied/.
 * `brine key` edits it directly (like salt-key) and then tells a running master, which also re-reads it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError, globMatch, writeFileAtomicSync } from '@brine/core';
// Protocol's submodules, not its index (which loads the transports and zeromq): `brine key` loads this file alone.
import { fingerprint } from '@brine/protocol/dist/crypto/keys';
import { isValidMinionId } from '@brine/protocol/dist/limits';
import { KEY_STATES, KeyIndex, type KeyState } from './key-index';
import { autosigned, samePem } from './store/key-rules';

export { KEY_STATES, type KeyState };

/** Minion ids become file names: the protocol's id rule (no slashes, no leading dot) keeps them safe. */
export function validMinionId(id: unknown): id is string {
  return isValidMinionId(id);
}

export interface AuthDecision {
  state: KeyState;
  /** A different key for a known id: the offered key was recorded under denied/. */
  conflict?: boolean;
  /** A new pending key was recorded by this decision. */
  created?: boolean;
  /** max_pending_keys reached: the new key was not recorded. */
  full?: boolean;
  /** The stored key file that could not be read as a public key (truncated, damaged): the minion waits as pending. */
  damaged?: string;
}

/** Does `pem` hold a readable public key? */
function readableKey(pem: string): boolean {
  try {
    fingerprint(pem);
    return true;
  } catch {
    return false;
  }
}

export class KeyStore {
  /** The master's in-memory copy (see key-index.ts); undefined in `brine key`, which reads the files. */
  private index: KeyIndex | undefined;

  constructor(readonly dir: string, private readonly opts: { autoAccept?: boolean; autosignFile?: string; maxPending?: number } = {}) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const s of KEY_STATES) fs.mkdirSync(path.join(dir, s), { recursive: true, mode: 0o700 });
  }

  private file(state: KeyState, id: string): string {
    if (!validMinionId(id)) throw new BrineError('key', `minion id '${id}' is not valid (letters, digits, . _ -; not starting with . or -)`);
    return path.join(this.dir, state, id);
  }

  /**
   * Serve lookups from memory from now on, kept true by file events, `invalidate()` and `verifyListing()`.
   * `onAccepted` hears of keys that became accepted outside this process (`brine key accept`).
   */
  watch(onAccepted?: (ids: string[]) => void): void {
    if (this.index) return;
    this.index = new KeyIndex(this.dir);
    this.index.onAccepted = onAccepted;
    this.index.watch();
  }

  unwatch(): void {
    this.index?.close();
    this.index = undefined;
  }

  /** Read the key store again on next use (`brine key` changed it). */
  invalidate(): void {
    this.index?.invalidate();
  }

  /** Compare the directories with the in-memory copy and repair it (a missed file event); cheap: names only. */
  verifyListing(): void {
    this.index?.verifyListing();
  }

  /** Changes whenever a key does (undefined without the in-memory copy: then nothing can tell). */
  get version(): number | undefined {
    return this.index?.version;
  }

  read(state: KeyState, id: string): string | null {
    if (this.index) {
      this.file(state, id); // validates the id
      return this.index.get(state, id);
    }
    try {
      return fs.readFileSync(this.file(state, id), 'utf8');
    } catch {
      return null;
    }
  }

  private write(state: KeyState, id: string, pem: string): void {
    writeFileAtomicSync(this.file(state, id), pem, 0o644);
    this.index?.recorded(state, id, pem);
  }

  private remove(state: KeyState, id: string): void {
    fs.rmSync(this.file(state, id), { force: true });
    this.index?.recorded(state, id, undefined);
  }

  stateOf(id: string): KeyState | null {
    if (this.index) {
      this.file('accepted', id);
      return this.index.stateOf(id);
    }
    for (const s of KEY_STATES) if (fs.existsSync(this.file(s, id))) return s;
    return null;
  }

  list(): Record<KeyState, string[]> {
    if (this.index) return this.index.list();
    const out = {} as Record<KeyState, string[]>;
    for (const s of KEY_STATES) {
      out[s] = fs
        .readdirSync(path.join(this.dir, s))
        .filter((n) => validMinionId(n) && !n.includes('.tmp-'))
        .sort();
    }
    return out;
  }

  private autosigned(id: string): boolean {
    return autosigned(this.opts, id);
  }


  /** What an `auth` request from `id` offering `pem` gets. Records new keys as pending (or accepted if autosigned). */
  decide(id: string, pem: string): AuthDecision {
    const accepted = this.read('accepted', id);
    if (accepted !== null) {
      if (samePem(accepted, pem)) return { state: 'accepted' };
      // A damaged accepted key is not "a different key": never file the minion's real key under denied/ for it.
      if (!readableKey(accepted)) return { state: 'pending', damaged: this.file('accepted', id) };
      this.write('denied', id, pem);
      return { state: 'denied', conflict: true };
    }
    const rejected = this.read('rejected', id);
    if (rejected !== null) return { state: 'rejected' };
    const pending = this.read('pending', id);
    if (pending !== null && !samePem(pending, pem)) {
      this.write('denied', id, pem);
      return { state: 'denied', conflict: true };
    }
    if (this.autosigned(id)) {
      this.write('accepted', id, pem);
      this.remove('pending', id);
      return { state: 'accepted' };
    }
    if (pending !== null) return { state: 'pending' };
    if (this.opts.maxPending !== undefined && this.count('pending') >= this.opts.maxPending) return { state: 'pending', full: true };
    this.write('pending', id, pem);
    return { state: 'pending', created: true };
  }

  /**
   * Make `id`'s keys what the cluster store holds (`held`: pem by state; empty: no key at all), writing only what
   * differs. The master of a cluster keeps its key directories as a mirror of PostgreSQL (cluster/key-mirror.ts).
   * Says whether the id became accepted here, or stopped being accepted.
   */
  mirror(id: string, held: Partial<Record<KeyState, string>>): { accepted: boolean; removedAccepted: boolean } {
    const had = this.read('accepted', id) !== null;
    for (const s of KEY_STATES) {
      const want = held[s];
      const have = this.read(s, id);
      if (want === undefined) {
        if (have !== null) this.remove(s, id);
      } else if (have !== want) this.write(s, id, want);
    }
    return { accepted: !had && held.accepted !== undefined, removedAccepted: had && held.accepted === undefined };
  }

  /** How many keys are in `state` (from memory in the master). */
  count(state: KeyState): number {
    if (this.index) return this.index.count(state);
    return fs.readdirSync(path.join(this.dir, state)).length;
  }

  /**
   * Remove pending keys recorded more than `maxAgeMs` ago, and temp files an interrupted write left behind
   * (`<id>.tmp-...`, never listed). Returns the pending ids removed.
   */
  expirePending(maxAgeMs: number, now = Date.now()): string[] {
    const gone: string[] = [];
    for (const s of KEY_STATES) {
      const dir = path.join(this.dir, s);
      for (const name of fs.readdirSync(dir)) {
        const stale = name.includes('.tmp-');
        if (!stale && s !== 'pending') continue;
        const f = path.join(dir, name);
        let age: number;
        try {
          age = now - fs.statSync(f).mtimeMs;
        } catch {
          continue;
        }
        if (age < (stale ? Math.min(maxAgeMs, 600_000) : maxAgeMs)) continue;
        fs.rmSync(f, { force: true });
        if (!stale) {
          gone.push(name);
          this.index?.recorded(s, name, undefined);
        }
      }
    }
    return gone;
  }

  /** Move every id matching `glob` that is in one of `from` to `to`. Returns the ids moved. */
  move(glob: string, from: KeyState[], to: KeyState): string[] {
    const all = this.list();
    const moved: string[] = [];
    for (const s of from) {
      for (const id of all[s].filter((i) => globMatch(glob, i))) {
        const pem = this.read(s, id);
        if (pem === null) continue;
        // One rename: atomic (the key is in exactly one state at every moment) and a tenth of the cost of writing a
        // copy and removing the original (10,000 keys accepted in seconds, not half a minute).
        try {
          fs.renameSync(this.file(s, id), this.file(to, id));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // gone meanwhile
          throw e;
        }
        this.index?.recorded(s, id, undefined);
        this.index?.recorded(to, id, pem);
        moved.push(id);
      }
    }
    return moved;
  }

  accept(glob: string, includeRejected = false): string[] {
    return this.move(glob, includeRejected ? ['pending', 'rejected'] : ['pending'], 'accepted');
  }

  reject(glob: string, includeAccepted = false): string[] {
    return this.move(glob, includeAccepted ? ['pending', 'accepted'] : ['pending'], 'rejected');
  }

  delete(glob: string): string[] {
    const all = this.list();
    const gone: string[] = [];
    for (const s of KEY_STATES) {
      for (const id of all[s].filter((i) => globMatch(glob, i))) {
        this.remove(s, id);
        gone.push(id);
      }
    }
    return [...new Set(gone)];
  }

  /** Fingerprints by state; a key file that cannot be read as a public key is named in `damaged` (when given). */
  fingers(glob = '*', damaged?: string[]): Record<KeyState, Record<string, string>> {
    const all = this.list();
    const out = {} as Record<KeyState, Record<string, string>>;
    for (const s of KEY_STATES) {
      out[s] = {};
      for (const id of all[s].filter((i) => globMatch(glob, i))) {
        const pem = this.read(s, id);
        if (pem === null) continue;
        try {
          out[s][id] = fingerprint(pem);
        } catch {
          damaged?.push(this.file(s, id));
        }
      }
    }
    return out;
  }
}
