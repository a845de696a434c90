/**
 * The one place where nunjucks is made to behave like Jinja2 as Salt uses it. Applied once per process
 * (`installPyCompat()` is idempotent). It patches:
 *  - runtime: strict undefined (see undefined.ts), Python methods and negative indexes in `memberLookup`,
 *    Python `repr` output, Python `in`, slices, and helpers the patched compiler calls (`py*`);
 *  - compiler: Python truthiness for if/and/or/not/inline-if, `==`/`!=` by value, `%` string formatting,
 *    `+` on lists, `*` on strings, `~` with Python str(), tuples `(a, b)`, computed dict keys `{k: v}`,
 *    dict iteration yielding keys, and the file/line each lookup happens on (for error messages).
 * nunjucks' own `installJinjaCompat` is used only for its slice syntax (`x[1:]`).
 */
import * as nunjucks from 'nunjucks';
import { pyMethod } from './methods';
import { pyMod } from './format';
import { asStr, isPyDict, pyBool, pyEq, pyRepr, pyStr, pyTuple, typeName } from './pyvalues';
import { PyUndefined, isUndef, strict, undefinedError } from './undefined';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const nj = nunjucks as Any;
let installed = false;

function hintFor(obj: unknown, key: unknown): string {
  return `'${typeName(obj) === 'NoneType' ? 'None' : typeName(obj) + ' object'}' has no attribute '${String(key)}'`;
}

/** `obj.key` / `obj[key]`, Python-style. `forCall` (the lookup is being called) prefers Python methods. */
function memberLookup(obj: unknown, key: unknown, line?: number, file?: string, forCall?: boolean): unknown {
  if (isUndef(obj)) throw undefinedError(obj);
  strict(key);
  if (obj === null || obj === undefined) return new PyUndefined(hintFor(obj, key), file, line);
  if (forCall && typeof key === 'string') {
    const m = pyMethod(obj, key);
    if (m) return m;
  }
  const s = asStr(obj);
  if (s !== undefined || Array.isArray(obj)) {
    const seq = (s ?? obj) as ArrayLike<unknown>;
    if (typeof key === 'number' && Number.isInteger(key)) {
      const i = key < 0 ? key + seq.length : key;
      if (i >= 0 && i < seq.length) return seq[i];
      return new PyUndefined(`${typeName(obj)} index ${key} out of range`, file, line);
    }
  } else if (isPyDict(obj)) {
    const k = String(key);
    if (Object.prototype.hasOwnProperty.call(obj, k)) return obj[k];
  } else if (typeof obj === 'object' || typeof obj === 'function') {
    const v = (obj as Any)[key as Any];
    if (typeof v === 'function') return v.bind(obj);
    if (v !== undefined) return v;
  }
  if (typeof key === 'string') {
    const m = pyMethod(obj, key);
    if (m) return m;
  }
  return new PyUndefined(hintFor(obj, key), file, line);
}

function pySlice(obj: unknown, start: number | null, stop: number | null, step: number | null): unknown {
  strict(obj);
  const s = asStr(obj);
  const seq: unknown[] = s !== undefined ? [...s] : Array.isArray(obj) ? obj : [];
  const n = seq.length;
  const st = step ?? 1;
  if (st === 0) throw new Error('ValueError: slice step cannot be zero');
  const norm = (v: number | null, dflt: number): number => {
    if (v === null || v === undefined) return dflt;
    const x = v < 0 ? v + n : v;
    return st > 0 ? Math.min(Math.max(x, 0), n) : Math.min(Math.max(x, -1), n - 1);
  };
  const a = norm(start, st > 0 ? 0 : n - 1);
  const b = norm(stop, st > 0 ? n : -1);
  const out: unknown[] = [];
  for (let i = a; st > 0 ? i < b : i > b; i += st) out.push(seq[i]);
  return s !== undefined ? out.join('') : out;
}

function contextOrFrameLookup(context: Any, frame: Any, name: string, line?: number, file?: string): unknown {
  let v = frame.lookup(name);
  if (v === undefined) v = context.lookup(name);
  return v === undefined ? new PyUndefined(`'${name}' is undefined`, file, line) : v;
}

