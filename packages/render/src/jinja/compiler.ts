/**
 * Compiles Jinja2's node tree into JS closures over scopes. Scoping follows Jinja2 3.1: `for`, `with`, macros,
 * call blocks, filter and set blocks open a scope; `if` does not; top-level assignments are the context's and are
 * exported; output after `{% extends %}` at the top level is dropped.
 */
import type { CallArgs, Expr, Stmt, Target, TemplateNode } from './ast';
import { LoopSignal, TemplateError } from './errors';
import { PySlice, binop, compare, neg, pos } from './ops';
import {
  LoopContext, Macro, Namespace, Scope, SharedContext, TemplateCtx, TemplateModule, callValue, getattr, getitem,
  kwFromDict, renderBlock, type CallCtx, type CompiledTemplate, type MacroImpl, type Pos, type RenderState,
} from './runtime';
import {
  MISSING, Markup, PyDict, Undefined, htmlEscape, pyBool, pyIter, pyStr, pyStrFinal, pyTuple, strict, type Dict, typeName, undefinedError,
} from './values';
import { rootUndefinedNames } from './symbols';

type E = (s: Scope) => unknown;
type S = (s: Scope, out: string[]) => void;

interface Frame {
  /** Inside an `if` or a conditional expression: unknown filters and tests fail only when reached. */
  soft: boolean;
  /** The template's top level (not inside a macro, block or set block): output is dropped after `extends`. */
  toplevel: boolean;
}


/** What `{{ x }}` prints. */
function toOutput(v: unknown, s: Scope): string {
  if (typeof v === 'string') return s.ctx.autoescape ? htmlEscape(v) : v;
  const str = pyStrFinal(v);
  return s.ctx.autoescape && !(v instanceof Markup) ? htmlEscape(str) : str;
}

/** Names a body reads (Jinja's find_undeclared for `caller`, `varargs`, `kwargs`). */
function readsNames(body: Stmt[], names: string[]): Set<string> {
  const found = new Set<string>();
  const want = new Set(names);
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    const node = n as { t?: string; name?: string };
    if (node.t === 'Block') return;
    if (node.t === 'Name' && want.has(node.name!)) found.add(node.name!);
    for (const v of Object.values(n)) if (v && typeof v === 'object') visit(v);
  };
  visit(body);
  return found;
}

export class Compiler {
  constructor(
    private readonly file: string,
    /** The engine's filters and tests, checked at compile time as Jinja does (outside `if` and `x if y`). */
    private readonly known: { filter(name: string): unknown; test(name: string): unknown },
  ) {}

  private rsOf(s: Scope): RenderState {
    return s.ctx.rs;
  }

  private pos(line: number): Pos {
    return { file: this.file, line };
  }

  private fail(msg: string, line: number): never {
    throw new TemplateError(msg, 'syntax', this.file, line);
  }

  compileTemplate(node: TemplateNode, name: string): CompiledTemplate {
    const top: Frame = { soft: false, toplevel: true };
    const root = this.stmts(node.body, top);
    const blocks = new Map<string, { fn: S; required: boolean }>();
    for (const [bname, b] of node.blocks) {
      blocks.set(bname, { fn: this.stmts(b.body, { soft: false, toplevel: false }), required: b.required });
    }
    return { name, root, blocks, rootShadow: rootUndefinedNames(node.body) };
  }

  /* ---------------------------------------------------------------- statements */

  stmts(list: Stmt[], f: Frame): S {
    const fns = list.map((st) => this.stmt(st, f));
    if (fns.length === 1) return fns[0]!;
    return (s, out) => {
      for (let i = 0; i < fns.length; i++) fns[i]!(s, out);
    };
  }

