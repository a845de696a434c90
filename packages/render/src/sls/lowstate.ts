/**
 * High data -> low chunks in run order.
 *
 * Ordering rule (Salt's `state_auto_order` with `order:`), applied per (ID, module) declaration:
 *   - `order: first` -> 0;
 *   - `order: N` (a number >= 0) -> N;
 *   - no `order` -> 10000 + k, k = the declaration's position in definition order (files in include-first order,
 *     IDs in file order, modules in written order) — the 10000 base is Salt's, so explicit N < 10000 run first;
 *   - `order: -N` -> after every un-ordered state but before `last` (Salt's "N from the end");
 *   - `order: last` -> Infinity.
 * Chunks are sorted by that number; ties keep definition order (Salt breaks ties by `state+name+fun`, which only
 * matters between explicit equal orders). All chunks of one `names` list share their declaration's order and
 * stay in list order. Requisites do not move chunks here; the engine honours them at run time.
 */
import { RenderError, isDict, type LowChunk, type RequisiteRef, type RequisiteType } from '@brine/core';
import type { StateBody } from './forms';
import type { HighData } from './high';
import { REQUISITE_TYPES, RequisiteIndex, addRef, parseRequisiteList, type DeclRef } from './requisites';

const AUTO_ORDER_BASE = 10000;

interface Decl extends DeclRef {
  env: string;
  fun: string;
  order: number;
  failhard: boolean;
  args: Record<string, unknown>;
  perName: { name: string; extra: Record<string, unknown> }[];
  own: { type: RequisiteType; refs: RequisiteRef[] }[];
  inverted: { type: RequisiteType; refs: RequisiteRef[] }[];
  requisites: Partial<Record<RequisiteType, RequisiteRef[]>>;
}

function orderValue(v: unknown, d: DeclRef, auto: number): number {
  if (v === undefined) return auto;
  if (v === 'first') return 0;
  if (v === 'last') return Infinity;
  if (typeof v === 'number' && Number.isFinite(v)) return v >= 0 ? v : Number.MAX_SAFE_INTEGER + v;
  throw new RenderError(d.file, d.line, `state '${d.id}': order '${String(v)}' is not valid (use first, last, or a number)`);
}

function argsList(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isDict(v)) return { ...v };
  if (Array.isArray(v)) for (const item of v) if (isDict(item)) Object.assign(out, item);
  return out;
}

function parseNames(v: unknown, d: DeclRef): { name: string; extra: Record<string, unknown> }[] {
  if (!Array.isArray(v)) throw new RenderError(d.file, d.line, `state '${d.id}': names is not a list (write 'names:' followed by '- name' entries)`);
  return v.map((entry) => {
    if (typeof entry === 'string' || typeof entry === 'number') return { name: String(entry), extra: {} };
    if (isDict(entry) && Object.keys(entry).length === 1) {
      const [name, extra] = Object.entries(entry)[0]!;
      return { name, extra: argsList(extra) };
    }
    throw new RenderError(d.file, d.line, `state '${d.id}': names entry ${JSON.stringify(entry)} is malformed (write '- name' or '- name: [{arg: value}]')`);
  });
}

function declare(id: string, mod: string, body: StateBody, e: { sls: string; env: string; file: string; line: number }, auto: number): Decl {
  const d: Decl = {
    id, mod, sls: e.sls, env: e.env, file: e.file, line: e.line,
    fun: String(body[0]), names: [], order: 0, failhard: false, args: {}, perName: [], own: [], inverted: [], requisites: {},
  };
  let name: string | undefined;
  let names: unknown;
  let order: unknown;
  for (const item of body.slice(1)) {
    const [key, value] = Object.entries(item as Record<string, unknown>)[0]!;
    if (key === 'name') name = String(value);
    else if (key === 'names') names = value;
    else if (key === 'order') order = value;
    else if (key === 'failhard') d.failhard = value === true;
    else if ((REQUISITE_TYPES as readonly string[]).includes(key)) d.own.push({ type: key as RequisiteType, refs: parseRequisiteList(value, key, d) });
    else if (key.endsWith('_in') && (REQUISITE_TYPES as readonly string[]).includes(key.slice(0, -3))) {
      d.inverted.push({ type: key.slice(0, -3) as RequisiteType, refs: parseRequisiteList(value, key, d) });
    } else d.args[key] = value;
  }
  d.perName = names !== undefined ? parseNames(names, d) : [{ name: name ?? id, extra: {} }];
  d.names = d.perName.map((n) => n.name);
  d.order = orderValue(order, d, auto);
  return d;
}

export function buildLowstate(high: HighData): LowChunk[] {
  const decls: Decl[] = [];
  for (const e of high.ids.values()) {
    for (const [mod, body] of Object.entries(e.mods)) {
      if (typeof body[0] !== 'string') throw new RenderError(e.file, e.line, `state '${e.id}': '${mod}' has no function (write '${mod}.<function>:')`);
      decls.push(declare(e.id, mod, body, e, AUTO_ORDER_BASE + decls.length));
    }
  }
  const index = new RequisiteIndex(decls);
  for (const d of decls) {
    for (const { type, refs } of d.own) {
      for (const ref of refs) for (const n of index.normalise(ref, type, d)) addRef(d.requisites, type, n);
    }
  }
  for (const d of decls) {
    for (const { type, refs } of d.inverted) {
      for (const ref of refs) {
        for (const t of index.targets(ref, `${type}_in`, d) as Decl[]) addRef(t.requisites, type, { kind: d.mod, target: d.id });
      }
    }
  }
  const chunks: LowChunk[] = [];
  for (const d of decls) {
    for (const n of d.perName) {
      const chunk: LowChunk = {
        id: d.id,
        name: n.name,
        state: d.mod,
        fun: d.fun,
        sls: d.sls,
        env: d.env,
        file: d.file,
        line: d.line,
        order: d.order,
        args: structuredClone({ ...d.args, ...n.extra }),
        requisites: structuredClone(d.requisites),
      };
      if (d.failhard) chunk.failhard = true;
      chunks.push(chunk);
    }
  }
  return chunks.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}
