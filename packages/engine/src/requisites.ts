/** Resolve requisite references to the chunks they name: by ID, by `name` within a module, or a whole SLS. */
import { RenderError, type LowChunk, type RequisiteRef, type RequisiteType } from '@brine/core';

export const REQUISITE_TYPES: readonly RequisiteType[] = ['require', 'watch', 'onchanges', 'onfail', 'prereq', 'listen'];

export function refMatches(ref: RequisiteRef, c: LowChunk): boolean {
  if (ref.kind === 'sls') return c.sls === ref.target;
  if (ref.kind === 'id') return c.id === ref.target;
  return c.state === ref.kind && (c.id === ref.target || c.name === ref.target);
}

/** For each chunk, the indexes of the chunks each of its requisites points at. Missing targets are compile errors. */
export function resolveRequisites(chunks: LowChunk[]): Map<RequisiteType, number[]>[] {
  return chunks.map((c, self) => {
    const out = new Map<RequisiteType, number[]>();
    for (const type of REQUISITE_TYPES) {
      const refs = c.requisites[type];
      if (!refs || refs.length === 0) continue;
      const idx: number[] = [];
      for (const ref of refs) {
        const hits: number[] = [];
        chunks.forEach((o, i) => {
          if (i !== self && refMatches(ref, o)) hits.push(i);
        });
        if (hits.length === 0) {
          throw new RenderError(c.file, c.line, `${c.id}: ${type} '${ref.kind}: ${ref.target}' matches no state (check the ID or name, and that its SLS is included)`);
        }
        for (const h of hits) if (!idx.includes(h)) idx.push(h);
      }
      out.set(type, idx);
    }
    return out;
  });
}
