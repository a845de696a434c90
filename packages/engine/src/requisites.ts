/**
 * Requisites resolved at run time from the low data, as Salt's `check_requisite` matches them: `{mod: target}`
 * names every `mod` chunk whose name or ID fits the target (a glob), a bare string every chunk whose name or ID
 * fits, `{sls: glob}` every chunk of a matching SLS. `X_in` on a chunk adds `X` -> that chunk to each chunk it
 * matches. A requisite that matches nothing is reported with Salt's words before anything runs.
 */
import { ANY_REQUISITE_TYPES, REQUISITE_TYPES, globMatch, type LowChunk, type RequisiteRef, type RequisiteType } from '@brine/core';

const GLOB = /[*?[]/;

function push<K>(m: Map<K, number[]>, k: K, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}

/** Exact lookups for the common case; globs fall back to a scan. */
class ChunkIndex {
  private readonly byId = new Map<string, number[]>();
  private readonly byName = new Map<string, number[]>();
  private readonly bySls = new Map<string, number[]>();

  constructor(private readonly chunks: LowChunk[]) {
    chunks.forEach((c, i) => {
      push(this.byId, c.id, i);
      push(this.byName, c.name, i);
      push(this.bySls, c.sls, i);
    });
  }

  /** Indexes of the chunks a ref matches, in run order. */
  match(ref: RequisiteRef): number[] {
    const { kind, target } = ref;
    const state = (i: number) => kind === 'id' || this.chunks[i]!.state === kind;
    let hits: number[];
    if (kind === 'sls') {
      if (!GLOB.test(target)) return this.bySls.get(target) ?? [];
      hits = [...this.bySls].filter(([s]) => globMatch(target, s)).flatMap(([, l]) => l);
    } else if (GLOB.test(target)) {
      hits = this.chunks.flatMap((c, i) => (state(i) && (globMatch(target, c.name) || globMatch(target, c.id)) ? [i] : []));
    } else {
      hits = [...(this.byId.get(target) ?? []), ...(this.byName.get(target) ?? [])].filter(state);
    }
    return [...new Set(hits)].sort((a, b) => a - b);
  }
}

export interface Resolved {
  /** Per chunk: the chunks each of its requisite types points at. */
  reqs: Map<RequisiteType, number[]>[];
  /** One line per chunk with requisites that match nothing. */
  errors: string[];
}

export function resolveRequisites(chunks: LowChunk[]): Resolved {
  const index = new ChunkIndex(chunks);
  const reqs = chunks.map(() => new Map<RequisiteType, number[]>());
  const add = (i: number, type: RequisiteType, targets: number[]) => {
    const l = reqs[i]!.get(type) ?? [];
    for (const t of targets) if (t !== i && !l.includes(t)) l.push(t);
    if (l.length) reqs[i]!.set(type, l);
  };
  const errors: string[] = [];
  chunks.forEach((c, i) => {
    const lost: string[] = [];
    for (const type of [...REQUISITE_TYPES, ...ANY_REQUISITE_TYPES]) {
      for (const ref of c.requisites[type] ?? []) {
        const hits = index.match(ref);
        if (hits.length === 0) lost.push(`${type}: ${ref.kind}: ${ref.target}`);
        add(i, type, hits);
      }
    }
    if (lost.length) {
      errors.push(`${c.file}:${c.line}: ${c.id}: The following requisites were not found: ${lost.join('; ')} (matches no state in this run: check the ID, name or SLS, and that its SLS is included)`);
    }
  });
  // Inverted after every chunk's own, so a target's own requisites come first (as Salt's requisite_in appends).
  chunks.forEach((c, i) => {
    for (const type of REQUISITE_TYPES) for (const ref of c.requisites[`${type}_in`] ?? []) for (const t of index.match(ref)) add(t, type, [i]);
  });
  return { reqs, errors };
}
