/**
 * High data as Salt holds it: an ordered map of ID -> body, where a body is `{mod: [args..., 'fun'], __sls__,
 * __env__}`, plus `__extend__` (a list of `{ID: body}`) and `__exclude__` (a list). Key order is Salt's, since
 * show_sls prints it and compile order follows it. Each body remembers the file and line it came from.
 */
import { RenderError, isDict } from '@brine/core';
import { extendDecls, stateDecls } from './forms';

export type Body = Record<string, unknown>;
export type High = Map<string, unknown>;

export interface Where {
  file: string;
  line: number | undefined;
}

const WHERE = new WeakMap<object, Where>();

export function placeAt<T extends object>(o: T, w: Where): T {
  WHERE.set(o, w);
  return o;
}

export function whereOf(o: unknown, fallback: Where = { file: '<high data>', line: undefined }): Where {
  return (typeof o === 'object' && o !== null && WHERE.get(o)) || fallback;
}

/** The bodies of a high map, `__extend__` and `__exclude__` left out. */
export function* bodies(high: High): Generator<[string, Body]> {
  for (const [id, body] of high) if (!id.startsWith('__') && isDict(body)) yield [id, body];
}

/** The modules of a body (`__sls__`, `__env__` left out). */
export function* states(body: Body): Generator<[string, unknown]> {
  for (const [mod, run] of Object.entries(body)) if (!mod.startsWith('__')) yield [mod, run];
}

/** The first key of a dict argument (Salt's `next(iter(arg))`). */
export function firstKey(arg: unknown): string | undefined {
  if (!isDict(arg)) return undefined;
  for (const k in arg) return k;
  return undefined;
}

/** Python's `list(x)`: a list's items, a dict's keys, a string's characters; nothing for other scalars. */
export function pyIter(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (isDict(x)) return Object.keys(x);
  if (typeof x === 'string') return [...x];
  return [];
}

export interface SlsMeta {
  sls: string;
  env: string;
  file: string;
}

/** One rendered SLS file as Salt's `render_state` has it before its includes are merged. */
export interface ReadSls {
  file: string;
  state: High;
  /** `env`: the saltenv an `{env: sls}` entry names (`_xenv`: whichever matched environment has it). */
  includes: { sls: string; env?: string; line: number | undefined }[];
}

function fail(meta: SlsMeta, line: number | undefined, what: string): never {
  throw new RenderError(meta.file, line, what);
}

/** Turn one parsed SLS document into Salt's per-file high data (include, extend and exclude separated). */
export function readSls(
  data: unknown,
  meta: SlsMeta,
  lineOf: (path: (string | number)[]) => number | undefined,
  resolveInclude: (entry: string, line: number | undefined) => string,
): ReadSls {
  const out: ReadSls = { file: meta.file, state: new Map(), includes: [] };
  if (data === null || data === undefined) return out;
  if (!isDict(data)) fail(meta, 1, `SLS '${meta.sls}': the rendered file is not a mapping of IDs (SLS ${meta.sls} does not render to a dictionary)`);
  // Definition order is the file's order: JS objects list integer-like keys ('100', '20') first, so go by line.
  const entries = Object.entries(data).map(([key, value]) => ({ key, value, line: lineOf([key]) ?? 1 }));
  entries.sort((a, b) => a.line - b.line);
  let extend: Body | undefined;
  let exclude: unknown[] | undefined;
  for (const { key, value, line } of entries) {
    if (key === 'include') {
      if (!Array.isArray(value)) fail(meta, line, `Include Declaration in SLS ${meta.sls} is not formed as a list (write 'include:' followed by '- sls.name' entries)`);
      value.forEach((entry, i) => {
        const l = lineOf(['include', i]) ?? line;
        const keyed = isDict(entry) && Object.keys(entry).length === 1 ? Object.entries(entry)[0]! : undefined;
        const name = typeof entry === 'string' ? entry : keyed?.[1];
        if (typeof name !== 'string') fail(meta, l, `include: entry ${i + 1} is not an SLS name (write '- sls.name' or '- saltenv: sls.name')`);
        out.includes.push({ sls: resolveInclude(name, l), ...(keyed ? { env: keyed[0] } : {}), line: l });
      });
    } else if (key === 'extend') {
      if (!isDict(value)) fail(meta, line, `Extension value in SLS '${meta.sls}' is not a dictionary (write 'extend:\\n  some_id:\\n    file: [...]')`);
      extend = value;
      for (const [id, body] of Object.entries(value)) {
        const w = { file: meta.file, line: lineOf(['extend', id]) ?? line };
        value[id] = placeAt(extendDecls(id, body, meta, w), w);
      }
    } else if (key === 'exclude') {
      if (!Array.isArray(value)) fail(meta, line, `Exclude Declaration in SLS ${meta.sls} is not formed as a list (write 'exclude:' followed by '- sls: name' or '- id: name' entries)`);
      exclude = value;
    } else {
      const w = { file: meta.file, line };
      out.state.set(key, placeAt(stateDecls(key, value, meta, w), w));
    }
  }
  if (extend) out.state.set('__extend__', [extend]);
  if (exclude) out.state.set('__exclude__', exclude);
  return out;
}

/** Salt's show_sls shape: IDs in high order, `__extend__` / `__exclude__` where Salt has them. */
export function highToObject(high: High): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of high) out[k] = v;
  return out;
}
