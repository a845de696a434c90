/** YAML text for template filters: Salt's `yaml` filter (flow style), `yaml_encode`, `yaml_dquote`, `yaml_squote`. */

const AMBIGUOUS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|[-+]?\d+(?::[0-5]?\d)+(?:\.\d*)?|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)|\d{4}-\d\d?-\d\d?.*)$/;

/** A string PyYAML would emit without quotes. */
function isPlain(s: string): boolean {
  if (s === '' || AMBIGUOUS.test(s)) return false;
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) || /\s$/.test(s)) return false;
  if (/[,[\]{}#\n\t\r]|: |:$/.test(s)) return false;
  return /^[\x20-\x7e]+$/.test(s);
}

export function yamlSingleQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** YAML double-quoted: JSON string syntax is a subset of it. */
export function yamlDoubleQuote(s: string): string {
  return JSON.stringify(s);
}

export function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v);
  const s = String(v);
  if (isPlain(s)) return s;
  return /[\n\t\r\\]/.test(s) || !/^[\x20-\x7e]*$/.test(s) ? yamlDoubleQuote(s) : yamlSingleQuote(s);
}

/** One-line flow-style YAML, like PyYAML's `safe_dump(default_flow_style=True)` (key order kept). */
export function yamlFlow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(yamlFlow).join(', ')}]`;
  if (typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof String)) {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${yamlScalar(k)}: ${yamlFlow(x)}`).join(', ')}}`;
  }
  return yamlScalar(v instanceof String ? String(v) : v);
}
