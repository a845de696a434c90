/** Python's str() of plain data (what Salt's modules and states print of an argument). */
import { isDict } from './data';

/** Python's repr() of a str: single quotes unless the text has one and no double quote. */
function reprStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** str(v): None, True/False, the text itself; lists and dicts as Python prints them (their strings quoted). */
export function pyStr(v: unknown, nested = false): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return nested ? reprStr(v) : v;
  if (Array.isArray(v)) return `[${v.map((x) => pyStr(x, true)).join(', ')}]`;
  if (isDict(v)) return `{${Object.entries(v).map(([k, x]) => `${pyStr(k, true)}: ${pyStr(x, true)}`).join(', ')}}`;
  return String(v);
}
