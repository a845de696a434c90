/** The file server: `salt://` listings by content hash and file contents, confined to file_roots. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { FileRoots } from '@brine/core';
import { FILE_CHUNK_BYTES } from '@brine/protocol';

export class FileServer {
  private readonly roots = new Map<string, FileRoots>();
  /** sha256 by absolute path, keyed on mtime+size so an unchanged tree is not re-hashed. */
  private readonly hashes = new Map<string, { stamp: string; hash: string }>();

  constructor(fileRoots: Record<string, string[]>, o: { followSymlinks?: boolean } = {}) {
    for (const [env, dirs] of Object.entries(fileRoots)) this.roots.set(env, new FileRoots(dirs, o));
  }

  /** The environments served, base first, then in file_roots order. */
  envs(): string[] {
    const names = [...this.roots.keys()];
    return [...names.filter((n) => n === 'base'), ...names.filter((n) => n !== 'base')];
  }

  env(saltenv: string): FileRoots | undefined {
    return this.roots.get(saltenv);
  }

  private hash(abs: string): string {
    const st = fs.statSync(abs);
    const stamp = `${st.mtimeMs}:${st.size}`;
    const hit = this.hashes.get(abs);
    if (hit && hit.stamp === stamp) return hit.hash;
    const hash = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    this.hashes.set(abs, { stamp, hash });
    return hash;
  }

  /** `{relative path: sha256}` for every file of the environment. */
  list(saltenv: string): Record<string, string> {
    const roots = this.roots.get(saltenv);
    if (!roots) return {};
    const out: Record<string, string> = {};
    for (const rel of roots.list()) {
      const abs = roots.resolve(rel);
      if (abs) out[rel] = this.hash(abs);
    }
    return out;
  }

  /**
   * Up to `length` bytes of `salt://path` from `offset`, and the file's size; null when missing. Throws
   * PathEscapeError for `..`, absolute paths or escaping links. Large files go in several calls, so no reply
   * outgrows the message limit.
   */
  get(saltenv: string, rel: string, offset = 0, length = FILE_CHUNK_BYTES): { data: Buffer; size: number } | null {
    const abs = this.roots.get(saltenv)?.resolve(`salt://${rel}`);
    if (!abs) return null;
    let fd: number;
    try {
      fd = fs.openSync(abs, 'r');
    } catch {
      return null;
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return null;
      const want = Math.max(0, Math.min(length, FILE_CHUNK_BYTES, st.size - offset));
      const data = Buffer.alloc(want);
      const got = want ? fs.readSync(fd, data, 0, want, offset) : 0;
      return { data: data.subarray(0, got), size: st.size };
    } finally {
      fs.closeSync(fd);
    }
  }
}
