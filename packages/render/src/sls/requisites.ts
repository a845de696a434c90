/**
 * Requisites of a low chunk, read as written: `require watch onchanges onfail prereq listen` and their `_in`
 * forms, and `require_any watch_any onchanges_any onfail_any onfail_all`. An entry is `{module: target}` (target = an ID or a `name`, or a glob of either), `{sls: name}`, or a
 * bare string (an ID). Nothing is resolved here: the engine matches targets when it runs, as Salt does.
 */
import { ANY_REQUISITE_TYPES, REQUISITE_TYPES, RenderError, isDict, type RequisiteKey, type RequisiteRef } from '@brine/core';

export const REQUISITE_KEYS: readonly RequisiteKey[] = [...REQUISITE_TYPES, ...REQUISITE_TYPES.map((t) => `${t}_in` as RequisiteKey), ...ANY_REQUISITE_TYPES];
const KEYS = new Set<string>(REQUISITE_KEYS);

export function isRequisiteKey(key: string): key is RequisiteKey {
  return KEYS.has(key);
}

/**
 * The refs of one requisite value. Salt's runtime skips entries whose target is null and reads the first key of
 * a dict; with `strict` (the apply path), anything it could not run is an error naming the state.
 */
export function parseRequisites(value: unknown, key: string, id: string, where: { file: string; line: number }, strict: boolean): RequisiteRef[] {
  const list = Array.isArray(value) ? value : isDict(value) ? Object.entries(value).map(([k, v]) => ({ [k]: v })) : value === null || value === undefined ? [] : [value];
  const out: RequisiteRef[] = [];
  for (const entry of list) {
    if (typeof entry === 'string') {
      out.push({ kind: 'id', target: entry });
      continue;
    }
    const kind = isDict(entry) ? Object.keys(entry)[0] : undefined;
    const target = kind === undefined ? undefined : (entry as Record<string, unknown>)[kind];
    if (kind !== undefined && (typeof target === 'string' || typeof target === 'number')) out.push({ kind: kind.split('.')[0]!, target: String(target) });
    else if (strict && !(kind !== undefined && target === null)) {
      throw new RenderError(where.file, where.line, `state '${id}': ${key} entry ${JSON.stringify(entry)} is malformed (write '- module: id_or_name', '- sls: name' or '- id')`);
    }
  }
  return out;
}
