/**
 * The key store in PostgreSQL: one row per (minion, state) as KeyStore keeps one file per state directory, every
 * change in brine_key_history, each operation one transaction holding the minions' advisory locks (so two masters
 * deciding on the same minion at once take turns), and a `key` notification on commit.
 */
import type { PoolClient } from 'pg';
import { BrineError, globMatch } from '@brine/core';
import { KEY_STATES, validMinionId, type AuthDecision, type KeyState } from '../../keys';
import { autosigned, fingerOf, samePem, type KeyPolicy } from '../key-rules';
import type { KeyChange, KeyStoreApi } from '../types';
import type { Db } from './connect';
import { LOCK_NS, LOCKS, MINION_LOCK } from './migrations';
import { notify } from './notify';

function checkId(id: string): void {
  if (!validMinionId(id)) throw new BrineError('key', `minion id '${id}' is not valid (letters, digits, . _ -; not starting with . or -)`);
}

/** Where a stored key is, as named in `damaged` lists. */
export const keyLocation = (where: string, state: KeyState, id: string) => `postgresql://${where}#keys/${state}/${id}`;

function emptyLists<T>(make: () => T): Record<KeyState, T> {
  const out = {} as Record<KeyState, T>;
  for (const s of KEY_STATES) out[s] = make();
  return out;
}

export class PgKeys implements KeyStoreApi {
  constructor(
    private readonly db: Db,
    private readonly master: string,
    private readonly policy: KeyPolicy = {},
  ) {}

  /** null for an id that is not valid too (as KeyStore, whose read finds no such file). */
  async read(state: KeyState, id: string): Promise<string | null> {
    if (!validMinionId(id)) return null;
    const rows = await this.db.query<{ pem: string }>('SELECT pem FROM brine_keys WHERE minion_id = $1 AND state = $2', [id, state]);
    return rows[0]?.pem ?? null;
  }

  async stateOf(id: string): Promise<KeyState | null> {
    checkId(id);
    const rows = await this.db.query<{ state: KeyState }>('SELECT state FROM brine_keys WHERE minion_id = $1', [id]);
    const have = new Set(rows.map((r) => r.state));
    return KEY_STATES.find((s) => have.has(s)) ?? null;
  }

  async list(): Promise<Record<KeyState, string[]>> {
    const out = emptyLists<string[]>(() => []);
    const rows = await this.db.query<{ minion_id: string; state: KeyState }>('SELECT minion_id, state FROM brine_keys ORDER BY minion_id COLLATE "C"');
    for (const r of rows) out[r.state].push(r.minion_id);
    return out;
  }

  /** Every stored key (the masters of a cluster mirror them onto their disks); of `ids` only when given. */
  async rows(ids?: string[]): Promise<{ id: string; state: KeyState; pem: string }[]> {
    const rows = ids
      ? await this.db.query<{ minion_id: string; state: KeyState; pem: string }>('SELECT minion_id, state, pem FROM brine_keys WHERE minion_id = ANY($1::text[])', [ids])
      : await this.db.query<{ minion_id: string; state: KeyState; pem: string }>('SELECT minion_id, state, pem FROM brine_keys');
    return rows.map((r) => ({ id: r.minion_id, state: r.state, pem: r.pem }));
  }

  async count(state: KeyState): Promise<number> {
    const rows = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM brine_keys WHERE state = $1', [state]);
    return Number(rows[0]?.n ?? 0);
  }

