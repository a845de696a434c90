/**
 * Run-time objects of a render: scopes, macros, loops, namespaces, cyclers, joiners, imported template modules,
 * bound methods and Python-callable functions, plus attribute / item lookup and calls with Jinja2's sandbox rules.
 */
import { TemplateError } from './errors';
import { PySlice, applySlice } from './ops';
import { findMethod, numberAttr } from './pymethods';
import {
  KwArgs, MISSING, Markup, PyDict, Undefined, dictGet, dictKeys, isDict, isInt, isTuple, num, pyEq, pyRepr, pyStr, pyTuple, strict,
  type Dict, typeName, undefinedError,
} from './values';

/** Where the render is: updated as statements run, read when an error surfaces. */
export interface Pos {
  file: string;
  line: number;
}

/** One top-level render (shared by the templates it includes and imports). */
export interface RenderState {
  pos: Pos;
  depth: number;
  /** Modules imported without context, by template name (Jinja caches these per environment). */
  modules: Map<string, TemplateModule>;
  /** Host hooks (Salt's serializer tags), the engine's loaders and filters. */
  engine: EngineRuntime;
}

/** What compiled code needs from the engine. */
export interface EngineRuntime {
  filter(name: string): FilterFn | undefined;
  test(name: string): TestFn | undefined;
  global(name: string): unknown;
  /** Compile (or fetch) a template by name; null when missing. */
  template(name: string): CompiledTemplate | null;
  /** Salt's import_yaml / load_yaml hooks. */
  loadData(kind: string, text: string, file: string): unknown;
  autoescapeDefault: boolean;
}

export type FilterFn = (value: unknown, args: unknown[], kw: Dict, x: CallCtx) => unknown;
export type TestFn = (value: unknown, args: unknown[], kw: Dict, x: CallCtx) => boolean;

/** Context handed to filters, tests and functions that need the engine. */
export interface CallCtx {
  scope: Scope;
}

export interface CompiledTemplate {
  name: string;
  /** Render the template body into `out` with `scope` as its root scope. */
  root: (scope: Scope, out: string[]) => void;
  blocks: Map<string, { fn: BlockFn; required: boolean }>;
  /** Names the root frame assigns before reading: undefined there until assigned (see symbols.ts). */
  rootShadow: string[];
}

export type BlockFn = (scope: Scope, out: string[]) => void;

/** What a template and the templates it extends share: the context's variables, exports and blocks. */
export class SharedContext {
  /** Block implementations by name, the most derived first. */
  readonly blocks = new Map<string, { fn: BlockFn; tpl: CompiledTemplate; required: boolean }[]>();
  readonly exported = new Set<string>();
  constructor(readonly vars: Map<string, unknown>) {}
}

/** One run of a template's root render function (each template of an `extends` chain has its own). */
export class TemplateCtx {
  /** Set by `{% extends %}`: later top-level output is dropped and the parent renders at the end. */
  parent: CompiledTemplate | null = null;
  autoescape: boolean;
  constructor(
    readonly rs: RenderState,
    readonly tpl: CompiledTemplate,
    readonly shared: SharedContext,
  ) {
    this.autoescape = rs.engine.autoescapeDefault;
  }
}

export class Scope {
  readonly vars: Map<string, unknown>;
  /** Root scope only: names that read as undefined until this template assigns them. */
  shadow: Set<string> | null = null;
  constructor(
    readonly parent: Scope | null,
    readonly ctx: TemplateCtx,
    /** The template's root scope: its variables are the shared context's. */
    readonly root: boolean = false,
  ) {
    this.vars = root ? ctx.shared.vars : new Map();
  }

  lookup(name: string): unknown {
    for (let s: Scope | null = this; s; s = s.parent) {
      if (s.shadow !== null && s.shadow.has(name)) return new Undefined(`'${name}' is undefined`);
      const v = s.vars.get(name);
      if (v !== undefined || s.vars.has(name)) return v;
    }
    const g = this.ctx.rs.engine.global(name);
    if (g !== undefined) return g;
    if (name === 'self') return new TemplateReference(this);
    return new Undefined(`'${name}' is undefined`);
  }

