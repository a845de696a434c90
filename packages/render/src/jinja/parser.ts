/**
 * Jinja2 3.1's parser (jinja2/parser.py): the same grammar, precedence and error messages, with the `do` and
 * `loopcontrols` extensions built in and Salt's serializer tags (`import_yaml`, `load_json`, `profile`...) behind
 * an option.
 */
import type { CallArgs, CompareOp, Expr, MacroSig, Stmt, Target, TemplateNode } from './ast';
import { TemplateError } from './errors';
import type { Token } from './lexer';

const STATEMENT_KEYWORDS = new Set(['for', 'if', 'block', 'extends', 'print', 'macro', 'include', 'from', 'import', 'set', 'with', 'autoescape']);
const COMPARE = new Set(['eq', 'ne', 'lt', 'lteq', 'gt', 'gteq']);
const OPERATOR_TEXT: Record<string, string> = {
  add: '+', sub: '-', div: '/', floordiv: '//', mul: '*', mod: '%', pow: '**', tilde: '~', lbracket: '[', rbracket: ']',
  lparen: '(', rparen: ')', lbrace: '{', rbrace: '}', eq: '==', ne: '!=', gt: '>', gteq: '>=', lt: '<', lteq: '<=',
  assign: '=', dot: '.', colon: ':', pipe: '|', comma: ',', semicolon: ';',
};
const TYPE_TEXT: Record<string, string> = {
  block_begin: 'begin of statement block', block_end: 'end of statement block', variable_begin: 'begin of print statement',
  variable_end: 'end of print statement', data: 'template data / text', eof: 'end of template',
};

function describeType(type: string): string {
  return OPERATOR_TEXT[type] ?? TYPE_TEXT[type] ?? type;
}

function describe(tok: Token): string {
  return tok.type === 'name' ? String(tok.value) : describeType(tok.type);
}

/** `name:for` style token expressions, as Jinja describes them. */
function describeExpr(expr: string): string {
  const i = expr.indexOf(':');
  if (i !== -1 && expr.slice(0, i) === 'name') return expr.slice(i + 1);
  return describeType(i === -1 ? expr : expr.slice(0, i));
}

