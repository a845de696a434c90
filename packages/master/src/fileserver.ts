/** The file server: `salt://` listings by content hash and file contents, confined to file_roots. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { FileRoots } from '@brine/core';

export class FileServer {
  private readonly roots = new Map<string, FileRoots>();
  /** sha256 by absolute path, keyed on mtime+size so an unchanged tree is not re-hashed. */
  private readonly hashes = new Map<string, { stamp: string; hash: string }>();

  constructor(fileRoots: Record<string, string[]>) {
    for (const [env, dirs] of Object.entries(fileRoots)) this.roots.set(env, new FileRoots(dirs));
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

  /** Contents of `salt://path`; null when missing. Throws PathEscapeError for `..`, absolute paths or escaping links. */
  get(saltenv: string, rel: string): Buffer | null {
    const roots = this.roots.get(saltenv);
    return roots ? roots.read(`salt://${rel}`) : null;
  }
}