  set(name: string, value: unknown): void {
    this.vars.set(name, value);
    if (this.shadow !== null) this.shadow.delete(name);
    if (this.root && !name.startsWith('_')) this.ctx.shared.exported.add(name);
  }

  /** Bind without exporting (imports). */
  setLocal(name: string, value: unknown): void {
    this.vars.set(name, value);
    if (this.shadow !== null) this.shadow.delete(name);
  }

  child(): Scope {
    return new Scope(this, this.ctx);
  }

  rootScope(): Scope {
    let s: Scope = this;
    while (s.parent) s = s.parent;
    return s;
  }

  /** Every visible variable (Jinja's `context.get_all()` plus locals), innermost winning. */
  flatten(): Map<string, unknown> {
    const chain: Scope[] = [];
    for (let s: Scope | null = this; s; s = s.parent) chain.push(s);
    const out = new Map<string, unknown>();
    for (let i = chain.length - 1; i >= 0; i--) for (const [k, v] of chain[i]!.vars) out.set(k, v);
    return out;
  }
}

/** Render block `name` as the most derived template defines it; `super()` inside reaches the next one. */
export function renderBlock(scope: Scope, name: string, index: number, out: string[]): void {
  const impls = scope.ctx.shared.blocks.get(name);
  const impl = impls?.[index];
  if (!impl) {
    throw new TemplateError(index === 0 ? `the block '${name}' does not exist` : `there is no parent block called '${name}'.`, 'runtime');
  }
  if (impl.required && index === 0 && impls!.length === 1) {
    throw new TemplateError(`Required block '${name}' not found.`, 'runtime');
  }
  const s = scope.child();
  s.vars.set('super', impls![index + 1] ? blockSuper(scope, name, index + 1) : new Undefined(`there is no parent block called '${name}'.`));
  impl.fn(s, out);
}

/** `super()` in a block (and `super.super()`): renders the next implementation of the block. */
function blockSuper(scope: Scope, name: string, index: number): PyFunction {
  const f = new PyFunction('super', () => {
    const o: string[] = [];
    renderBlock(scope, name, index, o);
    return o.join('');
  });
  const next = (): unknown => (scope.ctx.shared.blocks.get(name)?.[index + 1] ? blockSuper(scope, name, index + 1) : new Undefined(`there is no parent block called '${name}'.`));
  Object.defineProperty(f, 'pyGetAttr', { value: (a: string) => (a === 'super' ? next() : MISSING) });
  return f;
}

/** Jinja's `self`: `self.blockname()` renders a block. */
export class TemplateReference {
  readonly pyType = 'TemplateReference';
  constructor(readonly scope: Scope) {}
  pyGetAttr(name: string): unknown {
    if (!this.scope.ctx.shared.blocks.has(name)) return MISSING;
    return new PyFunction(name, () => {
      const o: string[] = [];
      renderBlock(this.scope.rootScope(), name, 0, o);
      return o.join('');
    });
  }
}

/* ------------------------------------------------------------------ callables */

/** A function templates call Python-style: positional args and keyword args separately. */
export class PyFunction {
  readonly pyType = 'function';
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], kw: Dict, x: CallCtx) => unknown,
  ) {}
  pyRepr(): string {
    return `<function ${this.name}>`;
  }
}

export class BoundMethod {
  readonly pyType = 'builtin_function_or_method';
  constructor(
    readonly self: unknown,
    readonly name: string,
    readonly fn: (self: never, a: unknown[], kw: Dict, getattr: (o: unknown, k: string) => unknown) => unknown,
  ) {}
  pyRepr(): string {
    return `<built-in method ${this.name} of ${typeName(this.self)} object>`;
  }
}

