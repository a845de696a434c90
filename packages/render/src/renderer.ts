/** The state compiler: SLS files -> high data -> low chunks, all rendered before anything runs. */
import { FileEnvs, FileRoots, RenderError, nullLogger, saltPath, type Dict, type LowChunk, type Logger } from '@brine/core';
import { markOdicts } from './jinja/values';
import { SaltJinja } from './salt/jinja';
import { SaltLoader } from './salt/loader';
import { saltTemplateFunctions } from './salt/index';
import { renderPipe } from './salt/render-pipe';
import { HighBuilder, loadSlsFile } from './sls/collect';
import { compileForRun, compileForShow } from './sls/compile';
import { highToObject, type High, type ReadSls, type Where } from './sls/high';
import { verifyHigh } from './sls/verify';
import { fileVars, findSls, slsNames as availableSls } from './sls/names';
import { mergeTops, topIncludes, topMatches, type TopFileData, type TopMatch } from './sls/top';
import type { HighState, RenderContext } from './types';
import { parseSaltYaml } from './yaml/load';
import { gpgOptions, type GpgOptions } from './sls/gpg';
import { renderThroughPipe } from './sls/pipe';

export interface RendererOptions {
  /** Every environment's roots (Salt's file_roots), for top files, cross-environment includes and `__env__`. */
  envs?: FileEnvs;
  /** Without `envs`: the roots of the run's saltenv (`context.saltenv`, default base), the only environment. */
  roots?: FileRoots;
  context: RenderContext;
  log?: Logger;
}

/** What rendering in one saltenv needs: its roots, a Jinja loader over them, and the template variables. */
interface EnvView {
  roots: FileRoots;
  jinja: SaltJinja;
  vars: Dict;
  templates?: SaltJinja;
}

const NO_ROOTS = new FileRoots([]);

export class Renderer {
  private readonly envs: FileEnvs;
  private readonly ctx: RenderContext;
  private readonly log: Logger;
  private readonly gpg: GpgOptions;
  private readonly views = new Map<string, EnvView>();
  /** The top files' matches, once computed (a highstate's module sync and its compile share them, as in Salt). */
  private matched: Map<string, TopMatch[]> | undefined;

  constructor(o: RendererOptions) {
    this.ctx = o.context;
    this.envs = o.envs ?? FileEnvs.single(o.context.saltenv ?? 'base', o.roots ?? NO_ROOTS);
    this.log = o.log ?? nullLogger;
    this.gpg = { ...gpgOptions(o.context.opts), log: this.log };
    // Salt's pillar mappings are OrderedDicts below the top (their str() shows it).
    markOdicts(o.context.pillar);
  }

  /** The run's saltenv: the call's `saltenv=`, else the minion's `saltenv` option, else base. */
  private get env(): string {
    return this.ctx.saltenv ?? 'base';
  }

  /** Rendering in `env`: its roots (none when there is no such environment), Jinja loader and variables. */
  private view(env: string): EnvView {
    let v = this.views.get(env);
    if (v) return v;
    const c = this.ctx;
    const roots = this.envs.get(env) ?? NO_ROOTS;
    const vars: Dict = { grains: c.grains, pillar: c.pillar, opts: c.opts, saltenv: env, salt: null as unknown };
    const render = renderPipe((text, file, extra) => this.renderTemplate(text, file, extra, env));
    vars['salt'] = new SaltLoader(
      saltTemplateFunctions({ id: c.id, grains: c.grains, pillar: c.pillar, opts: c.opts, saltenv: env, roots, rootsFor: (e) => this.envs.get(e) ?? null, log: this.log, render }),
      c.salt,
      c.grains,
    );
    v = { roots, jinja: new SaltJinja({ roots, opts: c.opts, sls: true }), vars };
    this.views.set(env, v);
    return v;
  }