const pyQuote = (s: string): string => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`);

export interface ParserOptions {
  /** Salt's tags: import_yaml/json/text, load_yaml/json/text, profile. */
  saltTags?: boolean;
}

export class Parser {
  private i = 0;
  private readonly endTokenStack: string[][] = [];
  private readonly tagStack: string[] = [];
  private readonly tagLines: number[] = [];
  private loopDepth = 0;
  private readonly blocks = new Map<string, Stmt & { t: 'Block' }>();

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly opts: ParserOptions = {},
  ) {}

  /* ---------------------------------------------------------------- stream */

  /** The token at `i`; the lexer's error when the stream ends in one (raised only when reached, as Jinja's lazy lexer). */
  private at(i: number): Token {
    const t = this.tokens[i]!;
    if (t.type === 'error') throw t.value as TemplateError;
    return t;
  }
  private get cur(): Token {
    return this.at(this.i);
  }
  /** The current token's type, read afresh (not narrowed by earlier checks). */
  private curType(): string {
    return this.at(this.i).type;
  }
  private look(): Token {
    return this.at(Math.min(this.i + 1, this.tokens.length - 1));
  }
  private next(): Token {
    const t = this.at(this.i);
    if (t.type !== 'eof') this.i++;
    return t;
  }
  private test(tok: Token, expr: string): boolean {
    const c = expr.indexOf(':');
    if (c === -1) return tok.type === expr;
    return tok.type === expr.slice(0, c) && tok.value === expr.slice(c + 1);
  }
  private skipIf(expr: string): boolean {
    if (this.test(this.cur, expr)) {
      this.next();
      return true;
    }
    return false;
  }
  private expect(expr: string): Token {
    const tok = this.cur;
    if (!this.test(tok, expr)) {
      const want = describeExpr(expr);
      if (tok.type === 'eof') this.fail(`unexpected end of template, expected ${pyQuote(want)}.`, tok.line);
      this.fail(`expected token ${pyQuote(want)}, got ${pyQuote(describe(tok))}`, tok.line);
    }
    return this.next();
  }
  fail(msg: string, line?: number): never {
    throw new TemplateError(msg, 'syntax', this.file, line ?? this.cur.line);
  }

  private failUtEof(name: string | null, stack: string[][], line?: number): never {
    const expected = new Set<string>();
    for (const exprs of stack) for (const e of exprs) expected.add(describeExpr(e));
    const looking = stack.length ? stack[stack.length - 1]!.map((e) => pyQuote(describeExpr(e))).join(' or ') : null;
    const msg = [name === null ? 'Unexpected end of template.' : `Encountered unknown tag ${pyQuote(name)}.`];
    if (looking) {
      if (name !== null && expected.has(name)) {
        msg.push(`You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for ${looking}.`);
      } else msg.push(`Jinja was looking for the following tags: ${looking}.`);
    }
    if (this.tagStack.length) {
      const at = this.tagLines[this.tagLines.length - 1];
      msg.push(`The innermost block that needs to be closed is ${pyQuote(this.tagStack[this.tagStack.length - 1]!)}${at ? ` (opened on line ${at})` : ''}.`);
    }
    this.fail(msg.join(' '), line);
  }

  /* ---------------------------------------------------------------- statements */

  parse(): TemplateNode {
    const body = this.subparse(null);
    return { body, blocks: this.blocks };
  }

  private subparse(endTokens: string[] | null): Stmt[] {
    const body: Stmt[] = [];
    let data: Expr[] = [];
    if (endTokens) this.endTokenStack.push(endTokens);
    const flush = (): void => {
      if (data.length) {
        body.push({ t: 'Output', line: data[0]!.line, nodes: data });
        data = [];
      }
    };
    try {
      while (this.cur.type !== 'eof') {
        const tok = this.cur;
        if (tok.type === 'data') {
          if (tok.value) data.push({ t: 'TemplateData', line: tok.line, data: tok.value as string });
          this.next();
        } else if (tok.type === 'variable_begin') {
          this.next();
          data.push(this.parseTuple({ withCondexpr: true }));
          this.expect('variable_end');
        } else if (tok.type === 'block_begin') {
          flush();
          this.next();
          if (endTokens && endTokens.some((e) => this.test(this.cur, e))) return body;
          const rv = this.parseStatement();
          if (Array.isArray(rv)) body.push(...rv);
          else body.push(rv);
          this.expect('block_end');
        } else {
          this.fail('internal parsing error');
        }
      }
      flush();
    } finally {
      if (endTokens) this.endTokenStack.pop();
    }
    return body;
  }

  private parseStatements(endTokens: string[], dropNeedle = false): Stmt[] {
    this.skipIf('colon');
    this.expect('block_end');
    const result = this.subparse(endTokens);
    if (this.cur.type === 'eof') this.failUtEof(null, [...this.endTokenStack, endTokens]);
    if (dropNeedle) this.next();
    return result;
  }

  private parseStatement(): Stmt | Stmt[] {
    const tok = this.cur;
    if (tok.type !== 'name') this.fail('tag name expected', tok.line);
    const name = tok.value as string;
    this.tagStack.push(name);
    this.tagLines.push(tok.line);
    let pop = true;
    try {
      switch (name) {
        case 'for': return this.parseFor();
        case 'if': return this.parseIf();
        case 'block': return this.parseBlock();
        case 'extends': return { t: 'Extends', line: this.next().line, template: this.parseExpression() };
        case 'print': return this.parsePrint();
        case 'macro': return this.parseMacro();
        case 'include': return this.parseInclude();
        case 'from': return this.parseFrom();
        case 'import': return this.parseImport();
        case 'set': return this.parseSet();
        case 'with': return this.parseWith();
        case 'autoescape': {
          const line = this.next().line;
          const value = this.parseExpression();
          return { t: 'Autoescape', line, value, body: this.parseStatements(['name:endautoescape'], true) };
        }
        case 'call': return this.parseCallBlock();
        case 'filter': return this.parseFilterBlock();
        case 'do': return { t: 'ExprStmt', line: this.next().line, node: this.parseTuple({}) };
        case 'break':
        case 'continue': {
          const line = this.next().line;
          if (this.loopDepth === 0) this.fail(`'${name}' outside loop`, line);
          return { t: name === 'break' ? 'Break' : 'Continue', line };
        }
      }
      if (this.opts.saltTags) {
        const salt = this.parseSaltTag(name);
        if (salt) return salt;
      }
      this.tagStack.pop();
      this.tagLines.pop();
      pop = false;
      return this.failUtEof(name, this.endTokenStack, tok.line);
    } finally {
      if (pop) {
        this.tagStack.pop();
        this.tagLines.pop();
      }
    }
  }

  private parseSaltTag(name: string): Stmt | null {
    let m = /^import_(yaml|json|text)$/.exec(name);
    if (m) {
      const line = this.next().line;
      const template = this.parseExpression();
      this.expect('name:as');
      const target = this.expect('name').value as string;
      return { t: 'ImportData', line, kind: m[1] as 'yaml', template, target, withContext: this.parseImportContext(false) };
    }
    m = /^load_(yaml|json|text)$/.exec(name);
    if (m) {
      const line = this.next().line;
      this.expect('name:as');
      const target = this.expect('name').value as string;
      return { t: 'LoadData', line, kind: m[1] as 'yaml', target, body: this.parseStatements(['name:endload'], true) };
    }
    if (name === 'profile') {
      const line = this.next().line;
      this.expect('name:as');
      this.parseExpression();
      return { t: 'Profile', line, body: this.parseStatements(['name:endprofile'], true) };
    }
    return null;
  }

  private parseFor(): Stmt {
    const line = this.expect('name:for').line;
    const target = this.parseAssignTarget({ extraEndRules: ['name:in'] });
    const names = (t: Target): string[] => (t.t === 'Tuple' ? t.items.flatMap(names) : t.t === 'Name' ? [t.name] : []);
    if (names(target).includes('loop')) this.fail("Can't assign to special loop variable in for-loop target", line);
    this.expect('name:in');
    const iter = this.parseTuple({ withCondexpr: false, extraEndRules: ['name:recursive'] });
    let test: Expr | null = null;
    if (this.skipIf('name:if')) test = this.parseExpression();
    const recursive = this.skipIf('name:recursive');
    this.loopDepth++;
    const body = this.parseStatements(['name:endfor', 'name:else']);
    this.loopDepth--;
    let else_: Stmt[] = [];
    if (this.next().value !== 'endfor') {
      const saved = this.loopDepth;
      this.loopDepth = 0;
      else_ = this.parseStatements(['name:endfor'], true);
      this.loopDepth = saved;
    }
    return { t: 'For', line, target, iter, body, else_, test, recursive };
  }

  private parseIf(): Stmt {
    const line = this.expect('name:if').line;
    const test = this.parseTuple({ withCondexpr: false });
    const body = this.parseStatements(['name:elif', 'name:else', 'name:endif']);
    const node: Stmt & { t: 'If' } = { t: 'If', line, test, body, elifs: [], else_: [] };
    for (;;) {
      const tok = this.next();
      if (this.test(tok, 'name:elif')) {
        const eline = this.cur.line;
        const etest = this.parseTuple({ withCondexpr: false });
        node.elifs.push({ line: eline, test: etest, body: this.parseStatements(['name:elif', 'name:else', 'name:endif']) });
        continue;
      }
      if (this.test(tok, 'name:else')) node.else_ = this.parseStatements(['name:endif'], true);
      break;
    }
    return node;
  }

  private parseBlock(): Stmt {
    const line = this.next().line;
    const name = this.expect('name').value as string;
    const scoped = this.skipIf('name:scoped');
    const required = this.skipIf('name:required');
    if (this.cur.type === 'sub') {
      this.fail('Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.');
    }
    const saved = this.loopDepth;
    this.loopDepth = 0;
    const body = this.parseStatements(['name:endblock'], true);
    this.loopDepth = saved;
    if (required && !body.every((s) => s.t === 'Output' && s.nodes.every((n) => n.t === 'TemplateData' && /^\s+$/.test(n.data)))) {
      this.fail('Required blocks can only contain comments or whitespace');
    }
    this.skipIf('name:' + name);
    if (this.blocks.has(name)) this.fail(`block '${name}' defined twice`, line);
    const node: Stmt & { t: 'Block' } = { t: 'Block', line, name, scoped, required, body };
    this.blocks.set(name, node);
    return node;
  }

  private parsePrint(): Stmt {
    const line = this.next().line;
    const nodes: Expr[] = [];
    while (this.cur.type !== 'block_end') {
      if (nodes.length) this.expect('comma');
      nodes.push(this.parseExpression());
    }
    return { t: 'Output', line, nodes };
  }

  private parseImportContext(dflt: boolean): boolean {
    if ((this.test(this.cur, 'name:with') || this.test(this.cur, 'name:without')) && this.test(this.look(), 'name:context')) {
      const w = this.next().value === 'with';
      this.next();
      return w;
    }
    return dflt;
  }

  private parseInclude(): Stmt {
    const line = this.next().line;
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.test(this.cur, 'name:ignore') && this.test(this.look(), 'name:missing')) {
      ignoreMissing = true;
      this.next();
      this.next();
    }
    return { t: 'Include', line, template, ignoreMissing, withContext: this.parseImportContext(true) };
  }

  private parseImport(): Stmt {
    const line = this.next().line;
    const template = this.parseExpression();
    this.expect('name:as');
    const target = this.expect('name').value as string;
    return { t: 'Import', line, template, target, withContext: this.parseImportContext(false) };
  }

  private parseFrom(): Stmt {
    const line = this.next().line;
    const template = this.parseExpression();
    this.expect('name:import');
    const names: [string, string][] = [];
    let withContext: boolean | undefined;
    const parseContext = (): boolean => {
      if ((this.cur.value === 'with' || this.cur.value === 'without') && this.cur.type === 'name' && this.test(this.look(), 'name:context')) {
        withContext = this.next().value === 'with';
        this.next();
        return true;
      }
      return false;
    };
    for (;;) {
      if (names.length) this.expect('comma');
      if (this.cur.type === 'name') {
        if (parseContext()) break;
        const tok = this.expect('name');
        const target = tok.value as string;
        if (target.startsWith('_')) this.fail('names starting with an underline can not be imported', tok.line);
        if (this.skipIf('name:as')) names.push([target, this.expect('name').value as string]);
        else names.push([target, target]);
        if (parseContext() || this.curType() !== 'comma') break;
      } else {
        this.expect('name');
      }
    }
    return { t: 'FromImport', line, template, names, withContext: withContext ?? false };
  }

  private parseSignature(): MacroSig {
    const args: string[] = [];
    const defaults: Expr[] = [];
    this.expect('lparen');
    while (this.cur.type !== 'rparen') {
      if (args.length) this.expect('comma');
      const name = this.expect('name').value as string;
      if (this.skipIf('assign')) defaults.push(this.parseExpression());
      else if (defaults.length) this.fail('non-default argument follows default argument');
      args.push(name);
    }
    this.expect('rparen');
    return { args, defaults };
  }

  private withoutLoop<T>(f: () => T): T {
    const saved = this.loopDepth;
    this.loopDepth = 0;
    try {
      return f();
    } finally {
      this.loopDepth = saved;
    }
  }

  private parseMacro(): Stmt {
    const line = this.next().line;
    const name = this.expect('name').value as string;
    const sig = this.parseSignature();
    const body = this.withoutLoop(() => this.parseStatements(['name:endmacro'], true));
    return { t: 'Macro', line, name, sig, body };
  }

  private parseCallBlock(): Stmt {
    const line = this.next().line;
    const sig = this.cur.type === 'lparen' ? this.parseSignature() : { args: [], defaults: [] };
    const call = this.parseExpression();
    if (call.t !== 'Call') this.fail('expected call', line);
    const body = this.withoutLoop(() => this.parseStatements(['name:endcall'], true));
    return { t: 'CallBlock', line, call: call as Expr & { t: 'Call' }, sig, body };
  }

  private parseFilterBlock(): Stmt {
    const line = this.next().line;
    const filter = this.parseFilter(null, true)!;
    return { t: 'FilterBlock', line, filter, body: this.parseStatements(['name:endfilter'], true) };
  }

  private parseSet(): Stmt {
    const line = this.next().line;
    const target = this.parseAssignTarget({ withNamespace: true });
    if (this.skipIf('assign')) return { t: 'Assign', line, target, node: this.parseTuple({}) };
    const filter = this.parseFilter(null);
    return { t: 'AssignBlock', line, target, filter, body: this.parseStatements(['name:endset'], true) };
  }

  private parseWith(): Stmt {
    const line = this.next().line;
    const targets: Target[] = [];
    const values: Expr[] = [];
    while (this.cur.type !== 'block_end') {
      if (targets.length) this.expect('comma');
      targets.push(this.parseAssignTarget({}));
      this.expect('assign');
      values.push(this.parseExpression());
    }
    return { t: 'With', line, targets, values, body: this.parseStatements(['name:endwith'], true) };
  }

  private parseAssignTarget(o: { extraEndRules?: string[]; withNamespace?: boolean; withTuple?: boolean }): Target {
    if (o.withNamespace && this.look().type === 'dot') {
      const tok = this.expect('name');
      this.next();
      const attr = this.expect('name').value as string;
      return { t: 'NSRef', line: tok.line, name: tok.value as string, attr };
    }
    const expr = o.withTuple === false ? this.parsePrimary() : this.parseTuple({ simplified: true, extraEndRules: o.extraEndRules });
    return this.toTarget(expr);
  }

  private toTarget(e: Expr): Target {
    if (e.t === 'Name') return e;
    if (e.t === 'Tuple') return { t: 'Tuple', line: e.line, items: e.items.map((x) => this.toTarget(x)) };
    this.fail(`can't assign to ${pyQuote(e.t === 'Const' ? 'const' : e.t.toLowerCase())}`, e.line);
  }

  /* ---------------------------------------------------------------- expressions */

  parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    let line = this.cur.line;
    let expr1 = this.parseOr();
    while (this.skipIf('name:if')) {
      const test = this.parseOr();
      const expr2 = this.skipIf('name:else') ? this.parseCondexpr() : null;
      expr1 = { t: 'CondExpr', line, test, expr1, expr2 };
      line = this.cur.line;
    }
    return expr1;
  }

  private parseOr(): Expr {
    let line = this.cur.line;
    let left = this.parseAnd();
    while (this.skipIf('name:or')) {
      left = { t: 'Or', line, left, right: this.parseAnd() };
      line = this.cur.line;
    }
    return left;
  }

  private parseAnd(): Expr {
    let line = this.cur.line;
    let left = this.parseNot();
    while (this.skipIf('name:and')) {
      left = { t: 'And', line, left, right: this.parseNot() };
      line = this.cur.line;
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.test(this.cur, 'name:not')) {
      const line = this.next().line;
      return { t: 'Not', line, node: this.parseNot() };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    let line = this.cur.line;
    const expr = this.parseMath1();
    const ops: { op: CompareOp; expr: Expr }[] = [];
    for (;;) {
      const type = this.cur.type;
      if (COMPARE.has(type)) {
        this.next();
        ops.push({ op: type as CompareOp, expr: this.parseMath1() });
      } else if (this.skipIf('name:in')) {
        ops.push({ op: 'in', expr: this.parseMath1() });
      } else if (this.test(this.cur, 'name:not') && this.test(this.look(), 'name:in')) {
        this.next();
        this.next();
        ops.push({ op: 'notin', expr: this.parseMath1() });
      } else break;
      line = this.cur.line;
    }
    return ops.length ? { t: 'Compare', line, expr, ops } : expr;
  }

  private parseMath1(): Expr {
    let line = this.cur.line;
    let left = this.parseConcat();
    while (this.cur.type === 'add' || this.cur.type === 'sub') {
      const op = this.next().type as 'add';
      left = { t: 'BinOp', line, op, left, right: this.parseConcat() };
      line = this.cur.line;
    }
    return left;
  }

  private parseConcat(): Expr {
    const line = this.cur.line;
    const args = [this.parseMath2()];
    while (this.cur.type === 'tilde') {
      this.next();
      args.push(this.parseMath2());
    }
    return args.length === 1 ? args[0]! : { t: 'Concat', line, nodes: args };
  }

  private parseMath2(): Expr {
    let line = this.cur.line;
    let left = this.parsePow();
    while (['mul', 'div', 'floordiv', 'mod'].includes(this.cur.type)) {
      const op = this.next().type as 'mul';
      left = { t: 'BinOp', line, op, left, right: this.parsePow() };
      line = this.cur.line;
    }
    return left;
  }

  private parsePow(): Expr {
    let line = this.cur.line;
    let left = this.parseUnary();
    while (this.cur.type === 'pow') {
      this.next();
      left = { t: 'BinOp', line, op: 'pow', left, right: this.parseUnary() };
      line = this.cur.line;
    }
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    const type = this.cur.type;
    const line = this.cur.line;
    let node: Expr;
    if (type === 'sub') {
      this.next();
      node = { t: 'Neg', line, node: this.parseUnary(false) };
    } else if (type === 'add') {
      this.next();
      node = { t: 'Pos', line, node: this.parseUnary(false) };
    } else node = this.parsePrimary();
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(): Expr {
    const tok = this.cur;
    if (tok.type === 'name') {
      this.next();
      const v = tok.value as string;
      if (v === 'true' || v === 'True' || v === 'false' || v === 'False') return { t: 'Const', line: tok.line, value: v === 'true' || v === 'True' };
      if (v === 'none' || v === 'None') return { t: 'Const', line: tok.line, value: null };
      return { t: 'Name', line: tok.line, name: v };
    }
    if (tok.type === 'string') {
      this.next();
      let s = tok.value as string;
      while (this.cur.type === 'string') s += this.next().value as string;
      return { t: 'Const', line: tok.line, value: s };
    }
    if (tok.type === 'integer' || tok.type === 'float') {
      this.next();
      return { t: 'Const', line: tok.line, value: tok.value };
    }
    if (tok.type === 'lparen') {
      this.next();
      const node = this.parseTuple({ explicitParentheses: true });
      this.expect('rparen');
      return node;
    }
    if (tok.type === 'lbracket') return this.parseList();
    if (tok.type === 'lbrace') return this.parseDict();
    if (tok.type === 'eof') this.fail(`unexpected ${pyQuote(describe(tok))}`, tok.line);
    this.fail(`unexpected ${pyQuote(describe(tok))}`, tok.line);
  }

  /**
   * Jinja2's is_tuple_end passes its extra end rules to `test_any` as one tuple, so they never match: after a
   * trailing comma, `{% for x, in l %}` reads `in` as a second target. Kept as Jinja does it.
   */
  private isTupleEnd(_extra?: string[]): boolean {
    const t = this.cur.type;
    return t === 'variable_end' || t === 'block_end' || t === 'rparen';
  }

  parseTuple(o: { simplified?: boolean; withCondexpr?: boolean; extraEndRules?: string[]; explicitParentheses?: boolean }): Expr {
    let line = this.cur.line;
    const parse = o.simplified ? () => this.parsePrimary() : () => this.parseExpression(o.withCondexpr !== false);
    const args: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (args.length) this.expect('comma');
      if (this.isTupleEnd(o.extraEndRules)) break;
      args.push(parse());
      if (this.cur.type === 'comma') isTuple = true;
      else break;
      line = this.cur.line;
    }
    if (!isTuple) {
      if (args.length) return args[0]!;
      if (!o.explicitParentheses) this.fail(`Expected an expression, got ${pyQuote(describe(this.cur))}`);
    }
    return { t: 'Tuple', line, items: args };
  }

  private parseList(): Expr {
    const line = this.expect('lbracket').line;
    const items: Expr[] = [];
    while (this.cur.type !== 'rbracket') {
      if (items.length) this.expect('comma');
      if (this.cur.type === 'rbracket') break;
      items.push(this.parseExpression());
    }
    this.expect('rbracket');
    return { t: 'List', line, items };
  }

  private parseDict(): Expr {
    const line = this.expect('lbrace').line;
    const items: [Expr, Expr][] = [];
    while (this.cur.type !== 'rbrace') {
      if (items.length) this.expect('comma');
      if (this.cur.type === 'rbrace') break;
      const key = this.parseExpression();
      this.expect('colon');
      items.push([key, this.parseExpression()]);
    }
    this.expect('rbrace');
    return { t: 'Dict', line, items };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const t = this.cur.type;
      if (t === 'dot' || t === 'lbracket') node = this.parseSubscript(node);
      else if (t === 'lparen') node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      const t = this.cur.type;
      if (t === 'pipe') node = this.parseFilter(node)!;
      else if (t === 'name' && this.cur.value === 'is') node = this.parseTest(node);
      else if (t === 'lparen') node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const tok = this.next();
    if (tok.type === 'dot') {
      const attr = this.cur;
      this.next();
      if (attr.type === 'name') return { t: 'Getattr', line: tok.line, node, attr: attr.value as string };
      if (attr.type !== 'integer') this.fail('expected name or number', attr.line);
      return { t: 'Getitem', line: tok.line, node, arg: { t: 'Const', line: attr.line, value: attr.value } };
    }
    if (tok.type === 'lbracket') {
      const args: Expr[] = [];
      while (this.cur.type !== 'rbracket') {
        if (args.length) this.expect('comma');
        args.push(this.parseSubscribed());
      }
      this.expect('rbracket');
      const arg: Expr = args.length === 1 ? args[0]! : { t: 'Tuple', line: tok.line, items: args };
      return { t: 'Getitem', line: tok.line, node, arg };
    }
    this.fail('expected subscript expression', tok.line);
  }

  private parseSubscribed(): Expr {
    const line = this.cur.line;
    const parts: (Expr | null)[] = [];
    if (this.cur.type === 'colon') {
      this.next();
      parts.push(null);
    } else {
      const node = this.parseExpression();
      if (this.cur.type !== 'colon') return node;
      this.next();
      parts.push(node);
    }
    if (this.cur.type === 'colon') parts.push(null);
    else if (this.cur.type !== 'rbracket' && this.cur.type !== 'comma') parts.push(this.parseExpression());
    else parts.push(null);
    if (this.curType() === 'colon') {
      this.next();
      if (this.curType() !== 'rbracket' && this.curType() !== 'comma') parts.push(this.parseExpression());
      else parts.push(null);
    } else parts.push(null);
    return { t: 'Slice', line, start: parts[0]!, stop: parts[1]!, step: parts[2]! };
  }

  private parseCallArgs(): CallArgs {
    const tok = this.expect('lparen');
    const out: CallArgs = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    let requireComma = false;
    const ensure = (ok: boolean): void => {
      if (!ok) this.fail('invalid syntax for function call expression', tok.line);
    };
    while (this.cur.type !== 'rparen') {
      if (requireComma) {
        this.expect('comma');
        if (this.cur.type === 'rparen') break;
      }
      if (this.cur.type === 'mul') {
        ensure(out.dynArgs === null && out.dynKwargs === null);
        this.next();
        out.dynArgs = this.parseExpression();
      } else if (this.cur.type === 'pow') {
        ensure(out.dynKwargs === null);
        this.next();
        out.dynKwargs = this.parseExpression();
      } else if (this.cur.type === 'name' && this.look().type === 'assign') {
        ensure(out.dynKwargs === null);
        const key = this.cur.value as string;
        this.next();
        this.next();
        out.kwargs.push([key, this.parseExpression()]);
      } else {
        ensure(out.dynArgs === null && out.dynKwargs === null && out.kwargs.length === 0);
        out.args.push(this.parseExpression());
      }
      requireComma = true;
    }
    this.expect('rparen');
    return out;
  }

  private parseCall(node: Expr): Expr {
    const line = this.cur.line;
    return { t: 'Call', line, node, call: this.parseCallArgs() };
  }

  private parseFilter(node: Expr | null, startInline = false): Expr | null {
    while (this.cur.type === 'pipe' || startInline) {
      if (!startInline) this.next();
      const tok = this.expect('name');
      let name = tok.value as string;
      while (this.cur.type === 'dot') {
        this.next();
        name += '.' + (this.expect('name').value as string);
      }
      const call = this.cur.type === 'lparen' ? this.parseCallArgs() : { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
      node = { t: 'Filter', line: tok.line, node, name, call };
      startInline = false;
    }
    return node;
  }

  private parseTest(node: Expr): Expr {
    const tok = this.next();
    const negated = this.skipIf('name:not');
    let name = this.expect('name').value as string;
    while (this.cur.type === 'dot') {
      this.next();
      name += '.' + (this.expect('name').value as string);
    }
    let call: CallArgs = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    const c = this.cur;
    if (c.type === 'lparen') call = this.parseCallArgs();
    else if (
      ['name', 'string', 'integer', 'float', 'lparen', 'lbracket', 'lbrace'].includes(c.type) &&
      !(c.type === 'name' && (c.value === 'else' || c.value === 'or' || c.value === 'and'))
    ) {
      if (this.test(c, 'name:is')) this.fail('You cannot chain multiple tests with is');
      call = { ...call, args: [this.parsePostfix(this.parsePrimary())] };
    }
    const test: Expr = { t: 'Test', line: tok.line, node, name, call };
    return negated ? { t: 'Not', line: tok.line, node: test } : test;
  }
}
