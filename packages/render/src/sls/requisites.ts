/**
 * Requisites: `require watch onchanges onfail prereq listen` and their `_in` forms. An entry is `{mod: target}`
 * (target = an ID of a `mod` state, else the `name` of one), `{sls: name}` (every state of that SLS), or a
 * bare string (an ID). Targets are resolved here so a typo fails at render time, never half-way through a run;
 * refs come out normalised to `{kind: mod, target: <ID>}`, `{kind: 'id', target: <ID>}` or `{kind: 'sls', ...}`.
 */
import { RenderError, isDict, type RequisiteRef, type RequisiteType } from '@brine/core';

export const REQUISITE_TYPES: readonly RequisiteType[] = ['require', 'watch', 'onchanges', 'onfail', 'prereq', 'listen'];
export const REQUISITE_KEYS = new Set<string>([...REQUISITE_TYPES, ...REQUISITE_TYPES.map((t) => `${t}_in`)]);

/** A (ID, module) declaration as the resolver sees it. */
export interface DeclRef {
  id: string;
  mod: string;
  names: string[];
  sls: string;
  file: string;
  line: number;
}

/** Parse the value of a requisite key into refs as written. */
export function parseRequisiteList(value: unknown, key: string, d: DeclRef): RequisiteRef[] {
  const list = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
  return list.map((entry) => {
    if (typeof entry === 'string') return { kind: 'id', target: entry };
    if (isDict(entry) && Object.keys(entry).length === 1) {
      const [kind, target] = Object.entries(entry)[0]!;
      if (typeof target === 'string' || typeof target === 'number') return { kind, target: String(target) };
    }
    throw new RenderError(d.file, d.line, `state '${d.id}': ${key} entry ${JSON.stringify(entry)} is malformed (write '- module: id_or_name', '- sls: name' or '- id')`);
  });
}

export class RequisiteIndex {
  private readonly byModId = new Map<string, DeclRef>();
  private readonly byModName = new Map<string, DeclRef[]>();
  private readonly byId = new Map<string, DeclRef[]>();
  private readonly bySls = new Map<string, DeclRef[]>();

  constructor(decls: DeclRef[]) {
    const push = <K>(m: Map<K, DeclRef[]>, k: K, d: DeclRef) => {
      const l = m.get(k);
      if (l) {
        if (!l.includes(d)) l.push(d);
      } else m.set(k, [d]);
    };
    for (const d of decls) {
      this.byModId.set(`${d.mod}\0${d.id}`, d);
      for (const n of d.names) push(this.byModName, `${d.mod}\0${n}`, d);
      push(this.byId, d.id, d);
      push(this.bySls, d.sls, d);
    }
  }

  /** The declarations a ref points at (ID first, then name); throws naming the declaring state when none. */
  targets(ref: RequisiteRef, key: string, from: DeclRef): DeclRef[] {
    let found: DeclRef[] | undefined;
    if (ref.kind === 'sls') found = this.bySls.get(ref.target);
    else if (ref.kind === 'id') found = this.byId.get(ref.target);
    else {
      const byId = this.byModId.get(`${ref.kind}\0${ref.target}`);
      found = byId ? [byId] : this.byModName.get(`${ref.kind}\0${ref.target}`);
    }
    if (!found || found.length === 0) {
      const what = ref.kind === 'sls' ? `SLS '${ref.target}'` : ref.kind === 'id' ? `ID '${ref.target}'` : `${ref.kind} state with ID or name '${ref.target}'`;
      const hint = ref.kind === 'sls' ? 'include that SLS or fix the name' : 'fix the target, or include the SLS that defines it';
      throw new RenderError(from.file, from.line, `state '${from.id}': ${key} points at ${what}, which is not in this run (${hint})`);
    }
    return found;
  }

  /** Normalise a ref after checking it resolves: module refs name the target ID. */
  normalise(ref: RequisiteRef, key: string, from: DeclRef): RequisiteRef[] {
    const found = this.targets(ref, key, from);
    if (ref.kind === 'sls' || ref.kind === 'id') return [ref];
    return [...new Set(found.map((d) => d.id))].map((id) => ({ kind: ref.kind, target: id }));
  }
}

export function addRef(into: Partial<Record<RequisiteType, RequisiteRef[]>>, type: RequisiteType, ref: RequisiteRef): void {
  const list = (into[type] ??= []);
  if (!list.some((r) => r.kind === ref.kind && r.target === ref.target)) list.push(ref);
}
