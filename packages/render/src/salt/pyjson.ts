/** Python's `json.dumps` / `json.loads` over template values, with the options Salt passes. */
import { TemplateError } from '../jinja/errors';
import { PyDict, PyFloat, Undefined, dictEntries, isDict, mkFloat, pyStr, reprFloat, typeName, undefinedError } from '../jinja/values';
import { pyKeyCompare } from './pyyaml';

export interface PyJsonOptions {
  sortKeys?: boolean;
  /** Python's indent: a number of spaces, a string, or null for one line. */
  indent?: number | string | null;
  separators?: [string, string] | null;
  /** Escape every non-ASCII character (json's default; salt.utils.json.dumps turns it off). */
  ensureAscii?: boolean;
}

function quote(s: string, ascii: boolean): string {
  const body = JSON.stringify(s);
  return ascii ? body.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : body;
}

function number(v: number | bigint | PyFloat): string {
  if (typeof v === 'bigint') return v.toString();
  const n = v instanceof PyFloat ? v.v : v;
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return v instanceof PyFloat || !Number.isInteger(n) ? reprFloat(n) : String(n);
}

function keyText(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number' || typeof k === 'bigint' || k instanceof PyFloat) return number(k);
  throw new TemplateError(`keys must be str, int, float, bool or None, not ${typeName(k)}`, 'type');
}

export function pyJsonDumps(v: unknown, o: PyJsonOptions = {}): string {
  const ind = o.indent === undefined || o.indent === null ? null : typeof o.indent === 'number' ? ' '.repeat(o.indent) : o.indent;
  const [itemSep, keySep] = o.separators ?? (ind === null ? [', ', ': '] : [',', ': ']);
  const ascii = o.ensureAscii !== false;
  const nl = (l: number): string => (ind === null ? '' : '\n' + ind.repeat(l));
  const walk = (x: unknown, level: number): string => {
    if (x instanceof Undefined) throw undefinedError(x);
    if (x === null || x === undefined) return 'null';
    if (typeof x === 'boolean') return x ? 'true' : 'false';
    if (typeof x === 'number' || typeof x === 'bigint' || x instanceof PyFloat) return number(x);
    if (typeof x === 'string') return quote(x, ascii);
    if (Array.isArray(x)) {
      if (!x.length) return '[]';
      return `[${nl(level + 1)}${x.map((i) => walk(i, level + 1)).join(itemSep + nl(level + 1))}${nl(level)}]`;
    }
    if (isDict(x)) {
      let entries = dictEntries(x);
      if (!entries.length) return '{}';
      if (o.sortKeys) entries = [...entries].sort((a, b) => pyKeyCompare(a[0], b[0]));
      const body = entries.map(([k, i]) => `${quote(keyText(k), ascii)}${keySep}${walk(i, level + 1)}`);
      return `{${nl(level + 1)}${body.join(itemSep + nl(level + 1))}${nl(level)}}`;
    }
    if ((x as { pyType?: string }).pyType === 'Markup') return quote(pyStr(x), ascii);
    throw new TemplateError(`Object of type ${typeName(x)} is not JSON serializable`, 'type');
  };
  return walk(v, 0);
}

/** Python's `json.loads`: objects become dicts (PyDict, in order), `1.0` stays a float, NaN / Infinity accepted. */
export function pyJsonLoads(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length;
    const col = i - text.lastIndexOf('\n', i - 1);
    throw new TemplateError(`${what}: line ${line} column ${col} (char ${i})`, 'runtime');
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const d = new PyDict();
      ws();
      if (text[i] === '}') return (i++, d);
      for (;;) {
        ws();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = string();
        ws();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        d.set(k, value());
        ws();
        if (text[i] === ',') (i++);
        else if (text[i] === '}') return (i++, d);
        else fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const l: unknown[] = [];
      ws();
      if (text[i] === ']') return (i++, l);
      for (;;) {
        l.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return (i++, l);
        else fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['null', null], ['true', true], ['false', false], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (text.startsWith(word, i)) return ((i += word.length), v);
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return mkFloat(Number(m[0]));
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('Invalid control character at');
      i++;
    }
    if (i >= text.length) fail('Unterminated string starting at');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('Invalid \\escape');
    }
  };
  const v = value();
  ws();
  if (i < text.length) fail('Extra data');
  return v;
}
