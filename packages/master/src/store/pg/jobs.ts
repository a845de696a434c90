/**
 * The job cache in PostgreSQL. A job is published in one transaction (its record and one row per expected minion);
 * the jid and each (jid, minion) are unique, so two masters recording the same job record it once, and `claim`
 * lets exactly one master deliver it to each minion. Returns are one row per (jid, minion); quotas are counted as
 * the on-disk cache counts them (whole 4 KiB blocks per record), under the minion's advisory lock.
 */
import { BrineError, LocalStorageError } from '@brine/core';
import { JID, type JobRecord, type ReturnRecord } from '../../jobcache';
import { validMinionId } from '../../keys';
import { diskBytes, type QuotaRefusals } from '../../quota';
import type { JobCacheApi } from '../types';
import type { Db } from './connect';
import { MINION_LOCK } from './migrations';
import { notify } from './notify';

function checkJid(jid: string): void {
  if (!JID.test(jid)) throw new BrineError('job-cache', `jid '${jid}' is not valid (20 digits)`);
}

/** The first 14 digits of a jid for a time (YYYYMMDDhhmmss, UTC). */
function jidSeconds(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** A scheduled job's record counts against the minion whose schedule created it. */
function scheduleOwner(job: JobRecord): string | null {
  return typeof job.user === 'string' && job.user.startsWith('schedule:') && typeof job.expected[0] === 'string' ? job.expected[0] : null;
}

/** What a minion holds against its job-cache quota: its returns and the records of its scheduled jobs. */
const USED = `SELECT (SELECT coalesce(sum(charge), 0) FROM brine_returns WHERE minion_id = $1) + (SELECT coalesce(sum(charge), 0) FROM brine_jobs WHERE owner = $1) AS n`;

export class PgJobs implements JobCacheApi {
  constructor(
    private readonly db: Db,
    private readonly master: string,
    private readonly keepHours: number,
    private readonly quota?: { bytes: number; refusals: QuotaRefusals },
  ) {}

  async recordJob(job: JobRecord): Promise<boolean> {
    checkJid(job.jid);
    const text = JSON.stringify(job);
    const owner = scheduleOwner(job);
    return this.db.tx(async (c) => {
      const ins = await c.query('INSERT INTO brine_jobs (jid, record, owner, charge, published_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (jid) DO NOTHING', [
        job.jid,
        text,
        owner,
        owner ? diskBytes(Buffer.byteLength(text)) + 4096 : 0,
        this.master,
      ]);
      if (ins.rowCount !== 1) return false;
      await c.query('INSERT INTO brine_job_minions (jid, minion_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [job.jid, job.expected]);
      await notify(c, { kind: 'job', jid: job.jid, master: this.master });
      return true;
    });
  }

  async recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void> {
    if (!validMinionId(r.id)) return;
    checkJid(r.jid);
    const text = JSON.stringify(r);
    const jobText = scheduled ? JSON.stringify(scheduled) : '';
    const jobCharge = scheduled ? diskBytes(Buffer.byteLength(jobText)) + 4096 : 0;
    const charge = diskBytes(Buffer.byteLength(text));
    await this.db.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MINION_LOCK.quota, r.id]);
      if (this.quota) {
        const prev = Number((await c.query<{ charge: string }>('SELECT charge FROM brine_returns WHERE jid = $1 AND minion_id = $2', [r.jid, r.id])).rows[0]?.charge ?? 0);
        const more = charge + jobCharge - prev;
        const used = Number((await c.query<{ n: string }>(USED, [r.id])).rows[0]?.n ?? 0);
        if (more > 0 && used + more > this.quota.bytes) this.quota.refusals.refuse(r.id, 'job cache', used, more, this.quota.bytes);
      }
      if (scheduled) {
        await c.query(
          `INSERT INTO brine_jobs (jid, record, owner, charge, published_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (jid) DO UPDATE SET record = EXCLUDED.record, owner = EXCLUDED.owner, charge = EXCLUDED.charge`,
          [scheduled.jid, jobText, scheduleOwner(scheduled), jobCharge, this.master],
        );
        await c.query('INSERT INTO brine_job_minions (jid, minion_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [scheduled.jid, scheduled.expected]);
      }
      await c.query(
        `INSERT INTO brine_returns (jid, minion_id, record, charge, received_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (jid, minion_id) DO UPDATE SET record = EXCLUDED.record, charge = EXCLUDED.charge, received_by = EXCLUDED.received_by, received_at = clock_timestamp()`,
        [r.jid, r.id, text, charge, this.master],
      );
      await notify(c, { kind: 'return', jid: r.jid, id: r.id, master: this.master });
    }).catch((e: unknown) => {
      if (e instanceof BrineError) throw e;
      throw new LocalStorageError(`job cache: could not store the return of ${r.id} for ${r.jid} in PostgreSQL`, e);
    });
  }

  async job(jid: string): Promise<JobRecord | null> {
    if (!JID.test(jid)) return null;
    const rows = await this.db.query<{ record: JobRecord }>('SELECT record FROM brine_jobs WHERE jid = $1', [jid]);
    return rows[0]?.record ?? null;
  }

  async readReturns(jid: string): Promise<{ returns: ReturnRecord[]; damaged: string[] }> {
    checkJid(jid);
    const rows = await this.db.query<{ record: ReturnRecord }>('SELECT record FROM brine_returns WHERE jid = $1 ORDER BY minion_id COLLATE "C"', [jid]);
    return { returns: rows.map((r) => r.record), damaged: [] };
  }

  async returns(jid: string): Promise<ReturnRecord[]> {
    return (await this.readReturns(jid)).returns;
  }

  /**
   * Jobs published and returns received since `t` (by the store's clock), oldest first: what a master whose channel
   * was down missed (notifications sent meanwhile are lost).
   */
  async since(t: Date): Promise<{ jobs: JobRecord[]; returns: ReturnRecord[] }> {
    const jobs = await this.db.query<{ record: JobRecord }>('SELECT record FROM brine_jobs WHERE published_at >= $1 ORDER BY published_at', [t]);
    const returns = await this.db.query<{ record: ReturnRecord }>('SELECT record FROM brine_returns WHERE received_at >= $1 ORDER BY received_at', [t]);
    return { jobs: jobs.map((r) => r.record), returns: returns.map((r) => r.record) };
  }

  /** One minion's return for a job; null when there is none. */
  async returnOf(jid: string, id: string): Promise<ReturnRecord | null> {
    if (!JID.test(jid)) return null;
    const rows = await this.db.query<{ record: ReturnRecord }>('SELECT record FROM brine_returns WHERE jid = $1 AND minion_id = $2', [jid, id]);
    return rows[0]?.record ?? null;
  }

  async missing(jid: string): Promise<string[]> {
    if (!JID.test(jid)) return [];
    const rows = await this.db.query<{ minion_id: string }>(
      `SELECT m.minion_id FROM brine_job_minions m
       WHERE m.jid = $1 AND NOT EXISTS (SELECT 1 FROM brine_returns r WHERE r.jid = m.jid AND r.minion_id = m.minion_id)
       ORDER BY m.minion_id COLLATE "C"`,
      [jid],
    );
    return rows.map((r) => r.minion_id);
  }

  async claim(jid: string, minion: string): Promise<boolean> {
    if (!JID.test(jid)) return false;
    const rows = await this.db.query(
      `UPDATE brine_job_minions SET delivered_by = $3, delivered_at = clock_timestamp()
       WHERE jid = $1 AND minion_id = $2 AND delivered_by IS NULL RETURNING 1`,
      [jid, minion, this.master],
    );
    return rows.length === 1;
  }

  async list(_damaged?: string[]): Promise<JobRecord[]> {
    const rows = await this.db.query<{ record: JobRecord }>('SELECT record FROM brine_jobs ORDER BY jid COLLATE "C"');
    return rows.map((r) => r.record);
  }

  async prune(now = Date.now()): Promise<number> {
    // A jid's time has whole seconds: older than keep_jobs when it is before the cut-off rounded up to a second.
    const cut = jidSeconds(Math.ceil((now - this.keepHours * 3600_000) / 1000) * 1000);
    return this.db.tx(async (c) => {
      const jobs = (await c.query<{ jid: string }>('DELETE FROM brine_jobs WHERE left(jid, 14) COLLATE "C" < $1 RETURNING jid', [cut])).rows;
      const rets = (await c.query<{ jid: string }>('DELETE FROM brine_returns WHERE left(jid, 14) COLLATE "C" < $1 RETURNING jid', [cut])).rows;
      return new Set([...jobs, ...rets].map((r) => r.jid)).size;
    });
  }

  async used(id: string): Promise<number> {
    return Number((await this.db.query<{ n: string }>(USED, [id]))[0]?.n ?? 0);
  }
}
