/**
 * Salt's `render_highstate` / `render_state`: render each SLS once, merge its includes after its own IDs, and
 * number every state that has no `order:` (`state_auto_order`, from 10000). A file's includes are numbered before
 * its own IDs, so included states come first; the high map itself lists a file's own IDs before its includes'.
 */
import { RenderError, deepEqual, isDict, type FileRoots } from '@brine/core';
import { parseSaltYaml } from '../yaml/load';
import { firstKey, readSls, whereOf, type Body, type High, type ReadSls, type Where } from './high';
import { expandSls, findSls, resolveInclude, slsCandidates } from './names';
import { gpgOptions, type GpgOptions } from './gpg';
import { renderThroughPipe } from './pipe';

/** Render one SLS (Jinja + YAML, or YAML alone in tests) into Salt's per-file high data. */
export type LoadSls = (sls: string, from?: Where) => ReadSls;

/** Find an SLS in the file roots, render its text (`render`: Jinja, or nothing), parse and read it. */
export function loadSlsFile(roots: FileRoots, env: string, sls: string, from: Where | undefined, render: (file: string, text: string) => string, gpg: GpgOptions = gpgOptions({})): ReadSls {
  const found = findSls(roots, sls);
  if (!found) {
    const [a, b] = slsCandidates(sls);
    throw new RenderError(
      from?.file ?? a!,
      from?.line,
      `${from ? 'include' : 'sls'}: SLS '${sls}' is not in environment '${env}' (no ${a} or ${b} in the file roots; fix the name or add the file)`,
    );
  }
  const parsed = renderThroughPipe(found.text, found.file, `SLS ${sls}`, { jinja: () => render(found.file, found.text), yaml: (t) => parseSaltYaml(t, found.file), gpg });
  // Salt's verify_high: a state ID must be a str.
  const bad = parsed.nonStringKeys[0];
  if (bad) throw new RenderError(found.file, bad.line, `ID '${bad.key}' in SLS '${sls}' is not formed as a string, but is a ${bad.type}. It may need to be quoted. (quote it, '${bad.key}':, to make it a string)`);
  return readSls(parsed.data, { sls, env, file: found.file }, parsed.lineOf, (entry, line) => {
    const name = resolveInclude(entry, sls, found.file);
    if (name === null) {
      throw new RenderError(found.file, line, `include: relative include '${entry}' goes above the top of the file roots (use fewer dots or an absolute SLS name)`);
    }
    return name;
  });
}

const AUTO_ORDER_BASE = 10000;

export class HighBuilder {
  private iorder = AUTO_ORDER_BASE;
  private readonly mods = new Set<string>();
  readonly high: High = new Map();

  private availNames: string[] | undefined;

  /**
   * `avail`: every SLS name of the environment, for names given as globs (`include: ['web.*']`), read once.
   * `autoOrdering`: Salt's state_auto_order (default True); without it, states keep no order of their own.
   */
  constructor(
    private readonly load: LoadSls,
    private readonly avail: () => string[] = () => [],
    private readonly autoOrdering = true,
  ) {}

  private expand(pattern: string): string[] {
    return expandSls(pattern, () => (this.availNames ??= this.avail()));
  }

  /** One SLS (or glob of SLS names) named on the command line or by the top file. */
  add(pattern: string): this {
    for (const sls of this.expand(pattern)) if (!this.mods.has(sls)) mergeIncluded(this.high, this.render(sls));
    return this;
  }

  /** The high data, with `__extend__` flattened to one `{ID: body}` per entry and repeats dropped. */
  finish(): High {
    const ext = this.high.get('__extend__');
    if (Array.isArray(ext)) {
      const flat: [string, unknown][] = [];
      for (const item of ext as Record<string, unknown>[]) {
        for (const pair of Object.entries(item)) if (!flat.some((p) => p[0] === pair[0] && deepEqual(p[1], pair[1]))) flat.push(pair);
      }
      this.high.set('__extend__', flat.map(([id, body]) => ({ [id]: body })));
    }
    return this.high;
  }

  private render(sls: string, from?: Where): High {
    const r = this.load(sls, from);
    this.mods.add(sls);
    const state = r.state;
    for (const inc of r.includes) {
      for (const sls of this.expand(inc.sls)) {
        if (!this.mods.has(sls)) mergeIncluded(state, this.render(sls, { file: r.file, line: inc.line }));
      }
    }
    if (this.autoOrdering) this.autoOrder(state);
    return state;
  }

  private autoOrder(state: High): void {
    for (const [id, body] of state) {
      if (id.startsWith('__') || !isDict(body)) continue;
      for (const [mod, run] of Object.entries(body)) {
        if (mod.startsWith('_') || !Array.isArray(run)) continue;
        if (!run.some((arg) => firstKey(arg) === 'order')) run.push({ order: this.iorder++ });
      }
    }
  }
}

/** Salt's `merge_included_states`: extend/exclude lists concatenate, IDs are added after those already there. */
export function mergeIncluded(into: High, from: High): void {
  for (const key of ['__extend__', '__exclude__']) {
    const add = from.get(key);
    if (add === undefined) continue;
    from.delete(key);
    const list = (into.get(key) as unknown[] | undefined) ?? [];
    if (!into.has(key)) into.set(key, list);
    list.push(...(add as unknown[]));
  }
  for (const [id, body] of from) {
    const prev = into.get(id);
    if (prev !== undefined && prev !== body) {
      const here = whereOf(prev);
      const there = whereOf(body);
      throw new RenderError(
        here.file,
        here.line,
        `state '${id}': ID conflicts with the same ID in ${there.file}:${there.line} (SLS '${(body as Body)['__sls__']}') (IDs must be unique across all SLS files; rename one)`,
      );
    }
    into.set(id, body);
  }
}