export interface MacroImpl {
  name: string;
  args: string[];
  /** Defaults for the last N arguments, evaluated at call time in the macro's scope (earlier args bound). */
  defaults: ((s: Scope) => unknown)[];
  body: (s: Scope, out: string[]) => void;
  catchVarargs: boolean;
  catchKwargs: boolean;
  caller: boolean;
}

export class Macro {
  readonly pyType = 'Macro';
  constructor(
    readonly impl: MacroImpl,
    /** The scope the macro was defined in (its closure). */
    readonly closure: Scope,
  ) {}

  call(args: unknown[], kw: Dict): string {
    const m = this.impl;
    const s = this.closure.child();
    const rs = s.ctx.rs;
    if (++rs.depth > 500) throw new TemplateError('maximum recursion depth exceeded', 'runtime');
    try {
      const kwargs = { ...kw };
      let caller: unknown = MISSING;
      if ('caller' in kwargs && !m.args.includes('caller')) {
        caller = kwargs['caller'];
        delete kwargs['caller'];
      }
      const firstDefault = m.args.length - m.defaults.length;
      for (let i = 0; i < m.args.length; i++) {
        const name = m.args[i]!;
        if (i < args.length) {
          if (Object.prototype.hasOwnProperty.call(kwargs, name)) {
            throw new TemplateError(`macro '${m.name}' got multiple values for argument '${name}'`, 'type');
          }
          s.vars.set(name, args[i]);
        } else if (Object.prototype.hasOwnProperty.call(kwargs, name)) {
          s.vars.set(name, kwargs[name]);
          delete kwargs[name];
        } else if (i >= firstDefault) {
          s.vars.set(name, m.defaults[i - firstDefault]!(s));
        } else {
          s.vars.set(name, new Undefined(`parameter '${name}' was not provided`));
        }
      }
      if (m.caller) {
        s.vars.set('caller', caller === MISSING ? new Undefined(`No caller defined`) : caller);
      } else if (caller !== MISSING) {
        throw new TemplateError(`macro '${m.name}' takes no keyword argument 'caller'`, 'type');
      }
      const extra = args.slice(m.args.length);
      if (m.catchVarargs) s.vars.set('varargs', pyTupleOf(extra));
      else if (extra.length) {
        throw new TemplateError(`macro '${m.name}' takes not more than ${m.args.length} argument(s)`, 'type');
      }
      const rest = Object.keys(kwargs);
      if (m.catchKwargs) s.vars.set('kwargs', new PyDict(rest.map((k) => [k, kwargs[k]])));
      else if (rest.length) throw new TemplateError(`macro '${m.name}' takes no keyword argument '${rest[0]}'`, 'type');
      const out: string[] = [];
      m.body(s, out);
      return s.ctx.autoescape ? (new Markup(out.join('')) as unknown as string) : out.join('');
    } finally {
      rs.depth--;
    }
  }

  pyGetAttr(name: string): unknown {
    const m = this.impl;
    switch (name) {
      case 'name':
        return m.name;
      case 'arguments':
        return pyTupleOf(m.args);
      case 'catch_kwargs':
        return m.catchKwargs;
      case 'catch_varargs':
        return m.catchVarargs;
      case 'caller':
        return m.caller;
    }
    return MISSING;
  }

  pyRepr(): string {
    return `<Macro '${this.impl.name}'>`;
  }
}

const pyTupleOf = (items: unknown[]): unknown[] => pyTuple([...items]);

/** Jinja's `loop` variable. */
export class LoopContext {
  readonly pyType = 'LoopContext';
  index0 = -1;
  private lastChanged: unknown = MISSING;
  constructor(
    readonly items: unknown[],
    readonly depth0: number,
    readonly recurse: ((items: unknown, depth0: number) => string) | null,
  ) {}