  private stmt(st: Stmt, f: Frame): S {
    switch (st.t) {
      case 'Output':
        return this.output(st, f);
      case 'If':
        return this.ifStmt(st, f);
      case 'For':
        return this.forStmt(st, f);
      case 'Assign': {
        const v = this.expr(st.node, f);
        const assign = this.assigner(st.target, f);
        const p = this.pos(st.line);
        return (s) => {
          this.rsOf(s).pos = p;
          assign(s, v(s));
        };
      }
      case 'AssignBlock': {
        const body = this.stmts(st.body, { soft: f.soft, toplevel: false });
        const filter = st.filter ? this.filterChain(st.filter, f) : null;
        const assign = this.assigner(st.target, f);
        const p = this.pos(st.line);
        return (s) => {
          const out: string[] = [];
          body(s.child(), out);
          let v: unknown = out.join('');
          this.rsOf(s).pos = p;
          if (filter) v = filter(s, v);
          assign(s, v);
        };
      }
      case 'With': {
        const values = st.values.map((v) => this.expr(v, f));
        const targets = st.targets.map((t) => this.assigner(t, f));
        const body = this.stmts(st.body, f);
        const p = this.pos(st.line);
        return (s, out) => {
          this.rsOf(s).pos = p;
          const vals = values.map((v) => v(s));
          const inner = s.child();
          targets.forEach((t, i) => t(inner, vals[i]));
          body(inner, out);
        };
      }
      case 'Macro': {
        const impl = this.macroImpl(st.name, st.sig, st.body, f);
        return (s) => s.set(st.name, new Macro(impl, s));
      }
      case 'CallBlock':
        return this.callBlock(st, f);
      case 'FilterBlock': {
        const body = this.stmts(st.body, f);
        const filter = this.filterChain(st.filter, f);
        const p = this.pos(st.line);
        return (s, out) => {
          const buf: string[] = [];
          body(s.child(), buf);
          this.rsOf(s).pos = p;
          const v = filter(s, buf.join(''));
          if (f.toplevel && s.ctx.parent) return;
          out.push(toOutput(v, s));
        };
      }
      case 'Block': {
        const p = this.pos(st.line);
        return (s, out) => {
          this.rsOf(s).pos = p;
          if (f.toplevel && s.ctx.parent) return;
          renderBlock(st.scoped ? s : s.rootScope(), st.name, 0, out);
        };
      }
      case 'Extends': {
        if (!f.toplevel) this.fail('cannot use extend from a non top-level scope', st.line);
        const tpl = this.expr(st.template, f);
        const p = this.pos(st.line);
        return (s) => {
          this.rsOf(s).pos = p;
          if (s.ctx.parent) throw new TemplateError('extended multiple times', 'runtime');
          const parent = this.loadTemplate(s, tpl(s));
          s.ctx.parent = parent;
          for (const [name, b] of parent.blocks) {
            const list = s.ctx.shared.blocks.get(name) ?? [];
            list.push({ fn: b.fn, tpl: parent, required: b.required });
            s.ctx.shared.blocks.set(name, list);
          }
        };
      }
      case 'Include':
        return this.include(st, f);
      case 'Import': {
        const tpl = this.expr(st.template, f);
        const p = this.pos(st.line);
        return (s) => {
          this.rsOf(s).pos = p;
          const mod = this.module(s, tpl(s), st.withContext);
          s.setLocal(st.target, mod);
          if (s.root) s.ctx.shared.exported.delete(st.target);
        };
      }
      case 'FromImport': {
        const tpl = this.expr(st.template, f);
        const p = this.pos(st.line);
        return (s) => {
          this.rsOf(s).pos = p;
          const mod = this.module(s, tpl(s), st.withContext);
          for (const [name, alias] of st.names) {
            const v = mod.pyGetAttr(name);
            s.setLocal(
              alias,
              v === MISSING
                ? new Undefined(`the template '${mod.name}' (imported on line ${st.line}) does not export the requested name '${name}'`)
                : v,
            );
            if (s.root) s.ctx.shared.exported.delete(alias);
          }
        };
      }
      case 'ExprStmt': {
        const e = this.expr(st.node, f);
        const p = this.pos(st.line);
        return (s) => {
          this.rsOf(s).pos = p;
          e(s);
        };
      }
      case 'Break':
        return () => {
          throw BREAK;
        };
      case 'Continue':
        return () => {
          throw CONTINUE;
        };
      case 'Autoescape': {
        const v = this.expr(st.value, f);
        const body = this.stmts(st.body, f);
        return (s, out) => {
          const saved = s.ctx.autoescape;
          s.ctx.autoescape = pyBool(v(s));
          try {
            body(s.child(), out);
          } finally {
            s.ctx.autoescape = saved;
          }
        };
      }
      case 'ImportData': {
        const tpl = this.expr(st.template, f);
        const p = this.pos(st.line);
        return (s) => {
          this.rsOf(s).pos = p;
          const mod = this.module(s, tpl(s), st.withContext);
          const rs = this.rsOf(s);
          rs.pos = p;
          s.set(st.target, rs.engine.loadData(st.kind, mod.output, mod.name));
        };
      }
      case 'LoadData': {
        const body = this.stmts(st.body, { soft: false, toplevel: false });
        const p = this.pos(st.line);
        return (s) => {
          const out: string[] = [];
          body(s.child(), out);
          const rs = this.rsOf(s);
          rs.pos = p;
          s.set(st.target, rs.engine.loadData(st.kind, out.join(''), this.file));
        };
      }
      case 'Profile':
        return this.stmts(st.body, f);
    }
  }

