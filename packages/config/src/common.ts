/** Helpers shared by the master and minion option loaders. */
import * as path from 'path';
import { ConfigError, isDict, type Dict } from '@brine/core';

/** `{env: [dirs]}` with each directory resolved against the config dir; `dflt` when unset. */
export function rootsOption(v: unknown, dflt: string[], base: string, key: string): Record<string, string[]> {
  if (v === undefined) return { base: dflt.map((d) => path.resolve(base, d)) };
  if (!isDict(v)) throw new ConfigError(`${key}: must map an environment to a list of directories, e.g. {base: [/srv/salt]}`);
  return Object.fromEntries(Object.entries(v).map(([env, dirs]) => [env, (Array.isArray(dirs) ? dirs : [dirs]).map((d) => path.resolve(base, String(d)))]));
}

/** Readers for typed options of one raw config, with clear errors. */
export function optionReaders(raw: Dict, dir: string): { path: (k: string, d: string) => string; num: (k: string, d: number) => number } {
  return {
    path: (k, d) => path.resolve(dir, String(raw[k] ?? d)),
    num: (k, d) => {
      const v = raw[k] ?? d;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${k}: must be a number, got ${JSON.stringify(v)}`);
      return v;
    },
  };
}
