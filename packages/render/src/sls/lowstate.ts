/**
 * High data -> low chunks: Salt 3006's `compile_high_data` then `order_chunks`, so show_low_sls matches Salt key
 * for key. One chunk per (ID, module), or per entry of `names` (deduplicated; `- name: [args]` entries add args).
 * A `name` that is not a string falls back to the ID. Ordering: `order: first` is 0; a number is itself (a
 * negative one counts back from the end); `last` and unknown words sit after everything (cap + 1000000, where cap
 * is 100 past the running maximum Salt tracks); a state without `order` (only those an extend adds) gets cap;
 * `names` entries add n/10000. Ties sort by state + name + function. Requisites stay as written.
 */
import { RenderError, deepEqual, isDict, type LowChunk } from '@brine/core';
import { bodies, pyIter, states, whereOf, type High, type Where } from './high';
import { isRequisiteKey, parseRequisites } from './requisites';

type Low = Record<string, unknown>;

interface Compiled {
  low: Low;
  where: Where;
}

/** Keys of a Salt chunk that are not state arguments. */
const NOT_ARGS = new Set(['state', 'name', 'names', '__sls__', '__env__', '__id__', 'fun', 'order', 'name_order', 'failhard', 'prerequired']);

/** Python's `str()` of a scalar, for the sort key. */
function pyStr(v: unknown): string {
  return v === null || v === undefined ? 'None' : v === true ? 'True' : v === false ? 'False' : String(v);
}

function compileState(id: string, body: Low, state: string, run: unknown, where: Where, out: Compiled[]): void {
  const funcs = new Set<string>();
  const names: unknown[] = [];
  const chunk: Low = { state, name: id };
  if ('__sls__' in body) chunk['__sls__'] = body['__sls__'];
  if ('__env__' in body) chunk['__env__'] = body['__env__'];
  chunk['__id__'] = id;
  for (const arg of pyIter(run)) {
    if (typeof arg === 'string') funcs.add(arg);
    else if (isDict(arg)) {
      for (const [key, val] of Object.entries(arg)) {
        if (key === 'names') {
          for (const n of pyIter(val)) if (!names.some((x) => deepEqual(x, n))) names.push(n);
        } else if (key === 'state') continue;
        else chunk[key] = key === 'name' && typeof val !== 'string' ? id : val;
      }
    }
  }
  const emit = (live: Low) => {
    for (const fun of funcs) {
      live['fun'] = fun;
      out.push({ low: live, where });
    }
  };
  if (names.length === 0) return emit({ ...chunk });
  names.forEach((entry, i) => {
    const live: Low = { ...chunk };
    if (isDict(entry)) {
      const lowName = Object.keys(entry)[0]!;
      // An empty mapping (`- three: {}`) gives no arguments: Salt iterates it and finds nothing.
      const extras = isDict(entry[lowName]) && Object.keys(entry[lowName] as object).length === 0 ? [] : entry[lowName];
      if (!Array.isArray(extras) || !extras.every(isDict)) {
        // Salt fails here too (a Python error while compiling): the per-name arguments must be a list of dicts.
        throw new RenderError(where.file, where.line, `state '${id}': names entry '${lowName}' gives its arguments as ${JSON.stringify(extras)} (write '- ${lowName}:' followed by '- key: value' entries)`);
      }
      live['name'] = lowName;
      for (const extra of extras) Object.assign(live, extra);
    } else live['name'] = entry;
    live['name_order'] = i + 1;
    emit(live);
  });
}

/** Salt's `order_chunks`, in place. */
function orderChunks(chunks: Compiled[]): void {
  let cap = 1;
  for (const { low } of chunks) {
    const o = typeof low['order'] === 'boolean' ? Number(low['order']) : low['order'];
    if (typeof o === 'number' && Number.isInteger(o) && o > cap - 1 && o > 0) cap = o + 100;
  }
  for (const { low } of chunks) {
    if (!('order' in low)) {
      low['order'] = cap;
      continue;
    }
    if (typeof low['order'] !== 'number') low['order'] = low['order'] === 'last' ? cap + 1000000 : low['order'] === 'first' ? 0 : cap;
    if ('name_order' in low) {
      low['order'] = (low['order'] as number) + (low['name_order'] as number) / 10000;
      delete low['name_order'];
    }
    if ((low['order'] as number) < 0) low['order'] = cap + 1000000 + (low['order'] as number);
  }
  const key = (l: Low) => `${pyStr(l['state'])}${pyStr(l['name'])}${pyStr(l['fun'])}`;
  chunks.sort((a, b) => {
    const d = (a.low['order'] as number) - (b.low['order'] as number);
    if (d !== 0) return d;
    const ka = key(a.low);
    const kb = key(b.low);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function toChunk({ low, where }: Compiled, strict: boolean): LowChunk {
  const id = String(low['__id__']);
  const at = { file: where.file, line: where.line ?? 1 };
  const chunk: LowChunk = {
    id,
    name: pyStr(low['name']),
    state: String(low['state']),
    fun: String(low['fun']),
    sls: String(low['__sls__'] ?? ''),
    env: String(low['__env__'] ?? 'base'),
    file: at.file,
    line: at.line,
    order: low['order'] as number,
    args: {},
    requisites: {},
    low,
  };
  for (const [k, v] of Object.entries(low)) {
    if (NOT_ARGS.has(k)) continue;
    if (isRequisiteKey(k)) chunk.requisites[k] = parseRequisites(v, k, id, at, strict);
    else chunk.args[k] = v;
  }
  if (low['failhard'] === true) chunk.failhard = true;
  return chunk;
}

/**
 * Compile verified high data. `strict` (the apply path) refuses requisite entries the engine could not match;
 * show_low_sls prints whatever Salt would.
 */
export function compileHighData(high: High, strict: boolean): LowChunk[] {
  const out: Compiled[] = [];
  for (const [id, body] of bodies(high)) {
    const where = whereOf(body);
    for (const [state, run] of states(body)) compileState(id, body, state, run, where, out);
  }
  orderChunks(out);
  return out.map((c) => toChunk(c, strict));
}
