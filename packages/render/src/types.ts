import type { Dict } from '@brine/core';

/**
 * An execution function callable from templates: `salt['pillar.get']('a:b', default='x')` reaches it as
 * `fn(['a:b'], {default: 'x'})` — positional args, then keyword args (Python's call shape). Called synchronously.
 */
export type SaltFunction = (args: unknown[], kwargs: Record<string, unknown>) => unknown;

export interface RenderContext {
  id: string;
  grains: Dict;
  pillar: Dict;
  opts: Dict;
  /** Defaults to 'base'. */
  saltenv?: string;
  /** Execution functions by `mod.fun`; `grains.get`, `pillar.get`, `config.get` are supplied when missing. */
  salt: Record<string, SaltFunction>;
}

/**
 * High data, Salt's shape: `{id: {mod: [{arg: v}, ..., 'fun', {order: N}], __sls__, __env__}}`, plus `__extend__`
 * and `__exclude__` as Salt's show_sls prints them; a single rendered SLS may also carry `include`.
 */
export type HighState = Record<string, unknown>;