/** A frame variable compiled to a JS local (macro argument, loop variable): `undefined` becomes the sentinel. */
function pyDefined(v: unknown, name: string, line?: number, file?: string): unknown {
  return v === undefined ? new PyUndefined(`'${name}' is undefined`, file, line) : v;
}

function inOperator(key: unknown, obj: unknown): boolean {
  strict(key);
  strict(obj);
  const s = asStr(obj);
  if (s !== undefined) return s.includes(pyStr(key));
  if (Array.isArray(obj)) return obj.some((x) => pyEq(key, x));
  if (isPyDict(obj)) return Object.prototype.hasOwnProperty.call(obj, String(key));
  throw new Error(`argument of type '${typeName(obj)}' is not iterable`);
}

/** What a `for` loop iterates: dict keys (or `(k, v)` pairs when unpacking two names, nunjucks-style). */
function pyIter(v: unknown, pairs: boolean): unknown {
  strict(v);
  if (isPyDict(v)) return pairs ? Object.entries(v) : Object.keys(v);
  return v;
}

function pyAdd(a: unknown, b: unknown): unknown {
  strict(a);
  strict(b);
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  const sa = asStr(a);
  const sb = asStr(b);
  if (sa !== undefined && sb !== undefined) return sa + sb;
  if (sa !== undefined || sb !== undefined) throw new Error(`TypeError: unsupported operand types for +: '${typeName(a)}' and '${typeName(b)}'`);
  return (a as number) + (b as number);
}

function pyMul(a: unknown, b: unknown): unknown {
  const sa = asStr(a);
  if (sa !== undefined && typeof b === 'number') return sa.repeat(Math.max(0, b));
  if (Array.isArray(a) && typeof b === 'number') return Array.from({ length: Math.max(0, b) }, () => a).flat();
  return (strict(a) as number) * (strict(b) as number);
}

function pyCompare(first: unknown, rest: unknown[]): boolean {
  let left = first;
  for (let i = 0; i < rest.length; i += 2) {
    const op = rest[i] as string;
    const right = rest[i + 1];
    let ok: boolean;
    if (op === '==' || op === '===') ok = pyEq(left, right);
    else if (op === '!=' || op === '!==') ok = !pyEq(left, right);
    else {
      const l = strict(left) as Any;
      const r = strict(right) as Any;
      ok = op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
    }
    if (!ok) return false;
    left = right;
  }
  return true;
}

function suppressValue(val: unknown): unknown {
  if (typeof val === 'string' || val instanceof nj.runtime.SafeString) return val;
  return pyStr(val);
}

function patchRuntime(): void {
  const rt = nj.runtime;
  const origCallWrap = rt.callWrap;
  Object.assign(rt, {
    memberLookup,
    contextOrFrameLookup,
    inOperator,
    suppressValue,
    callWrap(obj: unknown, name: string, context: unknown, args: unknown[]) {
      if (isUndef(obj)) throw undefinedError(obj);
      return origCallWrap(obj, name, context, args);
    },
    pyDefined,
    pySlice,
    pyIter,
    pyAdd,
    pyMul,
    pyMod: (a: unknown, b: unknown) => pyMod(strict(a), strict(b)),
    pyConcat: (a: unknown, b: unknown) => pyStr(a) + pyStr(b),
    pyCompare,
    pyBool,
    pyOr: (a: unknown, b: () => unknown) => (pyBool(a) ? a : b()),
    pyAnd: (a: unknown, b: () => unknown) => (pyBool(a) ? b() : a),
    pyTuple,
    pyRepr,
    pyKey: (k: unknown) => pyStr(k),
    pySetAttr(obj: unknown, key: unknown, value: unknown) {
      strict(obj);
      if (!isPyDict(obj)) throw new Error(`cannot set attribute '${String(key)}' on a ${typeName(obj)} (only namespace() and dict objects)`);
      obj[pyStr(key)] = value;
    },
  });
}

