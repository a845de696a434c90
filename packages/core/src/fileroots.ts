/**
 * `salt://` resolution confined to a list of root directories (the master's file_roots, or a minion's synced
 * cache of them). The first root that holds the path wins, like Salt's file_roots. A path that is absolute or
 * contains `..`, or (by default) whose real path leaves its root through a symlink, is refused. Salt follows such
 * symlinks by default (`fileserver_followsymlinks: True`, for layouts like `/srv/salt/nginx ->
 * /srv/formulas/nginx-formula/nginx`); Brine does only when the master's config says
 * `fileserver_followsymlinks: True`, because every accepted minion can fetch what the roots serve and a stray link
 * (`escape -> /etc`) would serve the host's files to all of them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError } from './errors';
import { walkTree } from './fsutil';

export class PathEscapeError extends BrineError {
  constructor(rel: string) {
    super('path-escape', `salt://${rel}: path escapes the file roots (use a path relative to a file root, without '..'; to serve what a symlink in a root points to, set fileserver_followsymlinks: True on the master)`);
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

export interface FileRootsOptions {
  /** Salt's fileserver_followsymlinks: serve what a root's symlinks point to, inside the root or not. Default false. */
  followSymlinks?: boolean;
}

/** The FileRoots options a configuration asks for (Salt's fileserver_followsymlinks). */
export function fileRootsOptions(opts: Record<string, unknown>): FileRootsOptions {
  return { followSymlinks: opts['fileserver_followsymlinks'] === true };
}

export class FileRoots {
  readonly roots: string[];
  private readonly follow: boolean;
  constructor(roots: string[], o: FileRootsOptions = {}) {
    this.roots = roots.map((r) => path.resolve(r));
    this.follow = o.followSymlinks ?? false;
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
      if (!this.follow && real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new PathEscapeError(rel);
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

  /**
   * Every regular file under the roots, relative, first root winning. Symlinked directories are walked when symlinks
   * are followed (each real directory once per root: a link loop ends); without following, escaping links are skipped.
   */
  list(): string[] {
    const seen = new Set<string>();
    for (const root of this.roots) {
      const dirs = new Set<string>();
      const walk = (dir: string, prefix: string): void => {
        try {
          const real = fs.realpathSync(dir);
          if (dirs.has(real)) return;
          dirs.add(real);
        } catch {
          return;
        }
        walkTree(dir, (rel, e, abs) => {
          const full = prefix ? `${prefix}/${rel}` : rel;
          if (!e.isFile() && !e.isSymbolicLink()) return;
          try {
            const p = this.resolve(full);
            if (!p) return;
            const st = fs.statSync(p);
            if (st.isFile()) seen.add(full);
            else if (st.isDirectory() && e.isSymbolicLink() && this.follow) walk(abs, full);
          } catch {
            /* escaping symlink (not followed), or a dangling one: not served */
          }
        });
      };
      walk(root, '');
    }
    return [...seen].sort();
  }
}
