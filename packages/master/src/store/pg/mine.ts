/** The mine in PostgreSQL: one row per minion (data and ACLs), changed under the minion's advisory lock. */
import { checkUntrustedTarget, matchTarget, type Dict, type TargetType } from '@brine/core';
import type { QuotaRefusals } from '../../quota';
import type { MineAcl, MineApi, Subjects } from '../types';
import type { Db } from './connect';
import { MINION_LOCK } from './migrations';
import { mineAclAllows } from '../../mine';

export type Quota = { bytes: number; refusals: QuotaRefusals };

export class PgMine implements MineApi {
  constructor(
    private readonly db: Db,
    private readonly quota: Quota,
  ) {}

  async update(id: string, fns: Dict, acl: Record<string, MineAcl> = {}, clear = false): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MINION_LOCK.quota, id]);
      const row = (await c.query<{ data: Dict; acl: Record<string, MineAcl> }>('SELECT data, acl FROM brine_mine WHERE minion_id = $1', [id])).rows[0];
      // Salt's mine.update replaces per function; the ACL of each function sent is replaced (or dropped) with it.
      const next = clear ? { ...fns } : { ...(row?.data ?? {}), ...fns };
      const nextAcl: Record<string, MineAcl> = { ...(clear ? {} : row?.acl) };
      for (const name of Object.keys(fns)) {
        if (acl[name]) nextAcl[name] = acl[name]!;
        else delete nextAcl[name];
      }
      const aclText = JSON.stringify(nextAcl);
      const dataText = JSON.stringify(next);
      const size = Buffer.byteLength(aclText) + Buffer.byteLength(dataText);
      if (size > this.quota.bytes) this.quota.refusals.refuse(id, 'mine', 0, size, this.quota.bytes);
      await c.query(
        `INSERT INTO brine_mine (minion_id, data, acl) VALUES ($1, $2, $3)
         ON CONFLICT (minion_id) DO UPDATE SET data = EXCLUDED.data, acl = EXCLUDED.acl, updated_at = clock_timestamp()`,
        [id, dataText, aclText],
      );
    });
  }

  async of(id: string): Promise<Dict | undefined> {
    return (await this.db.query<{ data: Dict }>('SELECT data FROM brine_mine WHERE minion_id = $1', [id]))[0]?.data;
  }

  async ids(): Promise<string[]> {
    return (await this.db.query<{ minion_id: string }>('SELECT minion_id FROM brine_mine ORDER BY minion_id COLLATE "C"')).map((r) => r.minion_id);
  }

  async delete(id: string): Promise<void> {
    await this.db.query('DELETE FROM brine_mine WHERE minion_id = $1', [id]);
  }

  async get(tgt: string | string[], fun: string, tgtType: TargetType, subjects: Subjects, accepted: Set<string>, nodegroups: Record<string, string | string[]>, requester: string | null): Promise<Dict> {
    const untrusted = requester !== null; // a minion's target: no regular expressions (no ReDoS on the master)
    if (untrusted) checkUntrustedTarget({ tgt, type: tgtType }, { nodegroups });
    const rows = await this.db.query<{ minion_id: string; value: string; acl: MineAcl | null }>(
      `SELECT minion_id, (data -> $1)::text AS value, acl -> $1 AS acl FROM brine_mine
       WHERE (data::jsonb) ? $1 ORDER BY minion_id COLLATE "C"`,
      [fun],
    );
    const out: Dict = {};
    for (const r of rows) {
      if (!accepted.has(r.minion_id)) continue;
      if (!matchTarget({ tgt, type: tgtType }, subjects.subject(r.minion_id), { nodegroups, untrusted })) continue;
      if (r.acl && requester !== null && !allowed(r.acl, requester, subjects, nodegroups)) continue;
      out[r.minion_id] = JSON.parse(r.value) as unknown;
    }
    return out;
  }
}

function allowed(acl: MineAcl, requester: string, subjects: Subjects, nodegroups: Record<string, string | string[]>): boolean {
  return mineAclAllows(acl, subjects.subject(requester), nodegroups);
}