function patchCompiler(): void {
  const nodes = nj.nodes;
  const C = nj.compiler.Compiler.prototype;
  const PyTruth = nodes.Not.extend('PyTruth');
  const PyIter = nodes.Not.extend('PyIter');
  const line = (node: Any): number => node.lineno + 1;
  const wrapTruth = (n: Any): Any => (n instanceof PyTruth ? n : new PyTruth(n.lineno, n.colno, n));

  C.compilePyTruth = function (this: Any, node: Any, frame: Any) {
    this._emit('runtime.pyBool(');
    this.compile(node.target, frame);
    this._emit(')');
  };
  C.compilePyIter = function (this: Any, node: Any, frame: Any) {
    this._emit('runtime.pyIter(');
    this.compile(node.target, frame);
    this._emit(`, ${node.pairs ? 'true' : 'false'})`);
  };
  C.compileSymbol = function (this: Any, node: Any, frame: Any) {
    const name = JSON.stringify(node.value);
    const v = frame.lookup(node.value);
    if (v) this._emit(`runtime.pyDefined(${v}, ${name}, ${line(node)}, ${this._templateName()})`);
    else this._emit(`runtime.contextOrFrameLookup(context, frame, ${name}, ${line(node)}, ${this._templateName()})`);
  };
  C.compileLookupVal = function (this: Any, node: Any, frame: Any) {
    if (node.val && node.val.typename === 'Slice') {
      this._emit('runtime.pySlice((');
      this._compileExpression(node.target, frame);
      this._emit('),');
      this.compile(node.val, frame);
      this._emit(')');
      return;
    }
    this._emit('runtime.memberLookup((');
    this._compileExpression(node.target, frame);
    this._emit('),');
    this._compileExpression(node.val, frame);
    this._emit(`, ${line(node)}, ${this._templateName()}, ${node === this.pyCallee ? 'true' : 'false'})`);
  };
  const origFunCall = C.compileFunCall;
  C.compileFunCall = function (this: Any, node: Any, frame: Any) {
    const prev = this.pyCallee;
    this.pyCallee = node.name;
    try {
      origFunCall.call(this, node, frame);
    } finally {
      this.pyCallee = prev;
    }
  };
  const origGroup = C.compileGroup;
  C.compileGroup = function (this: Any, node: Any, frame: Any) {
    if (node.children.length > 1) {
      this._emit('runtime.pyTuple(');
      this._compileAggregate(node, frame, '[', ']');
      this._emit(')');
    } else origGroup.call(this, node, frame);
  };
  const origPair = C.compilePair;
  C.compileKeywordArgs = function (this: Any, node: Any, frame: Any) {
    const prev = this.pyKwargs;
    this.pyKwargs = true;
    try {
      this._emit('runtime.makeKeywordArgs(');
      this._compileAggregate(node, frame, '{', '}');
      this._emit(')');
    } finally {
      this.pyKwargs = prev;
    }
  };
  C.compileDict = function (this: Any, node: Any, frame: Any) {
    const prev = this.pyKwargs;
    this.pyKwargs = false;
    try {
      this._compileAggregate(node, frame, '{', '}');
    } finally {
      this.pyKwargs = prev;
    }
  };
  // Keyword arguments (`f(a=1)`) keep names as keys; dict literals (`{k: 1}`) evaluate their keys.
  C.compilePair = function (this: Any, node: Any, frame: Any) {
    if (this.pyKwargs) return origPair.call(this, node, frame);
    this._emit('[runtime.pyKey(');
    this._compileExpression(node.key, frame);
    this._emit(')]: ');
    this._compileExpression(node.value, frame);
  };
  const binop = (helper: string) =>
    function (this: Any, node: Any, frame: Any) {
      this._emit(`runtime.${helper}(`);
      this.compile(node.left, frame);
      this._emit(',');
      this.compile(node.right, frame);
      this._emit(')');
    };
  C.compileMod = binop('pyMod');
  C.compileAdd = binop('pyAdd');
  C.compileMul = binop('pyMul');
  C.compileConcat = binop('pyConcat');
  const lazy = (helper: string) =>
    function (this: Any, node: Any, frame: Any) {
      this._emit(`runtime.${helper}(`);
      this.compile(node.left, frame);
      this._emit(', () => (');
      this.compile(node.right, frame);
      this._emit('))');
    };
  C.compileOr = lazy('pyOr');
  C.compileAnd = lazy('pyAnd');
  C.compileNot = function (this: Any, node: Any, frame: Any) {
    this._emit('!runtime.pyBool(');
    this.compile(node.target, frame);
    this._emit(')');
  };
  C.compileCompare = function (this: Any, node: Any, frame: Any) {
    this._emit('runtime.pyCompare(');
    this.compile(node.expr, frame);
    this._emit(', [');
    node.ops.forEach((op: Any, i: number) => {
      if (i) this._emit(',');
      this._emit(JSON.stringify(op.type) + ',');
      this.compile(op.expr, frame);
    });
    this._emit('])');
  };
  for (const m of ['compileIf', 'compileInlineIf']) {
    const orig = C[m];
    C[m] = function (this: Any, node: Any, frame: Any, async: Any) {
      node.cond = wrapTruth(node.cond);
      return orig.call(this, node, frame, async);
    };
  }
  // nunjucks embeds callee names in generated JS with only `"` escaped; a literal with a newline breaks it.
  const origName = C._getNodeName;
  C._getNodeName = function (this: Any, node: Any): string {
    return String(origName.call(this, node)).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028|\u2029/g, ' ');
  };
  // `{% set ns.attr = v %}` (Jinja namespaces): nunjucks only assigns plain names.
  const origSet = C.compileSet;
  C.compileSet = function (this: Any, node: Any, frame: Any) {
    const t = node.targets[0];
    if (node.targets.length === 1 && t instanceof nodes.LookupVal && node.value) {
      this._emit('runtime.pySetAttr(');
      this._compileExpression(t.target, frame);
      this._emit(',');
      this._compileExpression(t.val, frame);
      this._emit(',');
      this._compileExpression(node.value, frame);
      this._emitLine(');');
      return;
    }
    return origSet.call(this, node, frame);
  };
  const origFor = C.compileFor;
  C.compileFor = function (this: Any, node: Any, frame: Any) {
    if (!(node.arr instanceof PyIter)) {
      const it = new PyIter(node.arr.lineno, node.arr.colno, node.arr);
      it.pairs = node.name instanceof nodes.Array;
      node.arr = it;
    }
    return origFor.call(this, node, frame);
  };
}

