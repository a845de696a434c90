/**
 * The control channel's transport: a ZeroMQ ROUTER (master) and DEALER (CLI) on an IPC socket in `sock_dir` (mode
 * 0700), with a token the master writes there (mode 0400) and checks on every request. Frames are one JSON document
 * each (see messages.ts); the master validates each request body against its operation's schema before any handler
 * sees it, the client validates each event and reply against the same table.
 *
 * Streams: a handler may send any number of events before its end. When the client goes away (its socket closed),
 * the master's sends to it fail (ROUTER_MANDATORY) and every stream of that client is aborted (`sink.signal`).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Dealer, Router } from 'zeromq';
import { BrineError, errorMessage, isDict, ProtocolError, UsageError, type Logger } from '@brine/core';
import {
  checkControlEvent,
  checkControlReply,
  checkControlRequest,
  controlReplyFrame,
  controlRequestFrame,
  isControlOp,
  type ControlErrorCode,
  type ControlEventOf,
  type ControlOp,
  type ControlRequestOf,
  type ReplyOf,
} from './messages';

export function controlPaths(sockDir: string): { endpoint: string; ipc: string; tokenFile: string } {
  const ipc = path.join(sockDir, 'control.ipc');
  return { endpoint: `ipc://${ipc}`, ipc, tokenFile: path.join(sockDir, 'control.token') };
}

// ---------------------------------------------------------------- master side

/** Where a handler answers: events (streams), then exactly one `end` or `fail`. */
export interface ControlSink<K extends ControlOp> {
  event(e: ControlEventOf<K>): void;
  end(reply: ReplyOf<K>): void;
  fail(error: string, code?: ControlErrorCode): void;
  /** Aborted when the client that asked went away (stop streaming). */
  readonly signal: AbortSignal;
  /** The asking client's connection, for the log. */
  readonly peer: string;
}

export type ControlHandler<K extends ControlOp> = (req: ControlRequestOf<K>, sink: ControlSink<K>) => Promise<void> | void;

/** One handler per operation: an operation without a handler is a compile error. */
export type ControlHandlers = { [K in ControlOp]: ControlHandler<K> };

/** A batch of events is sent once it holds this many bytes of JSON, or at the end of the event-loop turn. */
export const EVENT_BATCH_BYTES = 1024 * 1024;

export class ControlServer {
  private readonly sock = new Router({ linger: 0, sendHighWaterMark: 100000, mandatory: true, sendTimeout: 2000 });
  private token = '';
  private closed = false;
  private sendChain: Promise<void> = Promise.resolve();
  /** Open requests per client connection: aborted together when a send to that client fails. */
  private readonly open = new Map<string, Set<AbortController>>();

