/**
 * Brine's Jinja2 engine. A JinjaEngine with no options behaves as Python's
 *   jinja2.sandbox.SandboxedEnvironment(undefined=StrictUndefined, extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'])
 * with Jinja2 3.1's built-in filters, tests and globals. Salt's additions are layered on by the renderer
 * (extra filters, tests and globals, Salt's tags, per-render globals).
 */
import type { TemplateNode } from './ast';
import { Compiler, renderRoot } from './compiler';
import { LoopSignal, TemplateError } from './errors';
import { BUILTIN_FILTERS, PyGenerator, pySortCompare } from './filters';
import { tokenize } from './lexer';
import { Parser } from './parser';
import { setSortOrder } from './pymethods';
import {
  Cycler, Joiner, Namespace, PyFunction, type CompiledTemplate, type EngineRuntime, type FilterFn, type RenderState,
  type TestFn,
} from './runtime';
import { BUILTIN_TESTS } from './tests';
import { PyDict, dictEntries, isDict, isInt, num, pyIter, pyStr, pyView, type Dict } from './values';

export { TemplateError } from './errors';
export type { FilterFn, TestFn } from './runtime';

setSortOrder(pySortCompare);

export interface JinjaOptions {
  /** Source of a template by name (import / include / extends / from); null when there is no such template. */
  load?: (name: string) => string | null;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  keepTrailingNewline?: boolean;
  lineStatementPrefix?: string | null;
  lineCommentPrefix?: string | null;
  /** Extra filters / tests / globals (over the built-ins). */
  filters?: Record<string, FilterFn>;
  tests?: Record<string, TestFn>;
  globals?: Record<string, unknown>;
  /** Salt's tags: import_yaml/json/text, load_yaml/json/text, profile. */
  saltTags?: boolean;
  /** Parse the text of `import_yaml` & co. */
  loadData?: (kind: string, text: string, file: string) => unknown;
  /** The name a template is loaded by (Salt: `./x` against the `tpldir` global); null when it cannot be. */
  resolve?: (name: string, globals: Map<string, unknown>) => string | null;
  /** Called the first time a render loads a template by name (Salt sets `tpldir`/`tplfile` globals here). */
  onLoad?: (name: string, raw: string, globals: Map<string, unknown>) => void;
}

const MAX_RANGE = 100000;