  /**
   * Jinja only, e.g. a `file.managed` source with `template: jinja`; `extra` adds the caller's variables (the
   * state's name/source and its `context`/`defaults`); `env` is the saltenv it renders in (the state's `__env__`).
   * As in Salt, a template that is not an SLS has no `tplfile`/`tpldir`/`sls` of its own (loading another template
   * from it sets the `tpl*` globals).
   */
  renderTemplate(text: string, file: string, extra: Record<string, unknown> = {}, env = this.env): string {
    const v = this.view(env);
    v.templates ??= new SaltJinja({ roots: v.roots, opts: this.ctx.opts });
    return v.templates.renderString(text, saltPath(file), { ...v.vars, ...extra });
  }

  private renderOne(sls: string, env: string, from?: Where & { by?: string }): ReadSls {
    const v = this.view(env);
    return loadSlsFile(v.roots, env, sls, from, (file) => v.jinja.render(file, { ...v.vars, ...fileVars(file, sls, v.roots.resolve(`salt://${file}`)) }), this.gpg);
  }

  /** Jinja then YAML for one SLS (no include processing): its IDs in Salt's high shape, plus `include`. */
  renderSls(sls: string): { file: string; high: HighState } {
    const r = this.renderOne(sls, this.env);
    const high = highToObject(r.state);
    if (r.includes.length) high['include'] = r.includes.map((i) => (i.env === undefined ? i.sls : { [i.env]: i.sls }));
    return { file: r.file, high };
  }

  /**
   * Salt's State._get_envs: base, then the other environments in configuration order; with `env_order`, those of
   * its environments that exist, in its order.
   */
  envNames(): string[] {
    const order = this.ctx.opts['env_order'];
    const all = this.envs.names();
    if (Array.isArray(order) && order.length) return [...new Set(order.map(String))].filter((e) => all.includes(e));
    return all;
  }

  /** Whether SLS may come from `env`: one of envNames(), or base, which Salt's LazyAvailStates always counts. */
  private isAvailable(env: string): boolean {
    return env === 'base' || this.envNames().includes(env);
  }

  private builder(): HighBuilder {
    const envs = this.envNames();
    return new HighBuilder((sls, env, from) => this.renderOne(sls, env, from), {
      avail: (env) => (this.isAvailable(env) ? availableSls(this.view(env).roots) : undefined),
      envs: envs.includes('base') ? envs : ['base', ...envs],
      autoOrder: this.ctx.opts['state_auto_order'] !== false,
    });
  }

  /** Salt's render_highstate: the SLS names (of the run's saltenv) and everything they include, each once, with auto order. */
  private collect(slsNames: string[]): High {
    const b = this.builder();
    for (const sls of slsNames) b.add(sls, this.env);
    return b.finish();
  }

  /** The same for the top file's matches, each in its own environment. */
  private collectTop(matches: TopMatch[]): High {
    const envs = this.envNames();
    const b = this.builder();
    for (const m of matches) {
      if (!this.isAvailable(m.env)) throw new RenderError(m.file, m.line, `top file: No matching salt environment for environment '${m.env}' found (the environments are: ${envs.join(', ')})`);
      b.add(m.sls, m.env, { file: m.file, line: m.line, by: 'top file' });
    }
    return b.finish();
  }

  private topFileName(): string {
    return saltPath(typeof this.ctx.opts['state_top'] === 'string' ? (this.ctx.opts['state_top'] as string) : 'top.sls');
  }

  /** One environment's top file, rendered in that environment; null when it has none. */
  private readTopFile(env: string, file: string): TopFileData | null {
    const v = this.view(env);
    const text = v.roots.read(file);
    if (text === null) return null;
    const parsed = renderThroughPipe(text.toString('utf8'), file, 'top file', {
      jinja: () => v.jinja.render(file, { ...v.vars, ...fileVars(file, undefined, v.roots.resolve(`salt://${file}`)) }),
      yaml: (t) => parseSaltYaml(t, file, 'data'),
      gpg: this.gpg,
    });
    return { data: parsed.data, file, lineOf: parsed.lineOf };
  }