  constructor(private readonly sockDir: string, private readonly log: Logger, private readonly handlers: ControlHandlers) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.sockDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.sockDir, 0o700);
    const { endpoint, ipc, tokenFile } = controlPaths(this.sockDir);
    this.token = crypto.randomBytes(32).toString('hex');
    fs.rmSync(tokenFile, { force: true });
    fs.writeFileSync(tokenFile, this.token, { mode: 0o400 });
    fs.rmSync(ipc, { force: true });
    await this.sock.bind(endpoint);
    void this.loop();
  }

  /** Queue a frame to a client: a message, or one already serialised (a batch of events). */
  private send(peer: Buffer, msg: Record<string, unknown> | string): void {
    const key = peer.toString('hex');
    this.sendChain = this.sendChain
      .then(() => (this.gone.has(key) ? undefined : this.sock.send([peer, typeof msg === 'string' ? msg : JSON.stringify(msg)])))
      .catch((e) => {
        if (this.closed) return;
        // The client is gone (or not reading): whatever it still has open here is of no use to anyone, and what is
        // still queued for it is dropped instead of each waiting out the send timeout (one slow client must not
        // hold up the replies of the others).
        this.log.debug('control: send failed; the client is gone', { error: errorMessage(e) });
        this.markGone(key);
        this.abortPeer(key);
      });
  }

  /** Clients whose last send failed (bounded; a client that speaks again is taken off). */
  private readonly gone = new Set<string>();

  private markGone(key: string): void {
    if (this.gone.size >= 1024) this.gone.delete(this.gone.values().next().value as string);
    this.gone.add(key);
  }

  private abortPeer(peer: string): void {
    const set = this.open.get(peer);
    if (!set) return;
    this.open.delete(peer);
    for (const c of set) c.abort();
  }

  private async loop(): Promise<void> {
    try {
      for await (const frames of this.sock) {
        const [peer, body] = frames as Buffer[];
        if (!peer || !body) continue;
        this.gone.delete(peer.toString('hex'));
        this.onFrame(peer, body);
      }
    } catch (e) {
      if (!this.closed) this.log.error('control: socket loop ended', { error: errorMessage(e) });
    }
  }

  private onFrame(peer: Buffer, body: Buffer): void {
    let frame;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      frame = controlRequestFrame.check(parsed, 'control request');
    } catch (e) {
      // Without a well-formed id there is no one to answer.
      this.log.warn('control: malformed request dropped', { error: errorMessage(e).slice(0, 300) });
      return;
    }
    const { id, op } = frame;
    const reply = (msg: Record<string, unknown>) => this.send(peer, { id, ...msg });
    if (!timingSafeEqual(frame.token, this.token)) {
      this.log.warn('control: request with a bad token refused', { op: op.slice(0, 64) });
      reply({ type: 'end', ok: false, code: 'bad-token', error: 'control: bad token (run brine as the user that runs the master)' });
      return;
    }
    if (!isControlOp(op)) {
      reply({ type: 'end', ok: false, code: 'bad-request', error: `unknown operation '${op.slice(0, 64)}'` });
      return;
    }
    let req: ControlRequestOf<typeof op>;
    try {
      req = checkControlRequest(op, frame.body);
    } catch (e) {
      reply({ type: 'end', ok: false, code: 'bad-request', error: errorMessage(e) });
      return;
    }
    const key = peer.toString('hex');
    const ctl = new AbortController();
    let set = this.open.get(key);
    if (!set) this.open.set(key, (set = new Set()));
    set.add(ctl);
    let ended = false;
    // Events go out in batches: those of one event-loop turn (up to EVENT_BATCH_BYTES) share a frame. A job's
    // returns to a CLI waiting on 10,000 minions were otherwise 10,000 sends here and as many receives there.
    let batch: string[] = [];
    let batchBytes = 0;
    let flushQueued = false;
    const flush = () => {
      flushQueued = false;
      if (batch.length === 0) return;
      const events = batch.join(',');
      batch = [];
      batchBytes = 0;
      this.send(peer, `{"id":${JSON.stringify(id)},"type":"events","events":[${events}]}`);
    };
    const finish = (msg: Record<string, unknown>) => {
      if (ended) return;
      ended = true;
      set!.delete(ctl);
      if (set!.size === 0 && this.open.get(key) === set) this.open.delete(key);
      flush();
      reply(msg);
    };
    const sink: ControlSink<typeof op> = {
      event: (event) => {
        if (ended || ctl.signal.aborted) return;
        const text = JSON.stringify(event) ?? 'null';
        batch.push(text);
        batchBytes += text.length + 1;
        if (batchBytes >= EVENT_BATCH_BYTES) flush();
        else if (!flushQueued) {
          flushQueued = true;
          setImmediate(flush);
        }
      },
      end: (r) => finish({ type: 'end', ok: true, reply: r }),
      fail: (error, code = 'error') => finish({ type: 'end', ok: false, code, error: error.slice(0, 8000) }),
      signal: ctl.signal,
      peer: key,
    };
    const handler = this.handlers[op] as ControlHandler<typeof op>;
    Promise.resolve()
      .then(() => handler(req, sink))
      .catch((e) => sink.fail(errorMessage(e), e instanceof UsageError ? 'usage' : 'error'));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const peer of [...this.open.keys()]) this.abortPeer(peer);
    // Replies already queued get a moment to leave, never longer: a send stuck on a departed client must not keep
    // the master from stopping (the socket's linger is 0, so closing drops what is left).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sendChain.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    this.sock.close();
    fs.rmSync(controlPaths(this.sockDir).tokenFile, { force: true });
  }
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// ---------------------------------------------------------------- client side

export class MasterUnavailable extends BrineError {
  constructor(why: string) {
    super('master-unavailable', `master: ${why} (is 'brine master' running with this --config-dir?)`);
  }
}

/** The master went away (stopped or crashed) while a request was in flight: its outcome here is unknown. */
export class MasterLost extends BrineError {
  constructor(why: string) {
    super('master-lost', `master: ${why}`, { outcome: 'missing' });
  }
}

/** How long the client waits for a master that is just starting before it says none is running. */
const STARTUP_GRACE_MS = 5000;

