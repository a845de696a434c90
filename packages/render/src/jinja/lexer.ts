/**
 * Jinja2 3.1's lexer: the same states, rules and whitespace handling (`-`/`+` markers, trim_blocks, lstrip_blocks,
 * raw blocks, line statements and line comments), bracket balancing inside tags, Python string escapes and number
 * literals. Produces the token stream the parser reads.
 */
import { TemplateError } from './errors';
import { mkFloat } from './values';

export interface Token {
  line: number;
  type: string;
  value: string | number | bigint | object;
}

export interface LexerOptions {
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  keepTrailingNewline?: boolean;
  lineStatementPrefix?: string | null;
  lineCommentPrefix?: string | null;
}

const OPERATORS: Record<string, string> = {
  '+': 'add', '-': 'sub', '/': 'div', '//': 'floordiv', '*': 'mul', '%': 'mod', '**': 'pow', '~': 'tilde',
  '[': 'lbracket', ']': 'rbracket', '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace',
  '==': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gteq', '<': 'lt', '<=': 'lteq', '=': 'assign', '.': 'dot',
  ':': 'colon', '|': 'pipe', ',': 'comma', ';': 'semicolon',
};

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const WHITESPACE = /\s+/y;
const FLOAT = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER = /(?:0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*)/iy;
const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy;
const OPERATOR = /\/\/|\*\*|==|!=|>=|<=|[+\-/*%~[\](){}><=.:|,;]/y;

interface Rules {
  root: RegExp;
  commentEnd: RegExp;
  blockEnd: RegExp;
  variableEnd: RegExp;
  rawEnd: RegExp;
  lineStatementEnd: RegExp;
  lineComment: RegExp;
}

function compileRules(o: LexerOptions): Rules {
  const suffix = o.trimBlocks ? '\\n?' : '';
  const alts: { len: number; name: string; re: string }[] = [
    { len: 2, name: 'comment_begin', re: '\\{#' },
    { len: 2, name: 'block_begin', re: '\\{%' },
    { len: 2, name: 'variable_begin', re: '\\{\\{' },
  ];
  if (o.lineStatementPrefix != null) {
    alts.push({ len: o.lineStatementPrefix.length, name: 'linestatement_begin', re: '^[ \\t\\v]*' + esc(o.lineStatementPrefix) });
  }
  if (o.lineCommentPrefix != null) {
    alts.push({ len: o.lineCommentPrefix.length, name: 'linecomment_begin', re: '(?:^|(?<=\\S))[^\\S\\r\\n]*' + esc(o.lineCommentPrefix) });
  }
  // Python sorts (len, name, re) in reverse: longer first, then by name descending.
  alts.sort((a, b) => b.len - a.len || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const raw = '(?<raw_begin>\\{%(?<raw_sign>-|\\+|)\\s*raw\\s*(?:-%\\}\\s*|%\\}))';
  const parts = [raw, ...alts.map((a) => `(?<${a.name}>${a.re}(?<${a.name}_sign>-|\\+|))`)].join('|');
  return {
    root: new RegExp(`([\\s\\S]*?)(?:${parts})`, 'my'),
    commentEnd: new RegExp(`([\\s\\S]*?)((?:\\+#\\}|-#\\}\\s*|#\\}${suffix}))`, 'my'),
    blockEnd: new RegExp(`(?:\\+%\\}|-%\\}\\s*|%\\}${suffix})`, 'my'),
    variableEnd: /-\}\}\s*|\}\}/my,
    rawEnd: new RegExp(`([\\s\\S]*?)((?:\\{%(-|\\+|))\\s*endraw\\s*(?:\\+%\\}|-%\\}\\s*|%\\}${suffix}))`, 'my'),
    lineStatementEnd: /\s*(?:\n|$)/my,
    lineComment: /([\s\S]*?)(?=\n|$)/my,
  };
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

/** Python's `unicode-escape` decoding of a string literal's body. */
export function unescapeString(s: string, line: number, file: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i === s.length - 1) {
      out += c;
      continue;
    }
    const n = s[i + 1]!;
    if (n in ESCAPES) {
      out += ESCAPES[n];
      i++;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length;
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
        throw new TemplateError(`truncated \\${n}${'X'.repeat(len)} escape`, 'syntax', file, line);
      }
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new TemplateError('illegal Unicode character', 'syntax', file, line);
      out += String.fromCodePoint(cp);
      i += 1 + len;
    } else if (n === 'N') {
      throw new TemplateError('\\N{...} escapes are not supported (write the character itself)', 'syntax', file, line);
    } else {
      out += c;
    }
  }
  return out;
}

