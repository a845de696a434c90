/**
 * One nunjucks Environment per file-roots tree, made Jinja-like by pycompat: templates load from the file roots
 * (`salt://` or root-relative names, `./x` relative to the including template), compile once and are cached.
 * Salt's `import_yaml`/`import_json`/`import_text` and `load_yaml`/`load_json`/`load_text` tags are rewritten
 * to `set` statements over the `__brine_import`/`__brine_load` globals before compiling (same line count).
 */
import * as path from 'path';
import * as nunjucks from 'nunjucks';
import { RenderError, saltPath, type FileRoots } from '@brine/core';
import { loadSaltYaml } from '../yaml/load';
import { toRenderError } from './errors';
import { installFilters } from './filters';
import { installPyCompat } from './pycompat';
import { isPyDict, pyStr, splitArgs } from './pyvalues';

type Dict = Record<string, unknown>;

const IMPORT_TAG = /\{%(-?)\s*import_(yaml|json|text)\s+(.+?)\s+as\s+([A-Za-z_]\w*)\s*(-?)%\}/g;
const LOAD_TAG = /\{%(-?)\s*(?:load_(yaml|json|text)\s+as\s+([A-Za-z_]\w*)|endload)\s*(-?)%\}/g;

/** Rewrite Salt's serializer tags into plain Jinja the compiler understands. */
export function preprocess(src: string, name: string): string {
  if (!src.includes('import_') && !src.includes('load_')) return src;
  const from = JSON.stringify(name);
  let out = src.replace(IMPORT_TAG, (_m, l: string, kind: string, expr: string, v: string, r: string) =>
    `{%${l} set ${v} = __brine_import(${JSON.stringify(kind)}, ${expr}, ${from}) ${r}%}`,
  );
  const stack: { kind: string; v: string }[] = [];
  out = out.replace(LOAD_TAG, (_m, l: string, kind: string | undefined, v: string | undefined, r: string) => {
    if (kind && v) {
      stack.push({ kind, v });
      return `{%${l} set ${v} ${r}%}`;
    }
    const top = stack.pop();
    if (!top) return `{%${l} endload ${r}%}`;
    return `{%${l} endset %}{% set ${top.v} = __brine_load(${JSON.stringify(top.kind)}, ${top.v}, ${from}) ${r}%}`;
  });
  return out;
}

function parseData(kind: string, text: string, file: string): unknown {
  if (kind === 'text') return text;
  if (kind === 'yaml') return loadSaltYaml(text, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RenderError(file, undefined, `JSON: ${(e as Error).message} (fix the JSON syntax)`);
  }
}

class DoExtension {
  tags = ['do'];
  parse(parser: any, nodes: any): unknown {
    const tok = parser.nextToken();
    const expr = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtension(this, 'run', new nodes.NodeList(tok.lineno, tok.colno, [expr]), []);
  }
  run(): string {
    return '';
  }
}

export class JinjaEnv {
  readonly env: nunjucks.Environment;
  private readonly roots: FileRoots;
  private readonly inline = new Map<string, nunjucks.Template>();

  constructor(roots: FileRoots) {
    installPyCompat();
    this.roots = roots;
    const loader = {
      getSource: (name: string) => {
        const rel = saltPath(name);
        const buf = roots.read(rel);
        if (buf === null) return null;
        return { src: preprocess(buf.toString('utf8'), rel), path: rel, noCache: false };
      },
      isRelative: (name: string) => name.startsWith('./') || name.startsWith('../'),
      resolve: (parent: string, name: string) => path.posix.normalize(path.posix.join(path.posix.dirname(saltPath(parent)), name)),
    };
    this.env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, {
      autoescape: false,
      throwOnUndefined: false,
      trimBlocks: false,
      lstripBlocks: false,
      dev: true,
    });
    this.env.addExtension('do', new DoExtension());
    installFilters(this.env);
    this.env.addGlobal('True', true);
    this.env.addGlobal('False', false);
    this.env.addGlobal('None', null);
    // Salt's `{{ raise('message') }}`: fail the render with the template's own message.
    this.env.addGlobal('raise', (msg: unknown) => {
      throw new Error(pyStr(msg));
    });
    this.env.addGlobal('dict', (...a: unknown[]) => {
      const [pos, kw] = splitArgs(a);
      const src = pos[0];
      return { ...(isPyDict(src) ? src : Array.isArray(src) ? Object.fromEntries(src as [string, unknown][]) : {}), ...kw };
    });
    this.env.addGlobal('namespace', (...a: unknown[]) => {
      const [pos, kw] = splitArgs(a);
      return { ...(isPyDict(pos[0]) ? pos[0] : {}), ...kw };
    });
    const self = this;
    this.env.addGlobal('__brine_import', function (this: { ctx: Dict }, kind: string, target: unknown, from: string) {
      let rel = saltPath(pyStr(target));
      if (rel.startsWith('./') || rel.startsWith('../')) rel = path.posix.normalize(path.posix.join(path.posix.dirname(from), rel));
      if (self.roots.read(rel) === null) {
        throw new Error(`import_${kind}: '${rel}' is not in the file roots (check the path; it is relative to the file roots, or to this file when it starts with ./)`);
      }
      return parseData(kind, self.render(rel, this.ctx), rel);
    });
    this.env.addGlobal('__brine_load', (kind: string, text: unknown, from: string) => parseData(kind, pyStr(text), from));
  }

  /** Render a file from the roots (`web/init.sls`) with the given variables. Throws RenderError. */
  render(file: string, vars: Dict): string {
    let tmpl: nunjucks.Template;
    try {
      tmpl = this.env.getTemplate(file, true);
    } catch (e) {
      throw toRenderError(e, file, this.roots.read(file)?.toString('utf8'));
    }
    try {
      return tmpl.render(vars);
    } catch (e) {
      throw toRenderError(e, file, this.roots.read(file)?.toString('utf8'));
    }
  }

  /** Render template text that is not (necessarily) in the roots, e.g. a `file.managed` source; compiled once per text. */
  renderString(text: string, file: string, vars: Dict): string {
    const key = file + '\0' + text;
    let tmpl = this.inline.get(key);
    try {
      if (!tmpl) {
        tmpl = new nunjucks.Template(preprocess(text, file), this.env, file, true);
        if (this.inline.size > 500) this.inline.clear();
        this.inline.set(key, tmpl);
      }
      return tmpl.render(vars);
    } catch (e) {
      throw toRenderError(e, file, text);
    }
  }
}
