/** The state compiler: SLS files -> high data -> low chunks, all rendered before anything runs. */
import { RenderError, nullLogger, saltPath, type Dict, type FileRoots, type LowChunk, type Logger } from '@brine/core';
import { JinjaEnv } from './jinja/environment';
import { defaultSaltFunctions, templateSalt } from './jinja/salt';
import { HighData, readSls, type RenderedSls } from './sls/high';
import { buildLowstate } from './sls/lowstate';
import { fileVars, findSls, resolveInclude, slsCandidates } from './sls/names';
import { matchTopData } from './sls/top';
import type { HighState, RenderContext } from './types';
import { parseSaltYaml } from './yaml/load';

export interface RendererOptions {
  roots: FileRoots;
  context: RenderContext;
  log?: Logger;
}

interface From {
  file: string;
  line: number | undefined;
}

export class Renderer {
  private readonly roots: FileRoots;
  private readonly ctx: RenderContext;
  private readonly log: Logger;
  private readonly jinja: JinjaEnv;
  private readonly vars: Dict;

  constructor(o: RendererOptions) {
    this.roots = o.roots;
    this.ctx = o.context;
    this.log = o.log ?? nullLogger;
    this.jinja = new JinjaEnv(o.roots);
    const c = o.context;
    this.vars = {
      grains: c.grains,
      pillar: c.pillar,
      opts: c.opts,
      saltenv: this.env,
      salt: templateSalt({ ...defaultSaltFunctions(c), ...c.salt }),
    };
  }

  private get env(): string {
    return this.ctx.saltenv ?? 'base';
  }

  /** Jinja only, e.g. a `file.managed` source with `template: jinja`; `extra` adds `context`/`defaults` variables. */
  renderTemplate(text: string, file: string, extra: Record<string, unknown> = {}): string {
    const rel = saltPath(file);
    return this.jinja.renderString(text, rel, { ...this.vars, ...fileVars(rel), ...extra });
  }

  private renderOne(sls: string, from?: From): RenderedSls {
    const found = findSls(this.roots, sls);
    if (!found) {
      const [a, b] = slsCandidates(sls);
      throw new RenderError(
        from?.file ?? a!,
        from?.line,
        `${from ? 'include' : 'sls'}: SLS '${sls}' is not in environment '${this.env}' (no ${a} or ${b} in the file roots; fix the name or add the file)`,
      );
    }
    const text = this.jinja.render(found.file, { ...this.vars, ...fileVars(found.file, sls) });
    const parsed = parseSaltYaml(text, found.file);
    return readSls(parsed.data, { sls, env: this.env, file: found.file }, parsed.lineOf, (entry, line) => {
      const name = resolveInclude(entry, sls, found.file);
      if (name === null) {
        throw new RenderError(found.file, line, `include: relative include '${entry}' goes above the top of the file roots (use fewer dots or an absolute SLS name)`);
      }
      return name;
    });
  }

  /** Jinja then YAML for one SLS (no include processing): normalised high data plus its `include`/`extend`. */
  renderSls(sls: string): { file: string; high: HighState } {
    const r = this.renderOne(sls);
    const h = new HighData();
    h.add(r);
    const high = h.toHigh();
    if (r.includes.length) high['include'] = r.includes.map((i) => i.sls);
    if (r.extend.length) high['extend'] = Object.fromEntries(r.extend.map((x) => [x.id, x.body]));
    return { file: r.file, high };
  }

  /** Render the SLS names and everything they include (each once, included files first), then apply `extend`. */
  private collect(slsNames: string[]): HighData {
    const high = new HighData();
    const seen = new Set<string>();
    const extend: RenderedSls['extend'] = [];
    const visit = (sls: string, from?: From): void => {
      if (seen.has(sls)) return;
      seen.add(sls);
      const r = this.renderOne(sls, from);
      for (const inc of r.includes) visit(inc.sls, { file: r.file, line: inc.line });
      high.add(r);
      extend.push(...r.extend);
    };
    for (const sls of slsNames) visit(sls);
    for (const x of extend) high.extend(x);
    return high;
  }

  /** SLS names the top file assigns to this minion (every env, file order, de-duplicated). */
  matchTop(): string[] {
    const topFile = saltPath(typeof this.ctx.opts['state_top'] === 'string' ? (this.ctx.opts['state_top'] as string) : 'top.sls');
    if (this.roots.read(topFile) === null) {
      throw new RenderError(topFile, undefined, `top file: not found in the file roots (create ${topFile}, or name SLS files explicitly)`);
    }
    const text = this.jinja.render(topFile, { ...this.vars, ...fileVars(topFile) });
    const parsed = parseSaltYaml(text, topFile);
    const subject = { id: this.ctx.id, grains: this.ctx.grains, pillar: this.ctx.pillar };
    const nodegroups = this.ctx.opts['nodegroups'] as Record<string, string | string[]> | undefined;
    const matches = matchTopData(parsed.data, topFile, parsed.lineOf, subject, nodegroups, this.log);
    return [...new Set(matches.map((m) => m.sls))];
  }

  /** Render everything, then include/extend/names/requisites/ordering: low chunks in run order. */
  compile(slsNames: string[]): LowChunk[] {
    return buildLowstate(this.collect(slsNames));
  }

  compileHighstate(): LowChunk[] {
    return this.compile(this.matchTop());
  }

  /** Salt's `state.show_sls`: high data per ID (after include and extend) with `__sls__` and `__env__`. */
  showSls(slsNames: string[]): Record<string, unknown> {
    const high = this.collect(slsNames);
    buildLowstate(high); // validates requisites and order exactly as compile would
    return high.toHigh();
  }
}
