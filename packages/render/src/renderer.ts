/** The state compiler: SLS files -> high data -> low chunks, all rendered before anything runs. */
import { RenderError, nullLogger, saltPath, type Dict, type FileRoots, type LowChunk, type Logger } from '@brine/core';
import { markOdicts } from './jinja/values';
import { SaltJinja } from './salt/jinja';
import { SaltLoader } from './salt/loader';
import { saltTemplateFunctions } from './salt/index';
import { renderPipe } from './salt/render-pipe';
import { HighBuilder, loadSlsFile } from './sls/collect';
import { compileForRun, compileForShow } from './sls/compile';
import { highToObject, type High, type ReadSls, type Where } from './sls/high';
import { verifyHigh } from './sls/verify';
import { fileVars, slsNames as availableSls } from './sls/names';
import { matchTopData } from './sls/top';
import type { HighState, RenderContext } from './types';
import { parseSaltYaml } from './yaml/load';
import { gpgOptions, type GpgOptions } from './sls/gpg';
import { renderThroughPipe } from './sls/pipe';

export interface RendererOptions {
  roots: FileRoots;
  context: RenderContext;
  log?: Logger;
}

export class Renderer {
  private readonly roots: FileRoots;
  private readonly ctx: RenderContext;
  private readonly log: Logger;
  private readonly gpg: GpgOptions;
  private readonly jinja: SaltJinja;
  private templates: SaltJinja | undefined;
  private readonly vars: Dict;

  constructor(o: RendererOptions) {
    this.roots = o.roots;
    this.ctx = o.context;
    this.log = o.log ?? nullLogger;
    this.gpg = { ...gpgOptions(o.context.opts), log: this.log };
    this.jinja = new SaltJinja({ roots: o.roots, opts: o.context.opts, sls: true });
    const c = o.context;
    // Salt's pillar mappings are OrderedDicts below the top (their str() shows it).
    markOdicts(c.pillar);
    this.vars = {
      grains: c.grains,
      pillar: c.pillar,
      opts: c.opts,
      saltenv: this.env,
      salt: null as unknown,
    };
    const env = this.env;
    const render = renderPipe((text, file, extra) => this.renderTemplate(text, file, extra));
    this.vars['salt'] = new SaltLoader(
      saltTemplateFunctions({ id: c.id, grains: c.grains, pillar: c.pillar, opts: c.opts, saltenv: env, roots: o.roots, log: this.log, render }),
      c.salt,
      c.grains,
    );
  }

  private get env(): string {
    return this.ctx.saltenv ?? 'base';
  }

  /**
   * Jinja only, e.g. a `file.managed` source with `template: jinja`; `extra` adds the caller's variables (the
   * state's name/source and its `context`/`defaults`). As in Salt, a template that is not an SLS has no
   * `tplfile`/`tpldir`/`sls` of its own (loading another template from it sets the `tpl*` globals).
   */
  renderTemplate(text: string, file: string, extra: Record<string, unknown> = {}): string {
    const rel = saltPath(file);
    this.templates ??= new SaltJinja({ roots: this.roots, opts: this.ctx.opts });
    return this.templates.renderString(text, rel, { ...this.vars, ...extra });
  }

  private renderOne(sls: string, from?: Where): ReadSls {
    return loadSlsFile(this.roots, this.env, sls, from, (file) => this.jinja.render(file, { ...this.vars, ...fileVars(file, sls, this.roots.resolve(`salt://${file}`)) }), this.gpg);
  }

  /** Jinja then YAML for one SLS (no include processing): its IDs in Salt's high shape, plus `include`. */
  renderSls(sls: string): { file: string; high: HighState } {
    const r = this.renderOne(sls);
    const high = highToObject(r.state);
    if (r.includes.length) high['include'] = r.includes.map((i) => i.sls);
    return { file: r.file, high };
  }

  /** Salt's render_highstate: the SLS names and everything they include, each once, with auto order. */
  private collect(slsNames: string[]): High {
    const b = new HighBuilder((sls, from) => this.renderOne(sls, from), () => availableSls(this.roots), this.ctx.opts['state_auto_order'] !== false);
    for (const sls of slsNames) b.add(sls);
    return b.finish();
  }

  /** SLS names the top file assigns to this minion (every env, file order, de-duplicated). */
  matchTop(): string[] {
    const topFile = saltPath(typeof this.ctx.opts['state_top'] === 'string' ? (this.ctx.opts['state_top'] as string) : 'top.sls');
    if (this.roots.read(topFile) === null) {
      throw new RenderError(topFile, undefined, `top file: not found in the file roots (create ${topFile}, or name SLS files explicitly)`);
    }
    const parsed = renderThroughPipe(this.roots.read(topFile)?.toString('utf8') ?? '', topFile, 'top file', {
      jinja: () => this.jinja.render(topFile, { ...this.vars, ...fileVars(topFile, undefined, this.roots.resolve(`salt://${topFile}`)) }),
      yaml: (t) => parseSaltYaml(t, topFile, 'data'),
      gpg: this.gpg,
    });
    const subject = { id: this.ctx.id, grains: this.ctx.grains, pillar: this.ctx.pillar };
    const nodegroups = this.ctx.opts['nodegroups'] as Record<string, string | string[]> | undefined;
    return matchTopData(parsed.data, topFile, parsed.lineOf, subject, nodegroups, this.log, 'states').map((m) => m.sls);
  }

  /** Low chunks in run order, as Salt runs them (extend, `_in` and exclude applied): apply and show_lowstate. */
  compile(slsNames: string[]): LowChunk[] {
    return compileForRun(this.collect(slsNames));
  }

  compileHighstate(): LowChunk[] {
    return this.compile(this.matchTop());
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
}
