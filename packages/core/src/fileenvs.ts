/**
 * Salt's environments (saltenvs): each has its own file roots (`file_roots: {base: [...], dev: [...]}`), and a
 * `salt://` path is looked up in the roots of one of them. The order is the configuration's, `base` first, as
 * Salt's State._get_envs lists them; Salt's master lists its environments as an unordered set, which is why its
 * docs advise `env_order` when several top files are merged.
 */
import { FileRoots, type FileRootsOptions } from './fileroots';

export class FileEnvs {
  private readonly byName = new Map<string, FileRoots>();

  constructor(envs: Iterable<[string, FileRoots]>) {
    const list = [...envs];
    for (const [name, roots] of list) if (name === 'base') this.byName.set(name, roots);
    for (const [name, roots] of list) if (!this.byName.has(name)) this.byName.set(name, roots);
  }

  /** From a `file_roots`/`pillar_roots` mapping of environment to directories. */
  static fromDirs(dirs: Record<string, string[]>, o: FileRootsOptions = {}): FileEnvs {
    return new FileEnvs(Object.entries(dirs).map(([env, d]) => [env, new FileRoots(d, o)]));
  }

  /** One environment only (a caller that has the roots of one saltenv). */
  static single(env: string, roots: FileRoots): FileEnvs {
    return new FileEnvs([[env, roots]]);
  }

  /** The environments, `base` first, then in configuration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  has(env: string): boolean {
    return this.byName.has(env);
  }

  /** The roots of `env`, or undefined when there is no such environment. */
  get(env: string): FileRoots | undefined {
    return this.byName.get(env);
  }

  /** The directories of every environment, as `file_roots` has them. */
  dirs(): Record<string, string[]> {
    return Object.fromEntries([...this.byName].map(([env, r]) => [env, r.roots]));
  }
}

/** The saltenv a `salt://path?saltenv=dev` URL names, or undefined. */
export function urlSaltenv(url: string): string | undefined {
  if (!url.startsWith('salt://')) return undefined;
  const m = /\?(?:.*&)?saltenv=([^&]*)/.exec(url);
  return m ? decodeURIComponent(m[1]!) : undefined;
}