/**
 * Jinja's lexer balances braces, so `{{ {'a': {'b': 1}}['a'] }}` and `{% set m = f({'a': {}}) %}` work;
 * nunjucks' lexer ends the tag at the first `}}`. Track `{` depth inside tags and split `}}` while it is open.
 */
function patchLexer(): void {
  const proto = Object.getPrototypeOf(nj.lexer.lex(''));
  const orig = proto.nextToken;
  proto.nextToken = function (this: Any) {
    if (this.in_code && this.pyDepth > 0 && this.str.startsWith('}}', this.index)) {
      const tok = { type: nj.lexer.TOKEN_RIGHT_CURLY, value: '}', lineno: this.lineno, colno: this.colno };
      this.forward();
      this.pyDepth--;
      return tok;
    }
    const tok = orig.call(this);
    if (tok) {
      if (tok.type === nj.lexer.TOKEN_LEFT_CURLY) this.pyDepth = (this.pyDepth ?? 0) + 1;
      else if (tok.type === nj.lexer.TOKEN_RIGHT_CURLY) this.pyDepth = Math.max(0, (this.pyDepth ?? 0) - 1);
      else if (tok.type === nj.lexer.TOKEN_BLOCK_START || tok.type === nj.lexer.TOKEN_VARIABLE_START) this.pyDepth = 0;
    }
    return tok;
  };
}

/** Patch nunjucks' runtime and compiler once per process. */
export function installPyCompat(): void {
  if (installed) return;
  installed = true;
  nj.installJinjaCompat();
  patchLexer();
  patchRuntime();
  patchCompiler();
}
