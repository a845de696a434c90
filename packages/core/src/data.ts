/** Small helpers over plain data (grains, pillar, config). */

export type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** Salt's `traverse_dict_and_list`: `a:b:0` walks dicts and list indexes. */
export function traverse(data: unknown, key: string, delimiter = ':'): unknown {
  let cur: unknown = data;
  for (const part of key.split(delimiter)) {
    if (isDict(cur) && Object.prototype.hasOwnProperty.call(cur, part)) {
      cur = cur[part];
    } else if (Array.isArray(cur) && /^\d+$/.test(part) && Number(part) < cur.length) {
      cur = cur[Number(part)];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** A plain object: its prototype is an Object.prototype (of any realm: structuredClone's, a vm's) or null. */
function isPlainData(v: unknown): v is Dict {
  if (!isDict(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** Recursive merge: dicts merge, everything else from `b` replaces `a` (pillar and grains merging). */
export function deepMerge(a: unknown, b: unknown): unknown {
  // plain objects only: a class instance (a template's Python dict) is replaced, never spread into its fields
  if (isPlainData(a) && isPlainData(b)) {
    const out: Dict = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  return b;
}

/** Python's `==` on plain data: dicts equal whatever their key order, lists element-wise, scalars by value. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
