/**
 * Jinja2's symbol analysis of a template's root frame (jinja2/idtracking.py), reduced to what changes results:
 * a name whose first root-level use is an assignment starts out undefined for the whole root frame (macros and
 * loops defined in it included), even when the render context has a value of that name. A name stored in only
 * some branches of an `if` resolves from the context instead, as Jinja's branch_update decides.
 */
import type { Expr, Stmt, Target } from './ast';

type Ref = 'resolve' | 'undefined';

class Symbols {
  constructor(readonly refs = new Map<string, Ref>(), readonly stores = new Set<string>()) {}
  copy(): Symbols {
    return new Symbols(new Map(this.refs), new Set(this.stores));
  }
  load(name: string): void {
    if (!this.refs.has(name)) this.refs.set(name, 'resolve');
  }
  store(name: string): void {
    this.stores.add(name);
    if (!this.refs.has(name)) this.refs.set(name, 'undefined');
  }
}

function loads(e: unknown, sym: Symbols): void {
  if (Array.isArray(e)) return e.forEach((x) => loads(x, sym));
  if (!e || typeof e !== 'object') return;
  const node = e as Expr;
  if (node.t === 'Name') return sym.load(node.name);
  for (const v of Object.values(node)) if (v && typeof v === 'object') loads(v, sym);
}

function storeTarget(t: Target, sym: Symbols): void {
  if (t.t === 'Name') sym.store(t.name);
  else if (t.t === 'NSRef') sym.load(t.name);
  else t.items.forEach((x) => storeTarget(x, sym));
}

function visit(st: Stmt, sym: Symbols): Symbols {
  switch (st.t) {
    case 'Output':
      loads(st.nodes, sym);
      return sym;
    case 'If': {
      loads(st.test, sym);
      const branch = (body: Stmt[]): Symbols => body.reduce((s, x) => visit(x, s), sym.copy());
      const elifs = st.elifs.reduce((s, e) => {
        loads(e.test, s);
        return e.body.reduce((acc, x) => visit(x, acc), s);
      }, sym.copy());
      const branches = [branch(st.body), elifs, branch(st.else_)];
      const counts = new Map<string, number>();
      for (const b of branches) for (const n of b.stores) if (!sym.stores.has(n)) counts.set(n, (counts.get(n) ?? 0) + 1);
      for (const b of branches) {
        for (const [n, r] of b.refs) sym.refs.set(n, r);
        for (const n of b.stores) sym.stores.add(n);
      }
      for (const [n, c] of counts) if (c !== branches.length) sym.refs.set(n, 'resolve');
      return sym;
    }
    case 'For':
      loads(st.iter, sym);
      return sym;
    case 'Assign':
      loads(st.node, sym);
      storeTarget(st.target, sym);
      return sym;
    case 'AssignBlock':
      storeTarget(st.target, sym);
      return sym;
    case 'With':
      loads(st.values, sym);
      return sym;
    case 'Macro':
      sym.store(st.name);
      return sym;
    case 'CallBlock':
      loads(st.call, sym);
      return sym;
    case 'FilterBlock':
      loads(st.filter, sym);
      return sym;
    case 'Extends':
    case 'Include':
      loads(st.template, sym);
      return sym;
    case 'Import':
      loads(st.template, sym);
      sym.store(st.target);
      return sym;
    case 'FromImport':
      loads(st.template, sym);
      for (const [, alias] of st.names) sym.store(alias);
      return sym;
    case 'ImportData':
      loads(st.template, sym);
      sym.store(st.target);
      return sym;
    case 'LoadData':
      sym.store(st.target);
      return sym;
    case 'ExprStmt':
      loads(st.node, sym);
      return sym;
    case 'Profile':
      return st.body.reduce((s, x) => visit(x, s), sym);
    case 'Block':
    case 'Break':
    case 'Continue':
    case 'Autoescape':
      return sym;
  }
}

/** Names the root frame stores before any root-level load: undefined until assigned. */
export function rootUndefinedNames(body: Stmt[]): string[] {
  const sym = body.reduce((s, st) => visit(st, s), new Symbols());
  return [...sym.refs].filter(([, r]) => r === 'undefined').map(([n]) => n);
}
