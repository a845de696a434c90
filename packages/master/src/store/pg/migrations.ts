/**
 * The PostgreSQL schema, as numbered migrations applied in order. `brine_schema` records each one applied. A starting
 * master migrates inside one transaction holding an advisory lock, so masters starting together apply each migration
 * once; a schema newer than this code is refused (an older master must not write to tables it does not know).
 */
import { BrineError } from '@brine/core';
import type { Db } from './connect';

/** Advisory-lock namespace of Brine (first key of the two-int form): "BRNE". */
export const LOCK_NS = 0x42524e45;
/** Second keys within LOCK_NS. */
export const LOCKS = { migrate: 1, pendingCount: 2 } as const;
/** Namespaces of the per-minion locks (first key; the second is hashtext(id)). */
export const MINION_LOCK = { key: LOCK_NS + 1, quota: LOCK_NS + 2 } as const;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'keys, key history, jobs, expected minions, returns, mine, grains',
    sql: `
CREATE TABLE brine_keys (
  minion_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'denied')),
  pem text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_by text NOT NULL,
  PRIMARY KEY (minion_id, state)
);
CREATE INDEX brine_keys_state ON brine_keys (state, minion_id);
CREATE TABLE brine_key_history (
  seq bigserial PRIMARY KEY,
  minion_id text NOT NULL,
  from_state text,
  to_state text,
  fingerprint text,
  actor text NOT NULL,
  master text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX brine_key_history_minion ON brine_key_history (minion_id, seq);
CREATE TABLE brine_jobs (
  jid text PRIMARY KEY CHECK (jid ~ '^[0-9]{20}$'),
  record json NOT NULL,
  -- the minion whose scheduled run created the job (its record counts against that minion's quota)
  owner text,
  charge bigint NOT NULL DEFAULT 0,
  published_by text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX brine_jobs_owner ON brine_jobs (owner) WHERE owner IS NOT NULL;
CREATE TABLE brine_job_minions (
  jid text NOT NULL REFERENCES brine_jobs (jid) ON DELETE CASCADE,
  minion_id text NOT NULL,
  delivered_by text,
  delivered_at timestamptz,
  PRIMARY KEY (jid, minion_id)
);
CREATE TABLE brine_returns (
  jid text NOT NULL CHECK (jid ~ '^[0-9]{20}$'),
  minion_id text NOT NULL,
  record json NOT NULL,
  charge bigint NOT NULL,
  received_by text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (jid, minion_id)
);
CREATE INDEX brine_returns_minion ON brine_returns (minion_id);
CREATE TABLE brine_mine (
  minion_id text PRIMARY KEY,
  data json NOT NULL,
  acl json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE brine_grains (
  minion_id text PRIMARY KEY,
  grains json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
`,
  },
  {
    version: 2,
    name: 'cluster identity and members (signing-key fingerprint, tree hashes)',
    sql: `
CREATE TABLE brine_cluster (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  cluster_id text NOT NULL,
  -- the fingerprint of the cluster's signing key (the key itself stays on each master's disk)
  fingerprint text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE brine_masters (
  name text PRIMARY KEY,
  address text,
  tree_hash text,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  seen_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
`,
  },
  {
    version: 3,
    name: 'the minions connected to each master (a job watch on one master waits for minions served by another)',
    sql: `ALTER TABLE brine_masters ADD COLUMN connected json NOT NULL DEFAULT '[]';`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The database holds a schema from a newer Brine. */
export class SchemaTooNew extends BrineError {
  constructor(readonly where: string, readonly found: number, readonly known: number) {
    super('store-schema', `PostgreSQL store at ${where} has schema version ${found}, newer than this Brine knows (${known}): upgrade this master before it joins the cluster`);
  }
}

/**
 * Bring the schema up to SCHEMA_VERSION. Returns the versions before and after. Safe to run from many masters at
 * once (the advisory lock serialises them; the later ones find nothing to do).
 */
export async function migrate(db: Db, master: string, migrations: readonly Migration[] = MIGRATIONS): Promise<{ from: number; to: number }> {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  return db.tx(async (c) => {
    // A migration may take long on a big database, and so may waiting for another master's: no statement timeout here.
    await c.query('SET LOCAL statement_timeout = 0');
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, LOCKS.migrate]);
    await c.query(`CREATE TABLE IF NOT EXISTS brine_schema (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      applied_by text NOT NULL
    )`);
    const found = Number((await c.query<{ v: number | null }>('SELECT max(version) AS v FROM brine_schema')).rows[0]?.v ?? 0);
    if (found > known) throw new SchemaTooNew(db.where, found, known);
    for (const m of migrations) {
      if (m.version <= found) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO brine_schema (version, name, applied_by) VALUES ($1, $2, $3)', [m.version, m.name, master]);
    }
    return { from: found, to: Math.max(found, known) };
  });
}

/** The schema version the database holds (0: none yet). */
export async function schemaVersion(db: Db): Promise<number> {
  const t = await db.query<{ t: string | null }>(`SELECT to_regclass('brine_schema')::text AS t`);
  if (!t[0]?.t) return 0;
  return Number((await db.query<{ v: number | null }>('SELECT max(version) AS v FROM brine_schema'))[0]?.v ?? 0);
}
