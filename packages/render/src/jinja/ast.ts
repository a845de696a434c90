/** Jinja2's node tree (jinja2/nodes.py), as a discriminated union on `t`. `line` is 1-based. */

export type Expr =
  | { t: 'Const'; line: number; value: unknown }
  | { t: 'Name'; line: number; name: string }
  | { t: 'Tuple'; line: number; items: Expr[] }
  | { t: 'List'; line: number; items: Expr[] }
  | { t: 'Dict'; line: number; items: [Expr, Expr][] }
  | { t: 'Getattr'; line: number; node: Expr; attr: string }
  | { t: 'Getitem'; line: number; node: Expr; arg: Expr }
  | { t: 'Slice'; line: number; start: Expr | null; stop: Expr | null; step: Expr | null }
  | { t: 'Call'; line: number; node: Expr; call: CallArgs }
  | { t: 'Filter'; line: number; node: Expr | null; name: string; call: CallArgs }
  | { t: 'Test'; line: number; node: Expr; name: string; call: CallArgs }
  | { t: 'CondExpr'; line: number; test: Expr; expr1: Expr; expr2: Expr | null }
  | { t: 'BinOp'; line: number; op: BinOpName; left: Expr; right: Expr }
  | { t: 'And' | 'Or'; line: number; left: Expr; right: Expr }
  | { t: 'Not' | 'Neg' | 'Pos'; line: number; node: Expr }
  | { t: 'Concat'; line: number; nodes: Expr[] }
  | { t: 'Compare'; line: number; expr: Expr; ops: { op: CompareOp; expr: Expr }[] }
  | { t: 'TemplateData'; line: number; data: string };

export type BinOpName = 'add' | 'sub' | 'mul' | 'div' | 'floordiv' | 'mod' | 'pow';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'lteq' | 'gt' | 'gteq' | 'in' | 'notin';

export interface CallArgs {
  args: Expr[];
  kwargs: [string, Expr][];
  dynArgs: Expr | null;
  dynKwargs: Expr | null;
}

/** Assignment targets: a name, a namespace attribute, or a tuple of targets. */
export type Target =
  | { t: 'Name'; line: number; name: string }
  | { t: 'NSRef'; line: number; name: string; attr: string }
  | { t: 'Tuple'; line: number; items: Target[] };

export interface MacroSig {
  args: string[];
  defaults: Expr[];
}

export type Stmt =
  | { t: 'Output'; line: number; nodes: Expr[] }
  | { t: 'If'; line: number; test: Expr; body: Stmt[]; elifs: { test: Expr; body: Stmt[]; line: number }[]; else_: Stmt[] }
  | {
      t: 'For';
      line: number;
      target: Target;
      iter: Expr;
      body: Stmt[];
      else_: Stmt[];
      test: Expr | null;
      recursive: boolean;
    }
  | { t: 'Assign'; line: number; target: Target; node: Expr }
  | { t: 'AssignBlock'; line: number; target: Target; filter: Expr | null; body: Stmt[] }
  | { t: 'With'; line: number; targets: Target[]; values: Expr[]; body: Stmt[] }
  | { t: 'Macro'; line: number; name: string; sig: MacroSig; body: Stmt[] }
  | { t: 'CallBlock'; line: number; call: Expr & { t: 'Call' }; sig: MacroSig; body: Stmt[] }
  | { t: 'FilterBlock'; line: number; filter: Expr; body: Stmt[] }
  | { t: 'Block'; line: number; name: string; scoped: boolean; required: boolean; body: Stmt[] }
  | { t: 'Extends'; line: number; template: Expr }
  | { t: 'Include'; line: number; template: Expr; ignoreMissing: boolean; withContext: boolean }
  | { t: 'Import'; line: number; template: Expr; target: string; withContext: boolean }
  | { t: 'FromImport'; line: number; template: Expr; names: [string, string][]; withContext: boolean }
  | { t: 'ExprStmt'; line: number; node: Expr }
  | { t: 'Break' | 'Continue'; line: number }
  | { t: 'Autoescape'; line: number; value: Expr; body: Stmt[] }
  /** Salt's `import_yaml` / `import_json` / `import_text`. */
  | { t: 'ImportData'; line: number; kind: 'yaml' | 'json' | 'text'; template: Expr; target: string; withContext: boolean }
  /** Salt's `load_yaml` / `load_json` / `load_text` blocks. */
  | { t: 'LoadData'; line: number; kind: 'yaml' | 'json' | 'text'; target: string; body: Stmt[] }
  /** Salt's `{% profile as 'label' %}...{% endprofile %}`: renders the body. */
  | { t: 'Profile'; line: number; body: Stmt[] };

export interface TemplateNode {
  body: Stmt[];
  /** Top-level `{% block %}` definitions by name (every block, nested ones too). */
  blocks: Map<string, Stmt & { t: 'Block' }>;
}