/** Is anything listening on the control socket? A crashed master leaves the socket file (and its token) behind. */
function listening(ipc: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(ipc);
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

interface Waiter {
  onEvents: (events: unknown[]) => void;
  resolve: (reply: unknown) => void;
  reject: (e: Error) => void;
}

export interface RequestOptions<K extends ControlOp> {
  /** Live events of a streaming operation. */
  onEvent?: (e: ControlEventOf<K>) => void;
  /** Rejects after this much silence from the master (default 10 s; `Infinity` waits as long as the master is up). */
  timeoutMs?: number;
}

export class ControlClient {
  private readonly sock = new Dealer({ linger: 0, receiveTimeout: -1 });
  private readonly waiters = new Map<string, Waiter>();
  private token: string;
  private readonly tokenFile: string;
  private readonly ipc: string;
  private checked: Promise<void> | undefined;
  private loopDone: Promise<void> | undefined;
  /** ZeroMQ allows one send at a time per socket: concurrent requests queue their sends here. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(sockDir: string) {
    const p = controlPaths(sockDir);
    this.tokenFile = p.tokenFile;
    this.token = this.readToken();
    this.ipc = p.ipc;
    if (!fs.existsSync(this.ipc)) throw new MasterUnavailable(`no control socket at ${this.ipc}`);
    this.sock.connect(p.endpoint);
    // The master's end of the socket closed (it stopped or crashed): whatever is still waiting will never be answered.
    // A moment's grace first, so that replies already on their way are read.
    this.sock.events.on('disconnect', () => {
      setTimeout(() => {
        for (const [id, w] of [...this.waiters]) {
          this.waiters.delete(id);
          w.reject(new MasterLost('the connection to the master was lost (it stopped or crashed)'));
        }
      }, 300).unref();
    });
  }

  private readToken(): string {
    try {
      return fs.readFileSync(this.tokenFile, 'utf8').trim();
    } catch {
      throw new MasterUnavailable(`no control token at ${this.tokenFile}`);
    }
  }

  /**
   * Once per client: fail with the reason when no master listens on the socket, after a few seconds' grace for a
   * master that is starting (a restart after a crash finds the old socket file and token still there).
   */
  private checkListening(): Promise<void> {
    return (this.checked ??= (async () => {
      const end = Date.now() + STARTUP_GRACE_MS;
      while (!(await listening(this.ipc))) {
        if (Date.now() > end) throw new MasterUnavailable(`not running (nothing listens on ${this.ipc}; left over from a master that stopped or crashed)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })());
  }

  private loop(): Promise<void> {
    return (this.loopDone ??= (async () => {
      try {
        for await (const [body] of this.sock) {
          let m;
          try {
            m = controlReplyFrame.check(JSON.parse(String(body)), 'control reply');
          } catch {
            // Not for a request we can name: a request whose answer never comes times out instead.
            const id = (() => {
              try {
                const x: unknown = JSON.parse(String(body));
                return isDict(x) && typeof x['id'] === 'string' ? x['id'] : undefined;
              } catch {
                return undefined;
              }
            })();
            const w = id === undefined ? undefined : this.waiters.get(id);
            if (w && id !== undefined) {
              this.waiters.delete(id);
              w.reject(new ProtocolError('control: malformed answer from the master'));
            }
            continue;
          }
          const w = this.waiters.get(m.id);
          if (!w) continue;
          if (m.type === 'events') {
            w.onEvents(m.events);
            continue;
          }
          this.waiters.delete(m.id);
          if (m.ok) w.resolve(m.reply);
          else w.reject(m.code === 'usage' ? new UsageError(m.error) : new BrineError(m.code === 'bad-token' ? 'bad-token' : 'master', m.error));
        }
      } catch {
        /* closed */
      }
    })());
  }

  /** Send a request; `onEvent` sees live events; resolves with the operation's reply, validated. */
  async request<K extends ControlOp>(op: K, body: ControlRequestOf<K>, o: RequestOptions<K> = {}): Promise<ReplyOf<K>> {
    await this.checkListening();
    try {
      return await this.requestOnce(op, body, o);
    } catch (e) {
      // Refused for its token before anything ran: a master restarted since the token was read writes a new one.
      if (!(e instanceof BrineError && e.code === 'bad-token')) throw e;
      const fresh = this.readToken();
      if (fresh === this.token) throw e;
      this.token = fresh;
      return this.requestOnce(op, body, o);
    }
  }

  private requestOnce<K extends ControlOp>(op: K, body: ControlRequestOf<K>, o: RequestOptions<K>): Promise<ReplyOf<K>> {
    const id = crypto.randomBytes(8).toString('hex');
    const timeoutMs = o.timeoutMs ?? 10_000;
    void this.loop();
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        if (!Number.isFinite(timeoutMs)) return;
        timer = setTimeout(() => {
          this.waiters.delete(id);
          reject(new MasterUnavailable(`no answer to '${op}' within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
      };
      arm();
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        reject(e);
      };
      this.waiters.set(id, {
        onEvents: (raws) => {
          arm();
          for (const raw of raws) {
            let ev: ControlEventOf<K>;
            try {
              ev = checkControlEvent(op, raw);
            } catch (e) {
              fail(e as Error);
              return;
            }
            o.onEvent?.(ev);
          }
        },
        resolve: (raw) => {
          clearTimeout(timer);
          try {
            resolve(checkControlReply(op, raw));
          } catch (e) {
            reject(e as Error);
          }
        },
        reject: fail,
      });
      const send = this.sending.then(() => this.sock.send(JSON.stringify({ id, op, token: this.token, body })));
      this.sending = send.catch(() => undefined);
      send.catch(fail);
    });
  }

  close(): void {
    this.sock.close();
  }
}