function parseInteger(text: string): number | bigint {
  const t = text.replace(/_/g, '').toLowerCase();
  let big: bigint;
  if (t.startsWith('0b') || t.startsWith('0o') || t.startsWith('0x')) big = BigInt(t);
  else big = BigInt(t);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

const countNl = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

const TAG_KINDS = ['raw_begin', 'comment_begin', 'block_begin', 'variable_begin', 'linestatement_begin', 'linecomment_begin'];

/**
 * Tokenize a template; whitespace, comments and raw markers are dropped as Jinja's `wrap` does. A lexing error ends
 * the tokens with an `error` token that the parser raises when it reaches it: Jinja's lexer is a lazy stream, so a
 * syntax error the parser meets earlier in the template is the one reported (`{%- set d = {{ 1 }}` at its line, not
 * the stray `&` in text further down that the still open tag swallowed).
 */
export function tokenize(source: string, file: string, o: LexerOptions): Token[] {
  const tokens: Token[] = [];
  try {
    lex(source, file, o, tokens);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    tokens.push({ line: e.line ?? 1, type: 'error', value: e });
  }
  return tokens;
}

function lex(source: string, file: string, o: LexerOptions, tokens: Token[]): void {
  const rules = compileRules(o);
  let src = source.replace(/\r\n|\r/g, '\n');
  if (!o.keepTrailingNewline && src.endsWith('\n')) src = src.slice(0, -1);
  const push = (line: number, type: string, value: Token['value']): void => {
    tokens.push({ line, type, value });
  };
  let pos = 0;
  let line = 1;
  let lineStarting = true;
  const len = src.length;
  const fail = (msg: string): never => {
    throw new TemplateError(msg, 'syntax', file, line);
  };

  /**
   * Tokens inside a tag until `end` matches with brackets balanced. `endStarts`: the characters `end` can start
   * with (when known), so that it is not tried before every token. Likewise each token rule below is tried only
   * where the character at hand can start it; the first rule that matches wins, as in Jinja.
   */
  const tagBody = (end: RegExp, endType: string, endStarts?: string): void => {
    const balance: string[] = [];
    for (;;) {
      if (balance.length === 0 && (endStarts === undefined || endStarts.includes(src[pos] ?? ''))) {
        end.lastIndex = pos;
        const m = end.exec(src);
        if (m) {
          push(line, endType, m[0]);
          line += countNl(m[0]);
          lineStarting = m[0].endsWith('\n');
          pos = end.lastIndex;
          return;
        }
      }
      if (pos >= len) {
        fail(endType === 'block_end' ? "unexpected end of template, expected 'end of statement block'" : endType === 'variable_end' ? "unexpected end of template, expected 'end of print statement'" : 'unexpected end of template');
      }
      let m: RegExpExecArray | null;
      const c = src.charCodeAt(pos);
      // test() and slice() where the match itself is not needed: no match array per token.
      WHITESPACE.lastIndex = pos;
      if ((c <= 32 || c >= 128) && WHITESPACE.test(src)) {
        const e = WHITESPACE.lastIndex;
        for (let i = pos; i < e; i++) if (src.charCodeAt(i) === 10) line++;
        lineStarting = src.charCodeAt(e - 1) === 10;
        pos = e;
        continue;
      }
      lineStarting = false;
      const digit = c >= 48 && c <= 57;
      FLOAT.lastIndex = pos;
      if (digit && (m = FLOAT.exec(src))) {
        push(line, 'float', mkFloat(Number(m[0].replace(/_/g, ''))));
        pos = FLOAT.lastIndex;
        continue;
      }
      INTEGER.lastIndex = pos;
      if (digit && (m = INTEGER.exec(src))) {
        push(line, 'integer', parseInteger(m[0]));
        pos = INTEGER.lastIndex;
        continue;
      }
      NAME.lastIndex = pos;
      if ((c >= 128 || c === 95 || ((c | 32) >= 97 && (c | 32) <= 122)) && NAME.test(src)) {
        push(line, 'name', src.slice(pos, NAME.lastIndex));
        pos = NAME.lastIndex;
        continue;
      }
      STRING.lastIndex = pos;
      if ((c === 39 || c === 34) && (m = STRING.exec(src))) {
        const body = m[1] ?? m[2] ?? '';
        push(line, 'string', unescapeString(body, line, file));
        line += countNl(m[0]);
        pos = STRING.lastIndex;
        continue;
      }
      OPERATOR.lastIndex = pos;
      if (OPERATOR.test(src)) {
        const op = src.slice(pos, OPERATOR.lastIndex);
        if (op === '{' || op === '(' || op === '[') balance.push(op === '{' ? '}' : op === '(' ? ')' : ']');
        else if (op === '}' || op === ')' || op === ']') {
          if (!balance.length) fail(`unexpected '${op}'`);
          const want = balance.pop();
          if (want !== op) fail(`unexpected '${op}', expected '${want}'`);
        }
        push(line, OPERATORS[op]!, op);
        pos = OPERATOR.lastIndex;
        continue;
      }
      fail(`unexpected char ${JSON.stringify(src[pos])} at ${pos}`.replace(/^unexpected char "(.*)"/, "unexpected char '$1'"));
    }
  };

  while (pos < len) {
    rules.root.lastIndex = pos;
    const m = rules.root.exec(src);
    if (!m) {
      const text = src.slice(pos);
      push(line, 'data', text);
      line += countNl(text);
      break;
    }
    const g = m.groups!;
    const kind = TAG_KINDS.find((k) => g[k] !== undefined)!;
    const sign = kind === 'raw_begin' ? g['raw_sign']! : g[kind + '_sign']!;
    let text = m[1]!;
    let stripped = 0;
    if (sign === '-') {
      const t = text.replace(/\s+$/, '');
      stripped = countNl(text.slice(t.length));
      text = t;
    } else if (sign !== '+' && o.lstripBlocks && kind !== 'variable_begin') {
      const lpos = text.lastIndexOf('\n') + 1;
      if ((lpos > 0 || lineStarting) && /^[ \t\v\f\r]*$/.test(text.slice(lpos))) text = text.slice(0, lpos);
    }
    if (text) push(line, 'data', text);
    line += countNl(text) + stripped;
    const tag = g[kind]!;
    const tagLine = line;
    line += countNl(tag);
    lineStarting = m[0].endsWith('\n');
    pos = rules.root.lastIndex;

    switch (kind) {
      case 'comment_begin': {
        rules.commentEnd.lastIndex = pos;
        const c = rules.commentEnd.exec(src);
        if (!c) {
          line = tagLine;
          fail('Missing end of comment tag');
        }
        line += countNl(c![0]);
        lineStarting = c![0].endsWith('\n');
        pos = rules.commentEnd.lastIndex;
        break;
      }
      case 'linecomment_begin': {
        rules.lineComment.lastIndex = pos;
        const c = rules.lineComment.exec(src)!;
        pos = rules.lineComment.lastIndex;
        lineStarting = false;
        void c;
        break;
      }
      case 'raw_begin': {
        rules.rawEnd.lastIndex = pos;
        const r = rules.rawEnd.exec(src);
        if (!r) fail('Missing end of raw directive');
        let body = r![1]!;
        const endSign = r![3]!;
        let rstripped = 0;
        if (endSign === '-') {
          const t = body.replace(/\s+$/, '');
          rstripped = countNl(body.slice(t.length));
          body = t;
        } else if (endSign !== '+' && o.lstripBlocks) {
          const lpos = body.lastIndexOf('\n') + 1;
          if ((lpos > 0 || lineStarting) && /^[ \t\v\f\r]*$/.test(body.slice(lpos))) body = body.slice(0, lpos);
        }
        if (body) push(line, 'data', body);
        line += countNl(body) + rstripped + countNl(r![2]!);
        lineStarting = r![0].endsWith('\n');
        pos = rules.rawEnd.lastIndex;
        break;
      }
      case 'block_begin':
        push(tagLine, 'block_begin', tag);
        tagBody(rules.blockEnd, 'block_end', '+-%');
        break;
      case 'linestatement_begin':
        push(tagLine, 'block_begin', tag);
        tagBody(rules.lineStatementEnd, 'block_end');
        break;
      case 'variable_begin':
        push(tagLine, 'variable_begin', tag);
        tagBody(rules.variableEnd, 'variable_end', '-}');
        break;
    }
  }
  // Jinja's end-of-template token carries the line of the last real token.
  push(tokens.length ? tokens[tokens.length - 1]!.line : 1, 'eof', '');
}