  private output(st: Stmt & { t: 'Output' }, f: Frame): S {
    const parts = st.nodes.map((n): S => {
      if (n.t === 'TemplateData') {
        const d = n.data;
        return (s, out) => {
          if (f.toplevel && s.ctx.parent) return;
          out.push(d);
        };
      }
      const e = this.expr(n, f);
      const p = this.pos(n.line);
      return (s, out) => {
        if (f.toplevel && s.ctx.parent) return;
        this.rsOf(s).pos = p;
        out.push(toOutput(e(s), s));
      };
    });
    if (parts.length === 1) return parts[0]!;
    return (s, out) => {
      for (let i = 0; i < parts.length; i++) parts[i]!(s, out);
    };
  }

  private ifStmt(st: Stmt & { t: 'If' }, f: Frame): S {
    const soft: Frame = { ...f, soft: true };
    const branches = [{ test: st.test, body: st.body, line: st.line }, ...st.elifs].map((b) => ({
      test: this.expr(b.test, soft),
      body: this.stmts(b.body, soft),
      p: this.pos(b.line),
    }));
    const else_ = this.stmts(st.else_, soft);
    return (s, out) => {
      for (const b of branches) {
        this.rsOf(s).pos = b.p;
        if (pyBool(b.test(s))) return b.body(s, out);
      }
      else_(s, out);
    };
  }

  private forStmt(st: Stmt & { t: 'For' }, f: Frame): S {
    const inner: Frame = { soft: false, toplevel: f.toplevel };
    const iter = this.expr(st.iter, f);
    const assign = this.assigner(st.target, inner);
    const test = st.test ? this.expr(st.test, inner) : null;
    const body = this.stmts(st.body, inner);
    const else_ = this.stmts(st.else_, inner);
    const p = this.pos(st.line);
    const run = (s: Scope, out: string[], seq: unknown, depth0: number): void => {
      const rs = this.rsOf(s);
      rs.pos = p;
      let items = pyIter(seq);
      if (test) {
        items = items.filter((item) => {
          const fs = s.child();
          assign(fs, item);
          return pyBool(test(fs));
        });
      }
      const recurse = st.recursive
        ? (next: unknown, d: number): string => {
            const o: string[] = [];
            run(s, o, next, d);
            return o.join('');
          }
        : null;
      const loop = new LoopContext(items, depth0, recurse);
      let completed = false;
      for (let i = 0; i < items.length; i++) {
        loop.index0 = i;
        const is = s.child();
        is.vars.set('loop', loop);
        assign(is, items[i]);
        try {
          body(is, out);
          completed = true;
        } catch (e) {
          if (e === CONTINUE) continue;
          if (e === BREAK) break;
          throw e;
        }
      }
      if (!completed) else_(s.child(), out);
    };
    return (s, out) => {
      this.rsOf(s).pos = p;
      run(s, out, iter(s), 0);
    };
  }

  private macroImpl(name: string, sig: { args: string[]; defaults: Expr[] }, body: Stmt[], f: Frame): MacroImpl {
    const reads = readsNames(body, ['caller', 'varargs', 'kwargs']);
    const argNames = new Set(sig.args);
    return {
      name,
      args: sig.args,
      defaults: sig.defaults.map((d) => this.expr(d, { soft: f.soft, toplevel: false })),
      body: this.stmts(body, { soft: false, toplevel: false }),
      caller: reads.has('caller') && !argNames.has('caller'),
      catchVarargs: reads.has('varargs') && !argNames.has('varargs'),
      catchKwargs: reads.has('kwargs') && !argNames.has('kwargs'),
    };
  }

