/** Python's `json.dumps` text (`{"a": 1, "b": [1, 2]}`; ensure_ascii, NaN as NaN) over template values. */
import { TemplateError } from './errors';
import { PyFloat, dictEntries, isDict, pyStr, reprFloat, typeName } from './values';

function str(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function key(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number' || typeof k === 'bigint' || k instanceof PyFloat) return jsonNumber(k);
  throw new TemplateError(`keys must be str, int, float, bool or None, not ${typeName(k)}`, 'type');
}

function jsonNumber(v: number | bigint | PyFloat): string {
  const n = v instanceof PyFloat ? v.v : v;
  if (typeof n === 'bigint') return n.toString();
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return v instanceof PyFloat || !Number.isInteger(n) ? reprFloat(n) : String(n);
}

export interface JsonOptions {
  sortKeys?: boolean;
  indent?: number | string | null;
  separators?: [string, string];
}

export function jsonDumps(v: unknown, o: JsonOptions = {}, level = 0): string {
  const ind = o.indent === undefined || o.indent === null ? null : typeof o.indent === 'number' ? ' '.repeat(o.indent) : o.indent;
  const [itemSep, keySep] = o.separators ?? (ind === null ? [', ', ': '] : [',', ': ']);
  const nl = (l: number): string => (ind === null ? '' : '\n' + ind.repeat(l));
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat) return jsonNumber(v);
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl(level + 1)}${v.map((x) => jsonDumps(x, o, level + 1)).join(itemSep + nl(level + 1))}${nl(level)}]`;
  }
  if (isDict(v)) {
    let entries = dictEntries(v).map(([k, x]) => [key(k), x] as const);
    if (entries.length === 0) return '{}';
    if (o.sortKeys) entries = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const body = entries.map(([k, x]) => `${str(k)}${keySep}${jsonDumps(x, o, level + 1)}`);
    return `{${nl(level + 1)}${body.join(itemSep + nl(level + 1))}${nl(level)}}`;
  }
  const s = (v as { pyStr?: () => string }).pyStr;
  if (typeof s === 'function' && (v as { pyType?: string }).pyType === 'Markup') return str(pyStr(v));
  throw new TemplateError(`Object of type ${typeName(v)} is not JSON serializable`, 'type');
}
