/**
 * The master's key directories as a mirror of the cluster's key store: the auth path, accept notices and the
 * cut-off of deleted keys keep working from memory and files, while PostgreSQL decides.
 */
import { KEY_STATES, validMinionId, type KeyState, type KeyStore } from '../keys';

export interface MirrorChanges {
  /** Ids whose key became accepted here. */
  accepted: string[];
  /** Ids that were accepted here and no longer are. */
  removedAccepted: string[];
}

/**
 * Make the local store hold exactly `rows` for the ids they concern: `ids` given, those ids (an id without a row
 * has no key left); otherwise every id, locally known or in the rows.
 */
export function mirrorKeys(local: KeyStore, rows: { id: string; state: KeyState; pem: string }[], ids?: string[]): MirrorChanges {
  const held = new Map<string, Partial<Record<KeyState, string>>>();
  for (const r of rows) {
    if (!validMinionId(r.id)) continue;
    let h = held.get(r.id);
    if (!h) held.set(r.id, (h = {}));
    h[r.state] = r.pem;
  }
  const scope = new Set(ids ?? []);
  if (!ids) {
    const list = local.list();
    for (const s of KEY_STATES) for (const id of list[s]) scope.add(id);
    for (const id of held.keys()) scope.add(id);
  }
  const out: MirrorChanges = { accepted: [], removedAccepted: [] };
  for (const id of scope) {
    if (!validMinionId(id)) continue;
    const c = local.mirror(id, held.get(id) ?? {});
    if (c.accepted) out.accepted.push(id);
    if (c.removedAccepted) out.removedAccepted.push(id);
  }
  return out;
}