  pyGetAttr(name: string): unknown {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index0': return i;
      case 'index': return i + 1;
      case 'revindex0': return n - i - 1;
      case 'revindex': return n - i;
      case 'first': return i === 0;
      case 'last': return i === n - 1;
      case 'length': return n;
      case 'depth0': return this.depth0;
      case 'depth': return this.depth0 + 1;
      case 'previtem': return i > 0 ? this.items[i - 1] : new Undefined('there is no previous item');
      case 'nextitem': return i < n - 1 ? this.items[i + 1] : new Undefined('there is no next item');
      case 'cycle':
        return new PyFunction('cycle', (args) => {
          if (!args.length) throw new TemplateError('no items for cycling given', 'type');
          return args[i % args.length];
        });
      case 'changed':
        return new PyFunction('changed', (args) => {
          const v = pyTuple([...args]);
          if (this.lastChanged === MISSING || !pyEq(this.lastChanged, v)) {
            this.lastChanged = v;
            return true;
          }
          return false;
        });
    }
    return MISSING;
  }

  /** `loop(items)` in a recursive loop. */
  call(args: unknown[]): string {
    if (!this.recurse) throw new TemplateError('The loop must be marked as recursive to call it', 'type');
    if (args.length !== 1) throw new TemplateError(`loop() takes exactly one argument (${args.length} given)`, 'type');
    return this.recurse(args[0], this.depth0 + 1);
  }

  pyRepr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`;
  }
}

export class Namespace {
  readonly pyType = 'Namespace';
  readonly attrs = new Map<string, unknown>();
  pyGetAttr(name: string): unknown {
    return this.attrs.has(name) ? this.attrs.get(name) : MISSING;
  }
  pyGetItem(name: unknown): unknown {
    return typeof name === 'string' && this.attrs.has(name) ? this.attrs.get(name) : MISSING;
  }
  pyRepr(): string {
    return `<Namespace ${[...this.attrs].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ').replace(/^(.*)$/, '{$1}')}>`;
  }
}

export class Cycler {
  readonly pyType = 'Cycler';
  pos = 0;
  constructor(readonly items: unknown[]) {
    if (!items.length) throw new TemplateError('at least one item has to be provided', 'runtime');
  }
  pyGetAttr(name: string): unknown {
    switch (name) {
      case 'current': return this.items[this.pos];
      case 'items': return pyTuple([...this.items]);
      case 'pos': return this.pos;
      case 'next':
        return new PyFunction('next', () => {
          const v = this.items[this.pos];
          this.pos = (this.pos + 1) % this.items.length;
          return v;
        });
      case 'reset':
        return new PyFunction('reset', () => {
          this.pos = 0;
          return null;
        });
    }
    return MISSING;
  }
}

export class Joiner {
  readonly pyType = 'Joiner';
  private used = false;
  constructor(readonly sep: string) {}
  call(): string {
    if (!this.used) {
      this.used = true;
      return '';
    }
    return this.sep;
  }
}

/** What `{% import 'x' as m %}` binds: the template's exports as attributes; str() is its output. */
export class TemplateModule {
  readonly pyType = 'TemplateModule';
  constructor(
    readonly name: string,
    readonly exports: Map<string, unknown>,
    readonly output: string,
  ) {}
  pyGetAttr(name: string): unknown {
    return this.exports.has(name) ? this.exports.get(name) : MISSING;
  }
  pyStr(): string {
    return this.output;
  }
  pyRepr(): string {
    return `<Template module ${pyRepr(this.name)}>`;
  }
}

/* ------------------------------------------------------------------ lookups */

interface HasAttrs {
  pyGetAttr(name: string): unknown;
}
const hasAttrs = (v: unknown): v is HasAttrs => typeof (v as HasAttrs | null)?.pyGetAttr === 'function';

function objectTypeRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  return `${typeName(v)} object`;
}

