/** Salt's `nested` outputter: dicts as `----------` blocks with their keys sorted, lists as `- item`, scalars as-is. */
import { isDict } from '@brine/core';

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

export function nested(v: unknown, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  if (isDict(v)) {
    const out = [`${pad}----------`];
    // Salt sorts a dict's keys (only an OrderedDict keeps its order, and none survives the trip from a minion)
    for (const [k, val] of Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (isDict(val) || Array.isArray(val)) {
        out.push(`${pad}${k}:`);
        out.push(...nested(val, indent + 4));
      } else {
        const s = scalar(val);
        out.push(`${pad}${k}:`);
        if (s !== '') out.push(...s.split('\n').map((l) => `${pad}    ${l}`));
      }
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      if (isDict(item) || Array.isArray(item)) {
        out.push(`${pad}|_`);
        out.push(...nested(item, indent + 2));
      } else out.push(`${pad}- ${scalar(item)}`);
    }
    return out;
  }
  return scalar(v).split('\n').map((l) => pad + l);
}

/** One minion's return: `id:` then the value indented by four. */
export function nestedReturn(id: string, ret: unknown): string {
  return [`${id}:`, ...nested(ret, 4)].join('\n');
}
