/** Python's `json.dumps` output shape (`{"a": 1, "b": [1, 2]}`), as Salt's `json`/`tojson` filters print it. */

function str(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function pyJson(v: unknown, opts: { sortKeys?: boolean; indent?: number | null } = {}, level = 0): string {
  const ind = opts.indent ?? null;
  const nl = (l: number): string => (ind === null ? '' : '\n' + ' '.repeat(ind * l));
  const sep = ind === null ? ', ' : ',';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  if (typeof v === 'string' || v instanceof String) return str(String(v));
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl(level + 1)}${v.map((x) => pyJson(x, opts, level + 1)).join(sep + nl(level + 1))}${nl(level)}]`;
  }
  if (v instanceof Date) return str(v.toISOString());
  if (typeof v === 'object') {
    let keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    if (opts.sortKeys) keys = keys.sort();
    const body = keys.map((k) => `${str(k)}: ${pyJson((v as Record<string, unknown>)[k], opts, level + 1)}`);
    return `{${nl(level + 1)}${body.join(sep + nl(level + 1))}${nl(level)}}`;
  }
  throw new Error(`Object of type ${typeof v} is not JSON serializable`);
}