const OBJECT_DUNDERS = new Set(['class', 'doc', 'init', 'new', 'repr', 'str', 'hash', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'getattribute', 'setattr', 'delattr', 'dir', 'reduce', 'reduce_ex', 'sizeof', 'subclasshook', 'init_subclass', 'format']);
const CONTAINER_DUNDERS = new Set(['len', 'getitem', 'contains', 'iter', 'add', 'mul', 'rmul', 'mod', 'rmod', 'setitem', 'delitem', 'reversed', 'iadd', 'imul', 'getnewargs', 'class_getitem', 'or', 'ror', 'ior']);
const FUNCTION_DUNDERS = new Set(['globals', 'code', 'closure', 'name', 'qualname', 'self', 'func', 'defaults', 'kwdefaults', 'module', 'dict', 'call', 'get', 'annotations', 'text_signature']);
const INSTANCE_DUNDERS = new Set(['dict', 'module', 'weakref', 'slots']);
/** Private attributes of Jinja's runtime classes that Python has (reading them is a SecurityError there). */
const PRIVATE_ATTRS: Record<string, Set<string>> = {
  LoopContext: new Set(['_after', '_before', '_current', '_iterator', '_iterable', '_length', '_recurse', '_last_changed_value', '_peek_next', '_to_iterator', '_undefined']),
  Macro: new Set(['_environment', '_func', '_argument_count', '_default_autoescape', '_invoke']),
};

/** Whether the Python object behind `obj` has the attribute `name` (a dunder or a known private one). */
function hasPythonAttr(obj: unknown, name: string): boolean {
  const t = typeName(obj);
  if (name.startsWith('__') && name.endsWith('__')) {
    const d = name.slice(2, -2);
    if (OBJECT_DUNDERS.has(d)) return true;
    if (['str', 'list', 'tuple', 'dict', 'Markup'].includes(t)) return CONTAINER_DUNDERS.has(d);
    if (t === 'function' || t === 'builtin_function_or_method' || typeof obj === 'function') return FUNCTION_DUNDERS.has(d);
    if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && !isDict(obj)) return INSTANCE_DUNDERS.has(d);
    return false;
  }
  return PRIVATE_ATTRS[t]?.has(name) ?? false;
}

const unsafe = (obj: unknown, attr: string): Undefined =>
  new Undefined(`access to attribute '${attr}' of '${typeName(obj)}' object is unsafe.`, 'security');

/** Python attribute lookup (no item fallback): MISSING when the type has no such attribute. */
function pyAttr(obj: unknown, name: string): unknown {
  if (obj instanceof Markup) {
    const m = findMethod(obj.s, name);
    if (!m) return MISSING;
    const esc = (x: unknown): unknown => (typeof x === 'string' || x instanceof Markup ? Markup.escape(x) : x);
    return new PyFunction(name, (args, kw) => {
      const r = (m as (s: string, a: unknown[], kw: Dict, g: typeof getattr) => unknown)(obj.s, args.map(esc), kw, getattr);
      return typeof r === 'string' ? new Markup(r) : Array.isArray(r) ? r.map((x) => (typeof x === 'string' ? new Markup(x) : x)) : r;
    });
  }
  if (hasAttrs(obj)) {
    const v = obj.pyGetAttr(name);
    if (v !== MISSING) return v;
  }
  const m = findMethod(obj, name);
  if (m) return new BoundMethod(obj, name, m);
  return numberAttr(obj, name);
}

/** Jinja's `attr` filter: the attribute only, never the item. */
export function getattrOnly(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (name.startsWith('_') && hasPythonAttr(obj, name)) return unsafe(obj, name);
  const v = pyAttr(obj, name);
  if (v === MISSING) return new Undefined(`'${objectTypeRepr(obj)}' has no attribute '${name}'`);
  return name.startsWith('_') ? unsafe(obj, name) : v;
}