  private callBlock(st: Stmt & { t: 'CallBlock' }, f: Frame): S {
    const impl = this.macroImpl('caller', st.sig, st.body, f);
    const call = st.call;
    const fn = this.expr(call.node, f);
    const args = this.callArgs(call.call, f);
    const p = this.pos(st.line);
    return (s, out) => {
      this.rsOf(s).pos = p;
      const callee = fn(s);
      const [a, kw] = args(s);
      kw['caller'] = new Macro(impl, s);
      const v = callValue(callee, a, kw, { scope: s });
      if (f.toplevel && s.ctx.parent) return;
      out.push(toOutput(v, s));
    };
  }

  private include(st: Stmt & { t: 'Include' }, f: Frame): S {
    const tpl = this.expr(st.template, f);
    const p = this.pos(st.line);
    return (s, out) => {
      const rs = this.rsOf(s);
      rs.pos = p;
      const name = tpl(s);
      let t: CompiledTemplate | null;
      try {
        t = this.selectTemplate(s, name);
      } catch (e) {
        if (st.ignoreMissing && e instanceof TemplateError && e.kind === 'notfound') return;
        throw e;
      }
      if (f.toplevel && s.ctx.parent) return;
      const buf: string[] = [];
      if (st.withContext) {
        const vars = s.flatten();
        vars.delete('loop');
        renderRoot(rs, t!, vars, buf);
      }
      else buf.push(this.module(s, name, false).output);
      rs.pos = p;
      out.push(buf.join(''));
    };
  }

  /** A template by name, or the first existing of a list of names. */
  private selectTemplate(s: Scope, name: unknown): CompiledTemplate {
    if (Array.isArray(name)) {
      for (const n of name) {
        const t = this.rsOf(s).engine.template(pyStr(n));
        if (t) return t;
      }
      const msg = name.length ? `none of the templates given were found: ${name.map((x) => pyStr(x)).join(', ')}` : 'Tried to select from an empty list of templates.';
      throw new TemplateError(msg, 'notfound');
    }
    return this.loadTemplate(s, name);
  }

  private loadTemplate(s: Scope, name: unknown): CompiledTemplate {
    if (name instanceof Undefined) throw undefinedError(name);
    if (name === null || name === undefined) throw new TemplateError('Tried to select from an empty list of templates.', 'notfound');
    if (typeof name !== 'string') {
      if (name && typeof name === 'object' && 'root' in (name as object)) return name as CompiledTemplate;
      throw new TemplateError(`template name must be a string, not ${typeName(name)}`, 'type');
    }
    const t = this.rsOf(s).engine.template(name);
    if (!t) throw new TemplateError(name, 'notfound');
    return t;
  }

  /** Import a template as a module: cached per render without context, fresh with it. */
  private module(s: Scope, name: unknown, withContext: boolean): TemplateModule {
    const rs = this.rsOf(s);
    const t = this.selectTemplate(s, name);
    if (!withContext) {
      const cached = rs.modules.get(t.name);
      if (cached) return cached;
    }
    const shared = new SharedContext(withContext ? s.flatten() : new Map());
    const out: string[] = [];
    renderRoot(rs, t, shared.vars, out, shared);
    const exports = new Map<string, unknown>();
    for (const k of shared.exported) exports.set(k, shared.vars.get(k));
    const mod = new TemplateModule(t.name, exports, out.join(''));
    if (!withContext) rs.modules.set(t.name, mod);
    return mod;
  }

  /* ---------------------------------------------------------------- assignment */

  private assigner(t: Target, f: Frame): (s: Scope, v: unknown) => void {
    void f;
    if (t.t === 'Name') {
      const name = t.name;
      return (s, v) => s.set(name, v);
    }
    if (t.t === 'NSRef') {
      return (s, v) => {
        const ns = s.lookup(t.name);
        if (!(ns instanceof Namespace)) throw new TemplateError('cannot assign attribute on non-namespace object', 'runtime');
        ns.attrs.set(t.attr, v);
      };
    }
    const parts = t.items.map((x) => this.assigner(x, f));
    return (s, v) => {
      const items = pyIter(strict(v));
      if (items.length !== parts.length) {
        throw new TemplateError(
          items.length > parts.length
            ? `too many values to unpack (expected ${parts.length})`
            : `not enough values to unpack (expected ${parts.length}, got ${items.length})`,
          'runtime',
        );
      }
      parts.forEach((p, i) => p(s, items[i]));
    };
  }

