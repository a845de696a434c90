/**
 * High data across SLS files: IDs in definition order (included files first), each with its modules in written
 * order, where it came from, and `extend` applied at the end (requisite lists appended, other args replaced).
 */
import { RenderError, isDict } from '@brine/core';
import type { HighState } from '../types';
import { normaliseId, type IdBody, type StateBody } from './forms';
import { REQUISITE_KEYS } from './requisites';

export interface IdEntry {
  id: string;
  sls: string;
  env: string;
  file: string;
  line: number;
  mods: IdBody;
}

export interface ExtendEntry {
  id: string;
  body: IdBody;
  sls: string;
  file: string;
  line: number | undefined;
}

/** One rendered SLS file, before include processing. */
export interface RenderedSls {
  sls: string;
  env: string;
  file: string;
  ids: IdEntry[];
  includes: { sls: string; line: number | undefined }[];
  extend: ExtendEntry[];
}

export class HighData {
  readonly ids = new Map<string, IdEntry>();
  readonly sls: string[] = [];

  add(r: RenderedSls): void {
    this.sls.push(r.sls);
    for (const e of r.ids) {
      const prev = this.ids.get(e.id);
      if (prev) {
        throw new RenderError(
          e.file,
          e.line,
          `state '${e.id}': ID conflicts with the same ID in ${prev.file}:${prev.line} (SLS '${prev.sls}') (IDs must be unique across all SLS files; rename one)`,
        );
      }
      this.ids.set(e.id, e);
    }
  }

  /** Apply one `extend` entry (Salt's rule: requisites append, other arguments replace, a bare string replaces the function). */
  extend(x: ExtendEntry): void {
    const target = this.ids.get(x.id);
    if (!target) {
      throw new RenderError(x.file, x.line, `extend: ID '${x.id}' is not defined in any SLS of this run (include the SLS that defines it, or fix the ID)`);
    }
    for (const [mod, body] of Object.entries(x.body)) {
      const cur = target.mods[mod];
      if (!cur) {
        if (typeof body[0] !== 'string') {
          throw new RenderError(x.file, x.line, `extend: '${x.id}' has no '${mod}' state to extend (name the function, e.g. '${mod}.<function>', to add one)`);
        }
        target.mods[mod] = [...body];
        continue;
      }
      for (const item of body) {
        if (typeof item === 'string') {
          if (typeof cur[0] === 'string') cur[0] = item;
          else cur.unshift(item);
          continue;
        }
        const [key, value] = Object.entries(item as Record<string, unknown>)[0]!;
        const idx = cur.findIndex((a) => isDict(a) && key in a);
        if (REQUISITE_KEYS.has(key)) {
          const add = Array.isArray(value) ? value : [value];
          if (idx === -1) cur.push({ [key]: add });
          else {
            const old = (cur[idx] as Record<string, unknown>)[key];
            cur[idx] = { [key]: [...(Array.isArray(old) ? old : old === null || old === undefined ? [] : [old]), ...add] };
          }
        } else if (idx === -1) cur.push({ [key]: value });
        else cur[idx] = { [key]: value };
      }
    }
  }

  /** Salt's `state.show_sls` shape. */
  toHigh(): HighState {
    const out: HighState = {};
    for (const e of this.ids.values()) {
      const body: Record<string, unknown> = {};
      for (const [mod, args] of Object.entries(e.mods)) body[mod] = structuredClone(args) as StateBody;
      body['__sls__'] = e.sls;
      body['__env__'] = e.env;
      out[e.id] = body;
    }
    return out;
  }
}

/** Turn one parsed SLS document into a RenderedSls (IDs normalised, include/extend separated). */
export function readSls(
  data: unknown,
  meta: { sls: string; env: string; file: string },
  lineOf: (path: (string | number)[]) => number | undefined,
  resolveInclude: (entry: string, line: number | undefined) => string,
): RenderedSls {
  const out: RenderedSls = { ...meta, ids: [], includes: [], extend: [] };
  if (data === null || data === undefined) return out;
  if (!isDict(data)) {
    throw new RenderError(meta.file, 1, `SLS '${meta.sls}': the rendered file is not a mapping of IDs (the top level must be 'ID: {state...}' entries)`);
  }
  // Definition order is the file's order: JS objects list integer-like keys ('100', '20') first, so go by line.
  const entries = Object.entries(data).map(([key, value]) => ({ key, value, line: lineOf([key]) ?? 1 }));
  entries.sort((a, b) => a.line - b.line);
  for (const { key, value, line } of entries) {
    const where = { file: meta.file, line };
    if (key === 'include') {
      const list = Array.isArray(value) ? value : [value];
      list.forEach((entry, i) => {
        const l = lineOf(['include', i]) ?? line;
        const name = typeof entry === 'string' ? entry : isDict(entry) && Object.keys(entry).length === 1 ? Object.keys(entry)[0]! : undefined;
        if (name === undefined) throw new RenderError(meta.file, l, `include: entry ${i + 1} is not an SLS name (write '- sls.name')`);
        out.includes.push({ sls: resolveInclude(name, l), line: l });
      });
    } else if (key === 'extend') {
      if (!isDict(value)) throw new RenderError(meta.file, line, `extend: is not a mapping of IDs (write 'extend:\\n  some_id:\\n    file: [...]')`);
      for (const [id, body] of Object.entries(value)) {
        const l = lineOf(['extend', id]) ?? line;
        out.extend.push({ id, body: normaliseId(id, body, { file: meta.file, line: l }, false), sls: meta.sls, file: meta.file, line: l });
      }
    } else if (key === 'exclude') {
      throw new RenderError(meta.file, line, `exclude: is not supported by Brine (remove it, or restructure the includes)`);
    } else {
      out.ids.push({ id: key, sls: meta.sls, env: meta.env, file: meta.file, line, mods: normaliseId(key, value, where) });
    }
  }
  return out;
}
