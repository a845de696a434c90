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
  /** Returns stored in one transaction: [jid, minion id] each, in the order they were received. */
  | { kind: 'return'; rets: [string, string][]; master: string }
  | { kind: 'key'; ids: string[]; state: KeyState | null; master: string }
  | { kind: 'grains'; id: string; master: string }
  | { kind: 'members'; master: string };

/**
 * Longest payload sent (PostgreSQL refuses one of 8000 bytes or more). Key ids and returns are split by size: 200
 * characters is a valid minion id, so a fixed count per notice could overrun it.
 */
const MAX_PAYLOAD = 7000;

/** Split `items` into as few lists as fit `render` under MAX_PAYLOAD each. */
function bySize<T>(items: T[], render: (part: T[]) => string): string[] {
  const out: string[] = [];
  let part: T[] = [];
  let size = render([]).length;
  for (const x of items) {
    const add = JSON.stringify(x).length + 1;
    if (part.length > 0 && size + add > MAX_PAYLOAD) {
      out.push(render(part));
      part = [];
      size = render([]).length;
    }
    part.push(x);
    size += add;
  }
  if (part.length > 0 || out.length === 0) out.push(render(part));
  return out;
}

/** The notifications announcing `e` (a key or return event naming many becomes several). */
export function payloads(e: ClusterEvent): string[] {
  if (e.kind === 'key') return bySize(e.ids, (ids) => JSON.stringify({ ...e, ids }));
  if (e.kind === 'return') return bySize(e.rets, (rets) => JSON.stringify({ ...e, rets }));
  return [JSON.stringify(e)];
}

/** Send `e` on `c` (inside a transaction: on commit). */
export async function notify(c: ClientBase, e: ClusterEvent): Promise<void> {
  for (const p of payloads(e)) await c.query('SELECT pg_notify($1, $2)', [CHANNEL, p]);
}

const isPair = (x: unknown): x is [string, string] => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string';

function parse(payload: string | undefined): ClusterEvent | null {
  try {
    const e = JSON.parse(payload ?? '') as ClusterEvent;
    if (!e || typeof e !== 'object' || typeof e.master !== 'string') return null;
    switch (e.kind) {
      case 'return':
        return Array.isArray(e.rets) && e.rets.every(isPair) ? e : null;
      case 'key':
        return Array.isArray(e.ids) && e.ids.every((x) => typeof x === 'string') ? e : null;
      case 'job':
      case 'grains':
      case 'members':
        return e;
      default:
        return null;
    }
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