  /* ---------------------------------------------------------------- expressions */

  expr(e: Expr, f: Frame): E {
    switch (e.t) {
      case 'Const': {
        const v = e.value;
        return () => v;
      }
      case 'TemplateData': {
        const v = e.data;
        return () => v;
      }
      case 'Name': {
        const name = e.name;
        return (s) => s.lookup(name);
      }
      case 'Tuple': {
        const items = e.items.map((x) => this.expr(x, f));
        return (s) => pyTuple(items.map((x) => x(s)));
      }
      case 'List': {
        const items = e.items.map((x) => this.expr(x, f));
        return (s) => items.map((x) => x(s));
      }
      case 'Dict': {
        const items = e.items.map(([k, v]) => [this.expr(k, f), this.expr(v, f)] as const);
        return (s) => {
          const d = new PyDict();
          for (const [k, v] of items) d.set(strict(k(s)), v(s));
          return d;
        };
      }
      case 'Getattr': {
        const node = this.expr(e.node, f);
        const attr = e.attr;
        return (s) => getattr(node(s), attr);
      }
      case 'Getitem': {
        const node = this.expr(e.node, f);
        const arg = this.expr(e.arg, f);
        return (s) => getitem(node(s), arg(s));
      }
      case 'Slice': {
        const start = e.start ? this.expr(e.start, f) : null;
        const stop = e.stop ? this.expr(e.stop, f) : null;
        const step = e.step ? this.expr(e.step, f) : null;
        return (s) => new PySlice(start ? start(s) : null, stop ? stop(s) : null, step ? step(s) : null);
      }
      case 'Call': {
        const fn = this.expr(e.node, f);
        const args = this.callArgs(e.call, f);
        return (s) => {
          const callee = fn(s);
          const [a, kw] = args(s);
          return callValue(callee, a, kw, { scope: s });
        };
      }
      case 'Filter':
        return this.filterExpr(e, f);
      case 'Test':
        return this.testExpr(e, f);
      case 'CondExpr': {
        const soft = { ...f, soft: true };
        const test = this.expr(e.test, soft);
        const a = this.expr(e.expr1, soft);
        const b = e.expr2 ? this.expr(e.expr2, soft) : null;
        const line = e.line; // not `e`: a closure over it would keep every expression's node alive with the template
        return (s) => (pyBool(test(s)) ? a(s) : b ? b(s) : new Undefined(`the inline if-expression on line ${line} evaluated to false and no else section was defined.`, 'undefined', true));
      }
      case 'BinOp': {
        const l = this.expr(e.left, f);
        const r = this.expr(e.right, f);
        const op = e.op;
        return (s) => binop(op, l(s), r(s));
      }
      case 'And': {
        const l = this.expr(e.left, f);
        const r = this.expr(e.right, f);
        return (s) => {
          const a = l(s);
          return pyBool(a) ? r(s) : a;
        };
      }
      case 'Or': {
        const l = this.expr(e.left, f);
        const r = this.expr(e.right, f);
        return (s) => {
          const a = l(s);
          return pyBool(a) ? a : r(s);
        };
      }
      case 'Not': {
        const n = this.expr(e.node, f);
        return (s) => !pyBool(n(s));
      }
      case 'Neg': {
        const n = this.expr(e.node, f);
        return (s) => neg(n(s));
      }
      case 'Pos': {
        const n = this.expr(e.node, f);
        return (s) => pos(n(s));
      }
      case 'Concat': {
        const parts = e.nodes.map((x) => this.expr(x, f));
        return (s) => parts.map((x) => pyStr(x(s))).join('');
      }
      case 'Compare': {
        const first = this.expr(e.expr, f);
        const ops = e.ops.map((o) => ({ op: o.op, e: this.expr(o.expr, f) }));
        return (s) => {
          let a = first(s);
          for (const o of ops) {
            const b = o.e(s);
            if (!compare(o.op, a, b)) return false;
            a = b;
          }
          return true;
        };
      }
    }
  }

