/**
 * `salt://` resolution confined to a list of root directories (the master's file_roots, or a minion's synced
 * cache of them). The first root that holds the path wins, like Salt's file_roots. A path that is absolute,
 * contains `..`, or whose real path (after symlinks) leaves its root is refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError } from './errors';
import { walkTree } from './fsutil';

export class PathEscapeError extends BrineError {
  constructor(rel: string) {
    super('path-escape', `salt://${rel}: path escapes the file roots (use a path relative to a file root, without '..')`);
  }
}

/** Strip `salt://` and an optional `?saltenv=` query; returns the relative path. */
export function saltPath(url: string): string {
  let rel = url.startsWith('salt://') ? url.slice('salt://'.length) : url;
  const q = rel.indexOf('?');
  if (q !== -1) rel = rel.slice(0, q);
  return rel;
}

/** Validate a relative path lexically: no absolute, no `..`, no NUL, no empty. */
export function checkRelative(rel: string): string {
  if (rel === '' || rel.includes('\0') || path.isAbsolute(rel) || rel.startsWith('\\')) throw new PathEscapeError(rel);
  const norm = path.posix.normalize(rel);
  if (norm === '..' || norm.startsWith('../') || rel.split('/').includes('..')) throw new PathEscapeError(rel);
  return norm.replace(/^\.\//, '');
}

export class FileRoots {
  readonly roots: string[];
  constructor(roots: string[]) {
    this.roots = roots.map((r) => path.resolve(r));
  }

  /** The absolute path of `salt://rel` in the first root that has it, or null. Throws PathEscapeError. */
  resolve(url: string): string | null {
    const rel = checkRelative(saltPath(url));
    for (const root of this.roots) {
      const candidate = path.join(root, rel);
      let real: string;
      try {
        real = fs.realpathSync(candidate);
      } catch {
        continue;
      }
      let realRoot: string;
      try {
        realRoot = fs.realpathSync(root);
      } catch {
        continue;
      }
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new PathEscapeError(rel);
      return real;
    }
    return null;
  }

  /** Contents of `salt://rel`, or null when no root has it. */
  read(url: string): Buffer | null {
    const p = this.resolve(url);
    if (p === null) return null;
    try {
      const st = fs.statSync(p);
      return st.isFile() ? fs.readFileSync(p) : null;
    } catch {
      return null;
    }
  }

  /** True when `salt://rel` is a directory in some root. */
  isDir(url: string): boolean {
    const p = this.resolve(url);
    if (p === null) return false;
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  }

  /** Every regular file under the roots, relative, first root winning; symlinks that escape are skipped. */
  list(): string[] {
    const seen = new Set<string>();
    for (const root of this.roots) {
      walkTree(root, (rel, e) => {
        if (!e.isFile() && !e.isSymbolicLink()) return;
        try {
          const p = this.resolve(rel);
          if (p && fs.statSync(p).isFile()) seen.add(rel);
        } catch {
          /* escaping symlink: not served */
        }
      });
    }
    return [...seen].sort();
  }
}
