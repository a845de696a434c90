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

/** An SLS (named, or included) that no file root has. */
export class MissingSlsError extends RenderError {}

/**
 * Every missing SLS of one build: Salt's render_state notes each missing include and goes on, so a run lists them
 * all. `errors` are the single ones, in the order met.
 */
export class MissingSlsErrors extends RenderError {
  constructor(readonly errors: MissingSlsError[]) {
    super(errors[0]!.file, errors[0]!.line, errors.map((e) => e.message).join('\n'));
    this.message = errors.map((e) => e.message).join('\n');
  }
}

/** Render one SLS of a saltenv (Jinja + YAML, or YAML alone in tests) into Salt's per-file high data. */
export type LoadSls = (sls: string, env: string, from?: Where & { by?: string }) => ReadSls;

/** Find an SLS in the file roots, render its text (`render`: Jinja, or nothing), parse and read it. */
export function loadSlsFile(roots: FileRoots, env: string, sls: string, from: (Where & { by?: string }) | undefined, render: (file: string, text: string) => string, gpg: GpgOptions = gpgOptions({})): ReadSls {
  const found = findSls(roots, sls);
  if (!found) {
    const [a, b] = slsCandidates(sls);
    throw new MissingSlsError(
      from?.file ?? a!,
      from?.line,
      `${from ? (from.by ?? 'include') : 'sls'}: SLS '${sls}' is not in environment '${env}' (no ${a} or ${b} in the file roots; fix the name or add the file)`,
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
  /** `env:sls` of every SLS rendered (Salt's `mods`). */
  private readonly mods = new Set<string>();
  readonly high: High = new Map();

  private readonly availNames = new Map<string, string[] | undefined>();

  private readonly avail: (env: string) => string[] | undefined;
  private readonly autoOrdering: boolean;
  private readonly envNames: string[];
  /** Missing SLS met so far: the build goes on past each, and finish() reports them all. */
  private readonly missing: MissingSlsError[] = [];

  /**
   * `avail`: every SLS name of an environment (undefined when there is no such environment), for names given as
   * globs (`include: ['web.*']`) and for includes that name another environment; read once per environment.
   * `envs`: the environments, for errors. `autoOrder`: Salt's state_auto_order (default True); without it, states
   * keep no order of their own.
   */
  constructor(
    private readonly load: LoadSls,
    o: { avail?: (env: string) => string[] | undefined; envs?: string[]; autoOrder?: boolean } = {},
  ) {
    this.avail = o.avail ?? (() => []);
    this.autoOrdering = o.autoOrder ?? true;
    this.envNames = o.envs ?? ['base'];
  }

  private names(env: string): string[] | undefined {
    if (!this.availNames.has(env)) this.availNames.set(env, this.avail(env));
    return this.availNames.get(env);
  }

  private expand(pattern: string, env: string): string[] {
    return expandSls(pattern, () => this.names(env) ?? []);
  }

  /** One SLS (or glob of SLS names) of `env`, named on the command line or by the top file (`from`: where). */
  add(pattern: string, env = 'base', from?: Where & { by?: string }): this {
    for (const sls of this.expand(pattern, env)) if (!this.mods.has(`${env}:${sls}`)) this.tolerant(() => mergeIncluded(this.high, this.render(sls, env, from)));
    return this;
  }

  private tolerant(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof MissingSlsError) || e instanceof MissingSlsErrors) throw e;
      this.missing.push(e);
    }
  }

  /** The high data, with `__extend__` flattened to one `{ID: body}` per entry and repeats dropped. */
  finish(): High {
    if (this.missing.length === 1) throw this.missing[0]!;
    if (this.missing.length > 1) throw new MissingSlsErrors(this.missing);
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

  /**
   * The environment an include is read from, as Salt's render_state resolves it: its own (`- sls`) or the one it
   * names (`- dev: sls`), which must exist. (Salt 3006.1 checks that before it looks at `_xenv`, so `- _xenv: sls`
   * fails the same way unless a `__env__` environment exists; Brine has none.)
   */
  private includeEnv(inc: { sls: string; env?: string; line: number | undefined }, env: string, sls: string, file: string): string {
    const key = inc.env ?? env;
    if (this.names(key) === undefined) throw new RenderError(file, inc.line, `include: Nonexistent saltenv '${key}' found in include of '${inc.sls}' within SLS '${env}:${sls}' (the environments are: ${this.envNames.join(', ')})`);
    return key;
  }

  private render(sls: string, env: string, from?: Where & { by?: string }): High {
    const r = this.load(sls, env, from);
    this.mods.add(`${env}:${sls}`);
    const state = r.state;
    for (const inc of r.includes) {
      const incEnv = this.includeEnv(inc, env, sls, r.file);
      for (const name of this.expand(inc.sls, incEnv)) {
        if (!this.mods.has(`${incEnv}:${name}`)) this.tolerant(() => mergeIncluded(state, this.render(name, incEnv, { file: r.file, line: inc.line })));
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