  private callArgs(c: CallArgs, f: Frame): (s: Scope) => [unknown[], Dict] {
    const args = c.args.map((a) => this.expr(a, f));
    const kwargs = c.kwargs.map(([k, v]) => [k, this.expr(v, f)] as const);
    const dynArgs = c.dynArgs ? this.expr(c.dynArgs, f) : null;
    const dynKwargs = c.dynKwargs ? this.expr(c.dynKwargs, f) : null;
    return (s) => {
      const a = args.map((x) => x(s));
      if (dynArgs) a.push(...pyIter(strict(dynArgs(s))));
      const kw: Dict = {};
      for (const [k, v] of kwargs) kw[k] = v(s);
      if (dynKwargs) {
        for (const [k, v] of Object.entries(kwFromDict(dynKwargs(s)))) {
          if (Object.prototype.hasOwnProperty.call(kw, k)) throw new TemplateError(`got multiple values for keyword argument '${k}'`, 'type');
          kw[k] = v;
        }
      }
      return [a, kw];
    };
  }

  /** `x|f(a)|g` with `x` supplied at run time (filter blocks and set blocks). */
  private filterChain(e: Expr, f: Frame): (s: Scope, v: unknown) => unknown {
    if (e.t !== 'Filter') return (_s, v) => v;
    const inner = e.node ? this.filterChain(e.node, f) : (_s: Scope, v: unknown) => v;
    const apply = this.filterApply(e, f);
    return (s, v) => apply(s, inner(s, v));
  }

  private filterApply(e: Expr & { t: 'Filter' }, f: Frame): (s: Scope, v: unknown) => unknown {
    const name = e.name;
    const args = this.callArgs(e.call, f);
    const p = this.pos(e.line);
    if (!f.soft && !this.known.filter(name)) this.fail(`No filter named '${name}'.`, e.line);
    return (s, v) => {
      const rs = this.rsOf(s);
      const fn = rs.engine.filter(name);
      if (!fn) {
        rs.pos = p;
        throw new TemplateError(`No filter named '${name}' found.`, 'runtime');
      }
      const [a, kw] = args(s);
      const x: CallCtx = { scope: s };
      return fn(v, a, kw, x);
    };
  }

  private filterExpr(e: Expr & { t: 'Filter' }, f: Frame): E {
    const node = e.node ? this.expr(e.node, f) : () => null;
    const apply = this.filterApply(e, f);
    return (s) => apply(s, node(s));
  }

  private testExpr(e: Expr & { t: 'Test' }, f: Frame): E {
    const node = this.expr(e.node, f);
    const args = this.callArgs(e.call, f);
    const name = e.name;
    const p = this.pos(e.line);
    if (!f.soft && !this.known.test(name)) this.fail(`No test named '${name}'.`, e.line);
    return (s) => {
      const rs = this.rsOf(s);
      const fn = rs.engine.test(name);
      if (!fn) {
        rs.pos = p;
        throw new TemplateError(`No test named '${name}' found.`, 'runtime');
      }
      const v = node(s);
      const [a, kw] = args(s);
      return fn(v, a, kw, { scope: s });
    };
  }
}

const BREAK = new LoopSignal(true);
const CONTINUE = new LoopSignal(false);

/** Run a template's root with the given context variables; the parent of an `extends` renders after it. */
export function renderRoot(rs: RenderState, tpl: CompiledTemplate, vars: Map<string, unknown>, out: string[], shared?: SharedContext): void {
  const sh = shared ?? new SharedContext(vars);
  for (const [name, b] of tpl.blocks) {
    const list = sh.blocks.get(name) ?? [];
    list.push({ fn: b.fn, tpl, required: b.required });
    sh.blocks.set(name, list);
  }
  if (++rs.depth > 500) throw new TemplateError('maximum recursion depth exceeded while rendering templates', 'runtime');
  try {
    let t: CompiledTemplate | null = tpl;
    while (t) {
      const ctx: TemplateCtx = new TemplateCtx(rs, t, sh);
      const scope = new Scope(null, ctx, true);
      if (t.rootShadow.length) scope.shadow = new Set(t.rootShadow);
      t.root(scope, out);
      t = ctx.parent;
    }
  } finally {
    rs.depth--;
  }
}

