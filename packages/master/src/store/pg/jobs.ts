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
import type { PoolClient } from 'pg';
import { StoreUnavailable, type Db } from './connect';
import { MINION_LOCK } from './migrations';
import { notify } from './notify';

const badJid = (jid: string): BrineError => new BrineError('job-cache', `jid '${jid}' is not valid (20 digits)`);

function checkJid(jid: string): void {
  if (!JID.test(jid)) throw badJid(jid);
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
const USED_BY = (id: string): string =>
  `(SELECT coalesce(sum(charge), 0) FROM brine_returns WHERE minion_id = ${id}) + (SELECT coalesce(sum(charge), 0) FROM brine_jobs WHERE owner = ${id})`;

/** Returns written in one transaction at most (group commit), and transactions writing returns at once. */
const RETURN_BATCH = 500;
const MAX_IN_FLIGHT = 2;

interface PendingReturn {
  r: ReturnRecord;
  scheduled?: JobRecord;
  text: string;
  jobText: string;
  charge: number;
  jobCharge: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

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

  /**
   * Store a return. Returns arriving together are written in one transaction (group commit: one commit, one
   * notification and a few statements for the lot, however many), at most MAX_IN_FLIGHT transactions at a time; each
   * caller is answered for its own return (a quota refusal is that minion's alone). A batch the store refuses for
   * another reason than being unreachable is tried again one return per transaction, so one bad return fails alone.
   */
  recordReturn(r: ReturnRecord, scheduled?: JobRecord): Promise<void> {
    if (!validMinionId(r.id)) return Promise.resolve();
    if (!JID.test(r.jid)) return Promise.reject(badJid(r.jid));
    const text = JSON.stringify(r);
    const jobText = scheduled ? JSON.stringify(scheduled) : '';
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({
        r,
        scheduled,
        text,
        jobText,
        charge: diskBytes(Buffer.byteLength(text)),
        jobCharge: scheduled ? diskBytes(Buffer.byteLength(jobText)) + 4096 : 0,
        resolve,
        reject,
      });
      this.writeSoon();
    });
  }

  private waiting: PendingReturn[] = [];
  private inFlight = 0;
  private soon = false;

  /** The next batch goes when a transaction slot is free; returns received in the same turn of the loop join it. */
  private writeSoon(): void {
    if (this.soon || this.inFlight >= MAX_IN_FLIGHT || this.waiting.length === 0) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length > 0) {
        const batch = this.waiting.splice(0, RETURN_BATCH);
        this.inFlight++;
        void this.write(batch).finally(() => {
          this.inFlight--;
          this.writeSoon();
        });
      }
    });
  }

  private async write(batch: PendingReturn[]): Promise<void> {
    let refused: Map<PendingReturn, unknown>;
    try {
      refused = await this.db.tx((c) => this.writeBatch(c, batch));
    } catch (e) {
      if (batch.length > 1 && !(e instanceof StoreUnavailable)) {
        // One return the store refuses must not fail the others: each on its own.
        for (const one of batch) await this.write([one]);
        return;
      }
      const err = e instanceof BrineError ? e : undefined;
      for (const p of batch) p.reject(err ?? new LocalStorageError(`job cache: could not store the return of ${p.r.id} for ${p.r.jid} in PostgreSQL`, e));
      return;
    }
    for (const p of batch) {
      if (refused.has(p)) p.reject(refused.get(p));
      else p.resolve();
    }
  }

  /** One transaction for `batch`: the minions' quota locks, their quota, the scheduled jobs, the returns, one notice. */
  private async writeBatch(c: PoolClient, batch: PendingReturn[]): Promise<Map<PendingReturn, unknown>> {
    const refused = new Map<PendingReturn, unknown>();
    const ids = [...new Set(batch.map((p) => p.r.id))];
    // Always in the same (hash) order, so two masters' batches never wait for each other in a circle.
    await c.query('SELECT pg_advisory_xact_lock($1, h) FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($2::text[]) AS id ORDER BY h) AS l', [MINION_LOCK.quota, ids]);
    if (this.quota) {
      const pair = (jid: string, id: string): string => `${jid}\0${id}`;
      const prev = new Map<string, number>();
      const old = await c.query<{ jid: string; minion_id: string; charge: string }>(
        'SELECT r.jid, r.minion_id, r.charge FROM brine_returns r JOIN unnest($1::text[], $2::text[]) AS p(jid, id) ON r.jid = p.jid AND r.minion_id = p.id',
        [batch.map((p) => p.r.jid), batch.map((p) => p.r.id)],
      );
      for (const row of old.rows) prev.set(pair(row.jid, row.minion_id), Number(row.charge));
      const used = new Map<string, number>();
      for (const row of (await c.query<{ id: string; n: string }>(`SELECT id, ${USED_BY('id')} AS n FROM unnest($1::text[]) AS id`, [ids])).rows) used.set(row.id, Number(row.n));
      for (const p of batch) {
        const k = pair(p.r.jid, p.r.id);
        const more = p.charge + p.jobCharge - (prev.get(k) ?? 0);
        const u = used.get(p.r.id) ?? 0;
        if (more > 0 && u + more > this.quota.bytes) {
          try {
            this.quota.refusals.refuse(p.r.id, 'job cache', u, more, this.quota.bytes);
          } catch (e) {
            refused.set(p, e);
          }
          continue;
        }
        used.set(p.r.id, u + more);
        prev.set(k, p.charge);
      }
    }
    const kept = batch.filter((p) => !refused.has(p));
    for (const { scheduled, jobText, jobCharge } of kept) {
      if (!scheduled) continue;
      await c.query(
        `INSERT INTO brine_jobs (jid, record, owner, charge, published_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (jid) DO UPDATE SET record = EXCLUDED.record, owner = EXCLUDED.owner, charge = EXCLUDED.charge`,
        [scheduled.jid, jobText, scheduleOwner(scheduled), jobCharge, this.master],
      );
      await c.query('INSERT INTO brine_job_minions (jid, minion_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [scheduled.jid, scheduled.expected]);
    }
    // A minion's later return for the same job wins, as it would one transaction after the other (and one INSERT may
    // not touch a row twice).
    const last = new Map<string, PendingReturn>();
    for (const p of kept) {
      const k = `${p.r.jid}\0${p.r.id}`;
      last.delete(k);
      last.set(k, p);
    }
    const rows = [...last.values()];
    if (rows.length === 0) return refused;
    await c.query(
      `INSERT INTO brine_returns (jid, minion_id, record, charge, received_by)
       SELECT jid, id, record::json, charge, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(jid, id, record, charge)
       ON CONFLICT (jid, minion_id) DO UPDATE SET record = EXCLUDED.record, charge = EXCLUDED.charge, received_by = EXCLUDED.received_by, received_at = clock_timestamp()`,
      [rows.map((p) => p.r.jid), rows.map((p) => p.r.id), rows.map((p) => p.text), rows.map((p) => p.charge), this.master],
    );
    await notify(c, { kind: 'return', rets: rows.map((p) => [p.r.jid, p.r.id]), master: this.master });
    return refused;
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

  /** The returns named by [jid, minion id] pairs, in that order (those the store does not have left out). */
  async returnsOf(pairs: [string, string][]): Promise<ReturnRecord[]> {
    const ok = pairs.filter(([jid, id]) => JID.test(jid) && validMinionId(id));
    if (ok.length === 0) return [];
    const rows = await this.db.query<{ record: ReturnRecord }>(
      `SELECT r.record FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(jid, id, n)
       JOIN brine_returns r ON r.jid = p.jid AND r.minion_id = p.id ORDER BY p.n`,
      [ok.map((p) => p[0]), ok.map((p) => p[1])],
    );
    return rows.map((r) => r.record);
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
    return Number((await this.db.query<{ n: string }>(`SELECT ${USED_BY('$1')} AS n`, [id]))[0]?.n ?? 0);
  }
}
