/** What Salt's template functions see: the minion's identity, data, file roots and log. */
import type { FileRoots, Logger } from '@brine/core';
import type { Dict } from '../jinja/values';
import type { TemplateFunction } from './py';

export interface SaltTemplateContext {
  id: string;
  grains: Dict;
  pillar: Dict;
  opts: Dict;
  saltenv: string;
  /** The file roots of `saltenv` (salt://). */
  roots: FileRoots;
  log: Logger;
  /** The file roots of another saltenv (cp.list_master(saltenv=...)); null when it has none. */
  rootsFor?: (saltenv: string) => FileRoots | null;
  /**
   * Render text through a renderer pipe (`jinja|yaml`) for slsutil.renderer; `path` names it (null for a string),
   * `context` holds the extra keyword arguments Salt passes to the renderers as template variables.
   */
  render?: (text: string, renderer: string, path: string | null, context: Dict) => unknown;
}

export type FunctionTable = Record<string, TemplateFunction>;

export type { TemplateFunction };

/** The file roots of `saltenv` as a template function sees them; null when there is no such environment. */
export function rootsOf(c: SaltTemplateContext, saltenv: string): FileRoots | null {
  if (saltenv === c.saltenv) return c.roots;
  return c.rootsFor ? c.rootsFor(saltenv) : null;
}
