/** file.managed sources: `salt://` from the (synced) file roots, or an absolute local path / file:// URL. */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError, FileEnvs, FileRoots, checkRelative, saltPath, urlSaltenv } from '@brine/core';
import type { SourceClient } from './types';

const NO_ROOTS = new FileRoots([]);

/**
 * `salt://` in a saltenv's roots (the state's `__env__`, or the `?saltenv=` a URL names), as Salt's fileclient
 * caches a state's sources from the environment the state came from.
 */
export class RootsSourceClient implements SourceClient {
  private readonly envs: FileEnvs;
  private readonly rootsOf: FileRoots;

  constructor(
    roots: FileRoots | FileEnvs,
    private readonly env = 'base',
  ) {
    this.envs = roots instanceof FileEnvs ? roots : FileEnvs.single(env, roots);
    this.rootsOf = this.envs.get(env) ?? NO_ROOTS;
  }

  /** The same sources for a state of another saltenv. */
  forEnv(env: string): RootsSourceClient {
    return env === this.env ? this : new RootsSourceClient(this.envs, env);
  }

  /** The roots a URL is read from: the saltenv its `?saltenv=` names, else this client's. */
  private rootsFor(url: string): FileRoots {
    const named = urlSaltenv(url);
    return named === undefined ? this.rootsOf : (this.envs.get(named) ?? NO_ROOTS);
  }

  fetch(urls: string[]): { url: string; data: Buffer } | null {
    for (const url of urls) {
      const data = this.read(url);
      if (data !== null) return { url, data };
    }
    return null;
  }

  list(url: string): { files: string[]; dirs: string[] } | null {
    if (!url.startsWith('salt://')) throw new BrineError('source', `source ${url}: a directory source must be a salt:// URL`);
    const rel = checkRelative(saltPath(url).replace(/\/+$/, ''));
    const roots = this.rootsFor(url);
    if (!roots.isDir(url)) return null;
    const files = roots.list().filter((f) => f.startsWith(`${rel}/`)).map((f) => f.slice(rel.length + 1));
    const dirs = new Set<string>();
    for (const root of roots.roots) {
      const base = path.join(root, rel);
      const walk = (dir: string, prefix: string): void => {
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (!e.isDirectory()) continue;
          const r = prefix ? `${prefix}/${e.name}` : e.name;
          dirs.add(r);
          walk(path.join(dir, e.name), r);
        }
      };
      walk(base, '');
    }
    return { files, dirs: [...dirs].sort() };
  }

  localPath(url: string): string | null {
    if (url.startsWith('salt://')) {
      const p = this.rootsFor(url).resolve(url);
      return p !== null && fs.statSync(p).isFile() ? p : null;
    }
    const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
    if (!local.startsWith('/')) throw new BrineError('source', `source ${url}: unsupported scheme (use salt://, file:// or an absolute path)`);
    return fs.existsSync(local) && fs.statSync(local).isFile() ? local : null;
  }

  private read(url: string): Buffer | null {
    if (url.startsWith('salt://')) return this.rootsFor(url).read(url);
    const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
    if (local.startsWith('/')) {
      try {
        return fs.readFileSync(local);
      } catch {
        return null;
      }
    }
    throw new BrineError('source', `source ${url}: unsupported scheme (use salt://, file:// or an absolute path)`);
  }
}