  private async lock(c: PoolClient, ids: string[]): Promise<void> {
    // Sorted, so two operations over overlapping sets never wait on each other in a circle.
    for (const id of [...new Set(ids)].sort()) await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MINION_LOCK.key, id]);
  }

  private async put(c: PoolClient, state: KeyState, id: string, pem: string, by: string): Promise<void> {
    await c.query(
      `INSERT INTO brine_keys (minion_id, state, pem, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (minion_id, state) DO UPDATE SET pem = EXCLUDED.pem, updated_at = clock_timestamp(), updated_by = EXCLUDED.updated_by`,
      [id, state, pem, by],
    );
  }

  private async note(c: PoolClient, id: string, from: KeyState | null, to: KeyState | null, pem: string | null, by: string): Promise<void> {
    await c.query('INSERT INTO brine_key_history (minion_id, from_state, to_state, fingerprint, actor, master) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      from,
      to,
      pem === null ? null : fingerOf(pem),
      by,
      this.master,
    ]);
  }

  async decide(id: string, pem: string): Promise<AuthDecision> {
    checkId(id);
    return this.db.tx(async (c) => {
      await this.lock(c, [id]);
      const rows = (await c.query<{ state: KeyState; pem: string }>('SELECT state, pem FROM brine_keys WHERE minion_id = $1', [id])).rows;
      const held = new Map(rows.map((r) => [r.state, r.pem]));
      const accepted = held.get('accepted');
      const changed = async (from: KeyState | null, to: KeyState, by: string) => {
        await this.note(c, id, from, to, pem, by);
        await notify(c, { kind: 'key', ids: [id], state: to, master: this.master });
      };
      if (accepted !== undefined) {
        if (samePem(accepted, pem)) return { state: 'accepted' };
        // A damaged accepted key is not "a different key": never file the minion's real key under denied for it.
        if (fingerOf(accepted) === null) return { state: 'pending', damaged: keyLocation(this.db.where, 'accepted', id) };
        await this.put(c, 'denied', id, pem, 'minion');
        await changed(null, 'denied', 'minion');
        return { state: 'denied', conflict: true };
      }
      if (held.has('rejected')) return { state: 'rejected' };
      const pending = held.get('pending');
      if (pending !== undefined && !samePem(pending, pem)) {
        await this.put(c, 'denied', id, pem, 'minion');
        await changed(null, 'denied', 'minion');
        return { state: 'denied', conflict: true };
      }
      if (autosigned(this.policy, id)) {
        await this.put(c, 'accepted', id, pem, 'autosign');
        await c.query(`DELETE FROM brine_keys WHERE minion_id = $1 AND state = 'pending'`, [id]);
        await changed(pending !== undefined ? 'pending' : null, 'accepted', 'autosign');
        return { state: 'accepted' };
      }
      if (pending !== undefined) return { state: 'pending' };
      if (this.policy.maxPending !== undefined) {
        // One count at a time cluster-wide, or two masters could each take the last free place.
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, LOCKS.pendingCount]);
        const n = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM brine_keys WHERE state = 'pending'`)).rows[0]?.n ?? 0);
        if (n >= this.policy.maxPending) return { state: 'pending', full: true };
      }
      await this.put(c, 'pending', id, pem, 'minion');
      await changed(null, 'pending', 'minion');
      return { state: 'pending', created: true };
    });
  }

  /** Move the ids matching `glob` in one of `from` to `to`, in one transaction. */
  private async move(glob: string, from: KeyState[], to: KeyState, by: string): Promise<string[]> {
    return this.db.tx(async (c) => {
      const candidates = (await c.query<{ minion_id: string }>('SELECT DISTINCT minion_id FROM brine_keys WHERE state = ANY($1)', [from])).rows
        .map((r) => r.minion_id)
        .filter((id) => globMatch(glob, id));
      await this.lock(c, candidates);
      const moved: string[] = [];
      for (const s of from) {
        const rows = (await c.query<{ minion_id: string; pem: string }>('SELECT minion_id, pem FROM brine_keys WHERE state = $1 AND minion_id = ANY($2) ORDER BY minion_id COLLATE "C"', [s, candidates])).rows;
        for (const r of rows) {
          await this.put(c, to, r.minion_id, r.pem, by);
          await c.query('DELETE FROM brine_keys WHERE minion_id = $1 AND state = $2', [r.minion_id, s]);
          await this.note(c, r.minion_id, s, to, r.pem, by);
          moved.push(r.minion_id);
        }
      }
      if (moved.length) await notify(c, { kind: 'key', ids: moved, state: to, master: this.master });
      return moved;
    });
  }

  accept(glob: string, includeRejected = false, by = 'operator'): Promise<string[]> {
    return this.move(glob, includeRejected ? ['pending', 'rejected'] : ['pending'], 'accepted', by);
  }

  reject(glob: string, includeAccepted = false, by = 'operator'): Promise<string[]> {
    return this.move(glob, includeAccepted ? ['pending', 'accepted'] : ['pending'], 'rejected', by);
  }

  async delete(glob: string, by = 'operator'): Promise<string[]> {
    return this.db.tx(async (c) => {
      const ids = [...new Set((await c.query<{ minion_id: string }>('SELECT minion_id FROM brine_keys')).rows.map((r) => r.minion_id))].filter((id) => globMatch(glob, id)).sort();
      await this.lock(c, ids);
      const rows = (await c.query<{ minion_id: string; state: KeyState; pem: string }>('DELETE FROM brine_keys WHERE minion_id = ANY($1) RETURNING minion_id, state, pem', [ids])).rows;
      for (const r of rows) await this.note(c, r.minion_id, r.state, null, r.pem, by);
      const gone = [...new Set(rows.map((r) => r.minion_id))].sort();
      if (gone.length) await notify(c, { kind: 'key', ids: gone, state: null, master: this.master });
      return gone;
    });
  }

  async expirePending(maxAgeMs: number, now = Date.now()): Promise<string[]> {
    return this.db.tx(async (c) => {
      const rows = (await c.query<{ minion_id: string; pem: string }>(`DELETE FROM brine_keys WHERE state = 'pending' AND updated_at <= $1 RETURNING minion_id, pem`, [new Date(now - maxAgeMs)])).rows;
      for (const r of rows) await this.note(c, r.minion_id, 'pending', null, r.pem, 'expiry');
      const gone = rows.map((r) => r.minion_id).sort();
      if (gone.length) await notify(c, { kind: 'key', ids: gone, state: null, master: this.master });
      return gone;
    });
  }

  async fingers(glob = '*', damaged?: string[]): Promise<Record<KeyState, Record<string, string>>> {
    const out = emptyLists<Record<string, string>>(() => ({}));
    const rows = await this.db.query<{ minion_id: string; state: KeyState; pem: string }>('SELECT minion_id, state, pem FROM brine_keys ORDER BY minion_id COLLATE "C"');
    for (const r of rows) {
      if (!globMatch(glob, r.minion_id)) continue;
      const f = fingerOf(r.pem);
      if (f === null) damaged?.push(keyLocation(this.db.where, r.state, r.minion_id));
      else out[r.state][r.minion_id] = f;
    }
    return out;
  }

  async history(id?: string): Promise<KeyChange[]> {
    const rows = await this.db.query<{ minion_id: string; from_state: KeyState | null; to_state: KeyState | null; fingerprint: string | null; actor: string; master: string; at: Date }>(
      `SELECT minion_id, from_state, to_state, fingerprint, actor, master, at FROM brine_key_history ${id === undefined ? '' : 'WHERE minion_id = $1'} ORDER BY seq`,
      id === undefined ? [] : [id],
    );
    return rows.map((r) => ({ id: r.minion_id, from: r.from_state, to: r.to_state, fingerprint: r.fingerprint, by: r.actor, master: r.master, at: r.at.toISOString() }));
  }
}