  /**
   * Salt's get_tops: the top file of the run's saltenv when one is set, else of every environment (or only
   * `state_top_saltenv`'s), each with the SLS files its `include:` names (rendered as top files of that environment).
   */
  private readTops(): Map<string, TopFileData[]> {
    const topFile = this.topFileName();
    const only = this.onlyEnv();
    const topEnv = this.ctx.opts['state_top_saltenv'];
    const envs = only ? [only] : typeof topEnv === 'string' && topEnv ? [topEnv] : this.envNames();
    const tops = new Map<string, TopFileData[]>();
    let found = 0;
    for (const env of envs) {
      const t = this.readTopFile(env, topFile);
      const files: TopFileData[] = [];
      tops.set(env, files);
      if (!t) continue;
      found++;
      files.push(t);
      const roots = this.view(env).roots;
      files.push(...topIncludes(t, () => availableSls(roots), (sls) => {
        const f = findSls(roots, sls);
        return f ? this.readTopFile(env, f.file) : null;
      }));
    }
    // Salt's get_tops: no top file is no targets (show_top {}, a highstate's "No Top file or master_tops data matches
    // found"); the log says which file was missing, as Salt's master log does
    if (found === 0) this.log.warn(`No top file ${topFile} in the file roots${only ? ` of saltenv '${only}'` : ''}: nothing is assigned to this minion (create ${topFile}, or name SLS files explicitly)`);
    return tops;
  }

  /** The environment a run is confined to: the call's `saltenv=` or the `saltenv` option (Salt's opts['saltenv']). */
  private onlyEnv(): string | null {
    return this.ctx.saltenv ?? null;
  }

  /** The SLS names the merged top files assign to this minion, each with its environment, in Salt's order. */
  topMatches(): TopMatch[] {
    return [...this.topMatchesByEnv().values()].flat();
  }

  /** The same by environment (one whose matching targets list nothing is there, empty), as Salt's top_matches. */
  topMatchesByEnv(): Map<string, TopMatch[]> {
    return (this.matched ??= this.computeTopMatches());
  }

  /** Take another renderer's top matches (computed with the same context), so the top files are not rendered again. */
  reusingTopMatches(other: Renderer): this {
    this.matched = other.matched;
    return this;
  }

  private computeTopMatches(): Map<string, TopMatch[]> {
    const o = this.ctx.opts;
    const strategy = typeof o['top_file_merging_strategy'] === 'string' ? o['top_file_merging_strategy'] : 'merge';
    const defaultTop = typeof o['default_top'] === 'string' ? o['default_top'] : 'base';
    const tops = this.readTops();
    if (strategy === 'same' && !this.onlyEnv() && !defaultTop) throw new RenderError(this.topFileName(), undefined, "top_file_merging_strategy set to 'same', but no default_top configuration option was set");
    const top = mergeTops(tops, strategy, defaultTop, this.log);
    const subject = { id: this.ctx.id, grains: this.ctx.grains, pillar: this.ctx.pillar };
    return topMatches(top, { subject, nodegroups: o['nodegroups'] as Record<string, string | string[]> | undefined, log: this.log, kind: 'states', only: this.onlyEnv(), hasEnv: (e) => this.isAvailable(e) });
  }

  /** Salt's state.show_top: `{env: [sls, ...]}`. */
  showTop(): Record<string, string[]> {
    return Object.fromEntries([...this.topMatchesByEnv()].map(([env, ms]) => [env, ms.map((m) => m.sls)]));
  }

  /** Low chunks in run order, as Salt runs them (extend, `_in` and exclude applied): apply and show_lowstate. */
  compile(slsNames: string[]): LowChunk[] {
    return compileForRun(this.collect(slsNames));
  }

  compileHighstate(): LowChunk[] {
    return compileForRun(this.collectTop(this.topMatches()));
  }

  /** Salt's `state.show_low_sls`: low chunks with extend, exclude and `_in` as written. */
  showLowSls(slsNames: string[]): LowChunk[] {
    return compileForShow(this.collect(slsNames));
  }

  /** Salt's `state.show_sls`: high data with `__sls__`, `__env__`, auto order, and `__extend__` unapplied. */
  showSls(slsNames: string[]): HighState {
    const high = this.collect(slsNames);
    verifyHigh(high);
    return highToObject(high);
  }

  /** Salt's `state.show_highstate`: the same for the top file's matches. */
  showHighstate(): HighState {
    const high = this.collectTop(this.topMatches());
    verifyHigh(high);
    return highToObject(high);
  }
}
