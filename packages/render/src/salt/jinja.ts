/**
 * Jinja as Salt 3006 configures it (salt/utils/templates.py render_jinja_tmpl + SaltCacheLoader): a sandboxed
 * environment with StrictUndefined, `do` and `loopcontrols`, Salt's filters, tests, globals and serializer tags;
 * the render context doubles as the environment's globals (so a template imported without context still sees
 * `salt`, `grains`, `pillar`); loading a template sets the `tplfile`/`tpldir`/`tpldot` globals; `./` and `../`
 * names are relative to that `tpldir`; and the template's own trailing newline is kept.
 */
import * as path from 'path';
import { RenderError, saltPath, type Dict, type FileRoots } from '@brine/core';
import { JinjaEngine, TemplateError } from '../jinja/engine';
import { PyFunction } from '../jinja/runtime';
import { PyDict, dictEntries, isDict, pyIter, pyStr } from '../jinja/values';
import { loadTemplateYaml } from './yaml-values';
import { SALT_FILTERS, SALT_TESTS } from './filters';
import { saltTemplateGlobals } from './index';

export interface SaltJinjaOptions {
  roots: FileRoots;
  /** Minion or master options: jinja_trim_blocks, jinja_lstrip_blocks, jinja_env / jinja_sls_env. */
  opts?: Dict;
  /** SLS files use jinja_sls_env; other templates (file.managed sources) jinja_env. */
  sls?: boolean;
}

function parseData(kind: string, text: string, file: string): unknown {
  if (kind === 'text') return text;
  if (kind === 'yaml') return loadTemplateYaml(text, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TemplateError(`load_json: ${(e as Error).message} (fix the JSON syntax)`, 'runtime');
  }
}

const SALT_GLOBALS: Record<string, unknown> = {
  ...saltTemplateGlobals(),
  odict: new PyFunction('odict', (args, kw) => {
    const d = new PyDict();
    const src = args[0];
    // OrderedDict(mapping) copies it; OrderedDict(iterable) takes (key, value) pairs.
    if (isDict(src)) for (const [k, v] of dictEntries(src)) d.set(k, v);
    else if (src !== undefined)
      for (const p of pyIter(src)) {
        const pair = pyIter(p);
        if (pair.length !== 2) throw new TemplateError(`ValueError: dictionary update sequence element has length ${pair.length}; 2 is required`, 'runtime');
        d.set(pair[0], pair[1]);
      }
    for (const [k, v] of Object.entries(kw)) d.set(k, v);
    // An OrderedDict keeps its order where a dict is sorted (the `yaml` filter): Brine's ordered mapping is the plain
    // object (as YAML data), which can hold string keys that are not array indexes; other keys stay a PyDict.
    const entries = dictEntries(d);
    if (!entries.every(([k]) => typeof k === 'string' && !/^(0|[1-9]\d*)$/.test(k))) return d;
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries) o[k as string] = v;
    return o;
  }),
};

/** `./x` and `../x` against the `tpldir` global; null when the name climbs out of the roots. */
function resolveName(name: string, globals: Map<string, unknown>): string | null {
  const rel = saltPath(name);
  if (rel.split('/')[0] !== '.' && rel.split('/')[0] !== '..') return rel;
  const base = String(globals.get('tpldir') ?? '.');
  const joined = path.posix.normalize(`${base}/${rel}`);
  return joined.startsWith('../') || joined === '..' ? null : joined;
}

export class SaltJinja {
  private readonly engine: JinjaEngine;
  private readonly roots: FileRoots;

  constructor(o: SaltJinjaOptions) {
    this.roots = o.roots;
    const opts = o.opts ?? {};
    const envOpts = ((o.sls ? opts['jinja_sls_env'] : opts['jinja_env']) ?? {}) as Dict;
    const flag = (k: string, salt: string): boolean => Boolean(envOpts[k] ?? opts[salt] ?? false);
    this.engine = new JinjaEngine({
      load: (name) => o.roots.read(name)?.toString('utf8') ?? null,
      resolve: resolveName,
      trimBlocks: flag('trim_blocks', 'jinja_trim_blocks'),
      lstripBlocks: flag('lstrip_blocks', 'jinja_lstrip_blocks'),
      lineStatementPrefix: (envOpts['line_statement_prefix'] as string | undefined) ?? null,
      lineCommentPrefix: (envOpts['line_comment_prefix'] as string | undefined) ?? null,
      filters: SALT_FILTERS,
      tests: SALT_TESTS,
      globals: SALT_GLOBALS,
      saltTags: true,
      loadData: parseData,
      onLoad: (name, raw, globals) => {
        const relative = /^\.\.?\//.test(raw);
        const dir = relative ? String(globals.get('tpldir') ?? '.') : path.posix.dirname(name);
        globals.set('tplfile', relative ? raw : name);
        globals.set('tpldir', dir === '' ? '.' : dir);
        globals.set('tpldot', dir === '.' ? '' : dir.replace(/\//g, '.'));
      },
    });
  }

  /** Render a file of the roots; `context` is both the variables and the globals, as in Salt. */
  render(file: string, context: Dict): string {
    const buf = this.roots.read(file);
    if (buf === null) throw new RenderError(file, undefined, `jinja: template '${file}' is not in the file roots`);
    return this.renderString(buf.toString('utf8'), file, context);
  }

  /** Render template text (an SLS, or a `file.managed` source); errors become RenderError with file:line. */
  renderString(text: string, file: string, context: Dict): string {
    try {
      const out = this.engine.renderString(text, context, file, context);
      // Jinja drops the template's final newline; Salt puts it back.
      return text.endsWith('\n') ? out + '\n' : out;
    } catch (e) {
      throw toRenderError(e, file);
    }
  }
}

export function toRenderError(e: unknown, file: string): RenderError {
  if (e instanceof RenderError) return e;
  if (e instanceof TemplateError) {
    if (e.kind === 'notfound') {
      const what = `template not found: ${e.message} (the name is relative to the file roots, or to the importing template's directory when it starts with ./ or ../)`;
      return new RenderError(e.file ?? file, e.line, `jinja: ${what}`, { cause: e });
    }
    const at = `${e.file ?? file}${e.line !== undefined ? `:${e.line}` : ''}: `;
    // A template rendering itself (slsutil.renderer, until the recursion limit) fails at the same place at every
    // level: said once, not once per level.
    if (e.message.startsWith(`${at}jinja: `)) return new RenderError(e.file ?? file, e.line, e.message.slice(at.length), { cause: e });
    return new RenderError(e.file ?? file, e.line, `jinja: ${e.message} (fix the template at this line)`, { cause: e });
  }
  return new RenderError(file, undefined, `jinja: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
