/**
 * The master-to-master channel: PostgreSQL LISTEN/NOTIFY on one channel. A notification carries ids only (the
 * rows are in the tables, and a payload is limited to 8000 bytes); one sent inside a transaction is delivered when
 * it commits, never for a change rolled back. A listener whose connection drops reconnects by itself and reports it:
 * what was sent meanwhile is lost, so the master reads the tables again then.
 */
import { EventEmitter } from 'events';
import { Client, type ClientBase } from 'pg';
import { errorMessage } from '@brine/core';
import { checkDsn, storeError } from './connect';
import type { KeyState } from '../types';

export const CHANNEL = 'brine_cluster';

export type ClusterEvent =
  | { kind: 'job'; jid: string; master: string }
  | { kind: 'return'; jid: string; id: string; master: string }
  | { kind: 'key'; ids: string[]; state: KeyState | null; master: string }
  | { kind: 'grains'; id: string; master: string }
  | { kind: 'members'; master: string };

/** Most ids one key notification carries (longer lists are split, well within the 8000-byte payload limit). */
const IDS_PER_NOTICE = 40;

/** The notifications announcing `e` (a key event naming many ids becomes several). */
export function payloads(e: ClusterEvent): string[] {
  if (e.kind !== 'key' || e.ids.length <= IDS_PER_NOTICE) return [JSON.stringify(e)];
  const out: string[] = [];
  for (let i = 0; i < e.ids.length; i += IDS_PER_NOTICE) out.push(JSON.stringify({ ...e, ids: e.ids.slice(i, i + IDS_PER_NOTICE) }));
  return out;
}

/** Send `e` on `c` (inside a transaction: on commit). */
export async function notify(c: ClientBase, e: ClusterEvent): Promise<void> {
  for (const p of payloads(e)) await c.query('SELECT pg_notify($1, $2)', [CHANNEL, p]);
}

function parse(payload: string | undefined): ClusterEvent | null {
  try {
    const e = JSON.parse(payload ?? '') as ClusterEvent;
    return e && typeof e === 'object' && (e.kind === 'job' || e.kind === 'return' || e.kind === 'key' || e.kind === 'grains' || e.kind === 'members') && typeof e.master === 'string' ? e : null;
  } catch {
    return null;
  }
}

export interface ListenerOptions {
  /** First delay before reconnecting (doubles up to maxDelayMs). */
  minDelayMs?: number;
  maxDelayMs?: number;
  connectTimeoutMs?: number;
}

/**
 * Listens on the channel. Events: `event` (ClusterEvent), `connected` (first time and after each reconnection:
 * re-read shared state then), `disconnected` (Error), `error` is never emitted (a lost connection is retried).
 */
export class ClusterListener extends EventEmitter {
  private client: Client | null = null;
  private closed = false;
  private delay: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly where: string;

  constructor(private readonly dsn: string, private readonly opts: ListenerOptions = {}) {
    super();
    this.where = checkDsn(dsn);
    this.delay = opts.minDelayMs ?? 200;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** Connect and LISTEN; rejects with a clear error when the first connection fails (later ones are retried). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const c = new Client({ connectionString: this.dsn, connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 5000, application_name: 'brine-master-listen' });
    c.on('error', () => this.lost(c, new Error('connection error')));
    c.on('end', () => this.lost(c, new Error('connection ended')));
    c.on('notification', (m) => {
      if (m.channel !== CHANNEL) return;
      const e = parse(m.payload);
      if (e) this.emit('event', e);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      c.removeAllListeners('end');
      c.end().catch(() => undefined);
      throw storeError(this.where, e);
    }
    if (this.closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.delay = this.opts.minDelayMs ?? 200;
    this.emit('connected');
  }

  private lost(c: Client, why: Error): void {
    if (this.client !== c) return;
    this.client = null;
    c.removeAllListeners('end');
    c.end().catch(() => undefined);
    if (this.closed) return;
    this.emit('disconnected', why);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().catch((e) => {
        this.emit('disconnected', new Error(errorMessage(e)));
        this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 5000);
        this.retry();
      });
    }, this.delay);
    this.timer.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
    }
  }
}