/** Jinja's `environment.getattr` in the sandbox: the attribute first, then the item. */
export function getattr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (name.startsWith('_') && hasPythonAttr(obj, name)) return unsafe(obj, name);
  const v = pyAttr(obj, name);
  if (v !== MISSING) {
    if (name.startsWith('_')) return unsafe(obj, name);
    return v;
  }
  const item = rawItem(obj, name);
  if (item !== MISSING) return item;
  return new Undefined(`'${objectTypeRepr(obj)}' has no attribute '${name}'`);
}

function rawItem(obj: unknown, key: unknown): unknown {
  if (isDict(obj)) return dictGet(obj, key);
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (isInt(key) || typeof key === 'boolean') {
      const n = typeof obj === 'string' ? [...obj] : obj;
      let i = num(key);
      if (i < 0) i += n.length;
      return i >= 0 && i < n.length ? n[i] : MISSING;
    }
    return MISSING;
  }
  const gi = (obj as { pyGetItem?: (k: unknown) => unknown } | null)?.pyGetItem;
  if (typeof gi === 'function') return gi.call(obj, key);
  return MISSING;
}

/** Jinja's `environment.getitem` in the sandbox: the item first, then (for a string key) the attribute. */
export function getitem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  strict(key);
  if (key instanceof PySlice) {
    const r = applySlice(obj, key);
    if (r !== undefined) return r;
    if (obj === null || obj === undefined) throw new TemplateError(`'NoneType' object is not subscriptable`, 'type');
    return new Undefined(`${objectTypeRepr(obj)} has no element ${pyRepr(key)}`);
  }
  if (isDict(obj) && isTuple(key) === false && Array.isArray(key)) throw new TemplateError(`unhashable type: 'list'`, 'type');
  const v = rawItem(obj, key);
  if (v !== MISSING) return v;
  if (typeof key === 'string') {
    if (key.startsWith('_') && hasPythonAttr(obj, key)) return unsafe(obj, key);
    const a = pyAttr(obj, key);
    if (a !== MISSING) return key.startsWith('_') ? unsafe(obj, key) : a;
    return new Undefined(`'${objectTypeRepr(obj)}' has no attribute '${key}'`);
  }
  return new Undefined(`${objectTypeRepr(obj)} has no element ${pyRepr(key)}`);
}

/** Call any template-callable value with Python arguments. */
export function callValue(fn: unknown, args: unknown[], kw: Dict, x: CallCtx): unknown {
  if (fn instanceof Macro) {
    const rs = x.scope.ctx.rs;
    const saved = rs.pos;
    const r = fn.call(args, kw);
    rs.pos = saved;
    return r;
  }
  if (fn instanceof PyFunction) return fn.fn(args, kw, x);
  if (fn instanceof BoundMethod) return fn.fn(fn.self as never, args, kw, getattr);
  if (fn instanceof LoopContext) return fn.call(args);
  if (fn instanceof Joiner) return fn.call();
  if (typeof fn === 'function') {
    const r = Object.keys(kw).length ? fn(...args, new KwArgs(kw)) : fn(...args);
    return r === undefined ? null : r;
  }
  if (fn instanceof Undefined) throw undefinedError(fn);
  throw new TemplateError(`'${typeName(fn)}' object is not callable`, 'type');
}

export function isCallable(v: unknown): boolean {
  return v instanceof Macro || v instanceof PyFunction || v instanceof BoundMethod || v instanceof LoopContext || v instanceof Joiner || typeof v === 'function';
}

/** Keyword arguments from `**kwargs` (a dict with string keys). */
export function kwFromDict(d: unknown): Dict {
  strict(d);
  if (!isDict(d)) throw new TemplateError(`argument after ** must be a mapping, not ${typeName(d)}`, 'type');
  const out: Dict = {};
  for (const k of dictKeys(d)) {
    if (typeof k !== 'string') throw new TemplateError('keywords must be strings', 'type');
    out[k] = dictGet(d, k);
  }
  return out;
}

