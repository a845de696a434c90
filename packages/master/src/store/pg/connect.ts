/**
 * Connecting to the cluster's PostgreSQL: DSN checks, a pool whose idle-connection errors never crash the master,
 * errors turned into messages an operator can act on (never showing the password), and transactions.
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { BrineError, errorMessage } from '@brine/core';

/** The store cannot be reached (down, refused, timed out, connection lost): changes are refused until it is back. */
export class StoreUnavailable extends BrineError {
  constructor(readonly where: string, cause: unknown) {
    super('store-unavailable', `PostgreSQL store at ${where} is unreachable (${errorMessage(cause)}): shared state cannot be changed until it is back`, { cause });
  }
}

/** The store answered but refused us, or the DSN is not usable: not a passing outage. */
export class StoreConfigError extends BrineError {
  constructor(message: string, cause?: unknown) {
    super('store-config', message, cause === undefined ? undefined : { cause });
  }
}

/** `postgresql://user:***@host:port/db`: the DSN as shown in messages. */
export function redactDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DSN)';
  }
}

/** Check a `cluster.store` DSN; returns where it points (host:port/db) for messages. */
export function checkDsn(dsn: string): string {
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    throw new StoreConfigError(`cluster store '${redactDsn(dsn)}' is not a URL: expected postgresql://user:password@host:port/database`);
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new StoreConfigError(`cluster store '${redactDsn(dsn)}' is not a postgresql:// URL (scheme '${u.protocol.replace(/:$/, '')}')`);
  }
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!u.hostname || !db) throw new StoreConfigError(`cluster store '${redactDsn(dsn)}' must name a host and a database (postgresql://user:password@host:port/database)`);
  return `${u.hostname}:${u.port || 5432}/${db}`;
}

/** SQLSTATE classes and socket errors that mean "not reachable now" rather than "refused" (57014: past statement_timeout). */
function unreachable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', '57P01', '57P02', '57P03', '57014'].includes(code)) return true;
    if (code.startsWith('08')) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(errorMessage(e));
}

/** A pg error, as a BrineError that says what to do. */
export function storeError(where: string, e: unknown): Error {
  if (e instanceof BrineError) return e;
  const code = (e as { code?: unknown })?.code;
  if (unreachable(e)) return new StoreUnavailable(where, e);
  if (code === '28P01' || code === '28000') return new StoreConfigError(`PostgreSQL store at ${where} refused the login (${errorMessage(e)}): check the user and password in cluster.store`, e);
  if (code === '3D000') return new StoreConfigError(`PostgreSQL store at ${where}: ${errorMessage(e)} (create it, or fix the database name in cluster.store)`, e);
  if (code === 'ENOTFOUND') return new StoreConfigError(`PostgreSQL store at ${where}: host not found (${errorMessage(e)})`, e);
  if (code === '42501') return new StoreConfigError(`PostgreSQL store at ${where}: permission denied (${errorMessage(e)}): the cluster's role must own its database`, e);
  return e instanceof Error ? e : new Error(String(e));
}

export interface Db {
  readonly pool: Pool;
  /** host:port/db, for messages. */
  readonly where: string;
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Run `fn` in a transaction (committed when it resolves, rolled back when it throws). */
  tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Connections in the pool (default 8). */
  max?: number;
  /** Time to get a connection, from the pool or the server (default 5 s). */
  connectTimeoutMs?: number;
  /** Longest a statement may run, waiting for locks included (default 30 s): a stuck store never hangs a master. */
  statementTimeoutMs?: number;
  onIdleError?: (e: Error) => void;
}

export function openDb(dsn: string, opts: DbOptions = {}): Db {
  const where = checkDsn(dsn);
  const config: PoolConfig = {
    connectionString: dsn,
    max: opts.max ?? 8,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    application_name: 'brine-master',
  };
  const pool = new Pool(config);
  // An idle connection the server closes (restart, outage) is reported here; the next query opens a new one.
  pool.on('error', (e) => opts.onIdleError?.(e));
  const db: Db = {
    pool,
    where,
    async query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
      try {
        return (await pool.query<R>(sql, params)).rows;
      } catch (e) {
        throw storeError(where, e);
      }
    },
    async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
      let c: PoolClient;
      try {
        c = await pool.connect();
      } catch (e) {
        throw storeError(where, e);
      }
      let broken = false;
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await c.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw storeError(where, e);
      } finally {
        c.release(broken);
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
  return db;
}
