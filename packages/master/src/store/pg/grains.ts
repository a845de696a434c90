/** The grains cache in PostgreSQL: the grains each minion last reported, one row per minion. */
import type { Dict } from '@brine/core';
import type { GrainsApi } from '../types';
import type { Db } from './connect';
import type { Quota } from './mine';

export class PgGrains implements GrainsApi {
  constructor(
    private readonly db: Db,
    private readonly quota: Quota,
  ) {}

  async setGrains(id: string, grains: Dict): Promise<void> {
    const text = JSON.stringify(grains);
    const size = Buffer.byteLength(text);
    if (size > this.quota.bytes) this.quota.refusals.refuse(id, 'grains', 0, size, this.quota.bytes);
    await this.db.query(
      `INSERT INTO brine_grains (minion_id, grains) VALUES ($1, $2)
       ON CONFLICT (minion_id) DO UPDATE SET grains = EXCLUDED.grains, updated_at = clock_timestamp()`,
      [id, text],
    );
  }

  async grains(id: string): Promise<Dict | undefined> {
    return (await this.db.query<{ grains: Dict }>('SELECT grains FROM brine_grains WHERE minion_id = $1', [id]))[0]?.grains;
  }

  async all(): Promise<Record<string, Dict>> {
    const out: Record<string, Dict> = {};
    for (const r of await this.db.query<{ minion_id: string; grains: Dict }>('SELECT minion_id, grains FROM brine_grains ORDER BY minion_id COLLATE "C"')) out[r.minion_id] = r.grains;
    return out;
  }

  async forget(id: string): Promise<void> {
    await this.db.query('DELETE FROM brine_grains WHERE minion_id = $1', [id]);
  }
}