function range(args: unknown[]): unknown[] {
  const n = args.map((a) => {
    if (!isInt(a) && typeof a !== 'boolean') throw new TemplateError(`'${typeof a}' object cannot be interpreted as an integer`, 'type');
    return num(a);
  });
  let [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  if (n.length === 0 || n.length > 3) throw new TemplateError(`range expected at most 3 arguments, got ${n.length}`, 'type');
  if (step === 0) throw new TemplateError('range() arg 3 must not be zero', 'runtime');
  const len = Math.max(0, Math.ceil((stop! - start!) / step!));
  if (len > MAX_RANGE) throw new TemplateError(`Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`, 'runtime');
  const out: number[] = [];
  for (let i = 0; i < len; i++) out.push(start! + i * step!);
  return pyView(out, 'range', `range(${start}, ${stop}${step !== 1 ? `, ${step}` : ''})`);
}

function dictGlobal(args: unknown[], kw: Dict): PyDict {
  if (args.length > 1) throw new TemplateError(`dict expected at most 1 argument, got ${args.length}`, 'type');
  const d = new PyDict();
  const src = args[0];
  if (src !== undefined) {
    if (isDict(src)) for (const [k, v] of dictEntries(src)) d.set(k, v);
    else for (const pair of pyIter(src)) {
      const p = pyIter(pair);
      if (p.length !== 2) throw new TemplateError(`dictionary update sequence element has length ${p.length}; 2 is required`, 'runtime');
      d.set(p[0], p[1]);
    }
  }
  for (const [k, v] of Object.entries(kw)) d.set(k, v);
  return d;
}

const BUILTIN_GLOBALS: Record<string, unknown> = {
  range: new PyFunction('range', (a, kw) => {
    const k = Object.keys(kw);
    if (k.length) throw new TemplateError(`safe_range() got an unexpected keyword argument '${k[0]}'`, 'type');
    return range(a);
  }),
  dict: new PyFunction('dict', (a, kw) => dictGlobal(a, kw)),
  namespace: new PyFunction('namespace', (a, kw) => {
    const ns = new Namespace();
    for (const [k, v] of dictEntries(dictGlobal(a, kw))) ns.attrs.set(pyStr(k), v);
    return ns;
  }),
  cycler: new PyFunction('cycler', (a) => new Cycler(a)),
  joiner: new PyFunction('joiner', (a, kw) => new Joiner(a.length ? pyStr(a[0]) : kw['sep'] !== undefined ? pyStr(kw['sep']) : ', ')),
  lipsum: new PyFunction('lipsum', () => {
    throw new TemplateError('lipsum() is not available (its output is random)', 'runtime');
  }),
};

/** Templates given as text are cached compiled up to this size. */
const INLINE_CACHE_MAX_CHARS = 256 * 1024;

export class JinjaEngine {
  private readonly filters: Record<string, FilterFn>;
  private readonly tests: Record<string, TestFn>;
  private readonly globals: Record<string, unknown>;
  private readonly byName = new Map<string, CompiledTemplate | null>();
  private readonly inline = new Map<string, CompiledTemplate>();

  constructor(private readonly o: JinjaOptions = {}) {
    this.filters = { ...BUILTIN_FILTERS, ...o.filters };
    this.tests = { ...BUILTIN_TESTS, ...o.tests };
    this.globals = { ...BUILTIN_GLOBALS, ...o.globals };
  }

  hasFilter(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.filters, name);
  }

  /** Parse template text (throws TemplateError with file and line). */
  parse(source: string, name: string): TemplateNode {
    const tokens = tokenize(source, name, this.o);
    return new Parser(tokens, name, { saltTags: this.o.saltTags }).parse();
  }

  compile(source: string, name: string): CompiledTemplate {
    const known = {
      filter: (n: string) => Object.prototype.hasOwnProperty.call(this.filters, n),
      test: (n: string) => Object.prototype.hasOwnProperty.call(this.tests, n),
    };
    return new Compiler(name, known).compileTemplate(this.parse(source, name), name);
  }

  /** A template by name through `load`, compiled once; null when missing. */
  template(name: string): CompiledTemplate | null {
    if (this.byName.has(name)) return this.byName.get(name)!;
    const src = this.o.load ? this.o.load(name) : null;
    const t = src === null ? null : this.compile(src, name);
    this.byName.set(name, t);
    return t;
  }

  /** Render template text; `name` names it in errors. `globals` are this render's own (Salt's context). */
  renderString(source: string, vars: Record<string, unknown>, name = '<template>', globals?: Record<string, unknown>): string {
    // A large template (a generated SLS) is compiled, run and dropped: its closures would outweigh its text 25 times.
    if (source.length > INLINE_CACHE_MAX_CHARS) return this.run(this.compile(source, name), vars, globals);
    const key = name + '\0' + source;
    let t = this.inline.get(key);
    if (!t) {
      t = this.compile(source, name);
      if (this.inline.size > 500) this.inline.clear();
      this.inline.set(key, t);
    }
    return this.run(t, vars, globals);
  }

  /** Render a template by name through `load`. */
  render(name: string, vars: Record<string, unknown>, globals?: Record<string, unknown>): string {
    const t = this.template(name);
    if (!t) throw new TemplateError(name, 'notfound', name, undefined);
    return this.run(t, vars, globals);
  }

  private run(t: CompiledTemplate, vars: Record<string, unknown>, globals?: Record<string, unknown>): string {
    const renderGlobals = new Map<string, unknown>(globals ? Object.entries(globals) : []);
    const loaded = new Set<string>([t.name]);
    const engine: EngineRuntime = {
      filter: (n) => (Object.prototype.hasOwnProperty.call(this.filters, n) ? this.filters[n] : undefined),
      test: (n) => (Object.prototype.hasOwnProperty.call(this.tests, n) ? this.tests[n] : undefined),
      global: (n) => {
        if (renderGlobals.has(n)) return renderGlobals.get(n);
        return Object.prototype.hasOwnProperty.call(this.globals, n) ? this.globals[n] : undefined;
      },
      template: (raw) => {
        const n = this.o.resolve ? this.o.resolve(raw, renderGlobals) : raw;
        if (n === null) return null;
        const found = this.template(n);
        if (found && !loaded.has(raw)) {
          loaded.add(raw);
          this.o.onLoad?.(n, raw, renderGlobals);
        }
        return found;
      },
      loadData: (kind, text, file) => {
        if (!this.o.loadData) throw new TemplateError(`load_${kind} is not available`, 'runtime');
        return this.o.loadData(kind, text, file);
      },
      autoescapeDefault: false,
    };
    const rs: RenderState = { pos: { file: t.name, line: 1 }, depth: 0, modules: new Map(), engine };
    const out: string[] = [];
    try {
      renderRoot(rs, t, new Map(Object.entries(vars)), out);
    } catch (e) {
      throw located(e, rs);
    }
    return out.join('');
  }
}

/** Any error of a render as a TemplateError naming the innermost template and line. */
function located(e: unknown, rs: RenderState): TemplateError {
  if (e instanceof TemplateError) return e.locate(rs.pos.file, rs.pos.line);
  if (e instanceof LoopSignal) return new TemplateError('break or continue outside a loop', 'syntax', rs.pos.file, rs.pos.line);
  // Out of stack (a template rendering itself, through slsutil.renderer and the SLS pipe): the innermost levels may
  // have no stack left even to say so, and hand up V8's RangeError or an error that wraps it; any level says it.
  const text = e instanceof Error ? e.message : '';
  if (text.includes('Maximum call stack size exceeded') || text.includes('maximum recursion depth exceeded')) {
    return new TemplateError('maximum recursion depth exceeded', 'runtime', rs.pos.file, rs.pos.line);
  }
  const msg = e instanceof Error ? e.message : String(e);
  const err = new TemplateError(msg, 'runtime', rs.pos.file, rs.pos.line);
  (err as { cause?: unknown }).cause = e;
  return err;
}

