/**
 * A minion's sockets: SUB (publications) and DEALER (requests), both connected to the master; ZeroMQ
 * reconnects them on its own (`reconnectInterval` growing to `reconnectMaxInterval`), and ZMTP heartbeats
 * notice a dead master behind a silent network (failover, NAT timeouts).
 *
 * `request` prefixes a correlation id frame (8 bytes, unique per transport) and matches the master's reply
 * by it, so any number of requests can be in flight over one DEALER. A request that gets no reply within
 * its timeout rejects with a ProtocolError (its late reply, if any, is dropped). Requests made while the
 * master is unreachable are queued by ZeroMQ and sent on reconnect unless they time out first.
 */
import * as zmq from 'zeromq';
import { ProtocolError, nullLogger, type Logger } from '@brine/core';
import { framesSize } from '../codec';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PUBLISH_PORT, DEFAULT_REQUEST_PORT } from '../limits';
import { BROADCAST_TOPIC, isIpv6Host, minionTopic, tcpEndpoint } from './endpoints';
import { retryEintr, socketEvents } from './eintr';
import { SendQueue } from './send-queue';

/** Why a request got no reply: callers decide on the reason, not on the message text. */
export class RequestError extends ProtocolError {
  constructor(readonly reason: 'timeout' | 'reset' | 'closed', message: string) {
    super(message);
  }
}

export type PublishHandler = (frames: Buffer[], topic: string) => void | Promise<void>;

export interface MinionTransportOptions {
  /** Master address: host name, IPv4 or IPv6 literal. */
  host: string;
  publishPort?: number;
  requestPort?: number;
  /** Enable IPv6; default true when `host` is an IPv6 literal. Needed to reach a name that resolves to IPv6. */
  ipv6?: boolean;
  /** When set, also subscribe to `minionTopic(id)` (lets the master see this minion's SUB is connected). */
  id?: string;
  /**
   * ms; defaults 1000 and 2000. libzmq doubles the interval after each failed attempt up to the max: with 30 s, a
   * minion came back up to 30 s after its master did (26.5 s after a 61 s outage). A refused TCP connect every 2 s
   * costs nothing, and the auth that follows is spread by the minion and rate-limited by the master.
   */
  reconnectIntervalMs?: number;
  reconnectMaxIntervalMs?: number;
  /**
   * A TCP connect not established within this is abandoned and tried again (after the reconnect interval); default
   * 5000 ms. A master whose listen queue is full (a whole fleet reconnecting to a restarted master) drops SYNs, and
   * the kernel alone would retry them only after 1, 3, 7, 15, 31 s.
   */
  connectTimeoutMs?: number;
  /** ZMTP heartbeat interval; default 10 000 ms (timeout 3x). 0 disables. */
  heartbeatIntervalMs?: number;
  /** Largest accepted publication or reply; default 16 MiB. */
  maxMessageBytes?: number;
  /** Default request timeout; default 30 000 ms. */
  requestTimeoutMs?: number;
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
  linger?: number;
  /**
   * The libzmq context the two sockets belong to; default the process's. A process that runs many minions (the swarm
   * benchmark) gives each group its own: libzmq cancels a timer by scanning its I/O thread's whole timer list, once
   * per heartbeat answer, so one context for thousands of sockets costs time no real minion host pays.
   */
  context?: zmq.Context;
  logger?: Logger;
}

interface Pending {
  resolve(frames: Buffer[]): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  done: boolean;
  /** When it was sent (ms): liveness counts from the oldest unanswered request. */
  since: number;
}

export class MinionTransport {
  private readonly pending = new Map<string, Pending>();
  private readonly handlers: PublishHandler[] = [];
  private readonly reconnectHandlers: (() => void)[] = [];
  private queue: SendQueue;
  /** Running socket loops; each leaves the set when its socket closes (a reset must not accumulate them). */
  private readonly loops = new Set<Promise<void>>();
  private readonly topics = new Set<string>();
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly defaultTimeout: number;
  private readonly corrPrefix = Buffer.from(Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0'), 'hex');
  private counter = 0;
  private closed = false;
  /** When the request socket lost its connection to the master (or was created); undefined while connected. */
  private downSince: number | undefined = Date.now();
  /** When the master last answered a request (0: never). */
  private lastReplyAt = 0;

  private publishEndpointNow: string;
  readonly requestEndpoint: string;

  /** Where the SUB socket connects: the configured publish port, or the one the master named (`usePublishPort`). */
  get publishEndpoint(): string {
    return this.publishEndpointNow;
  }

  private constructor(
    private sub: zmq.Subscriber,
    private dealer: zmq.Dealer,
    private readonly opts: MinionTransportOptions,
  ) {
    this.log = opts.logger ?? nullLogger;
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.defaultTimeout = opts.requestTimeoutMs ?? 30_000;
    this.publishEndpointNow = tcpEndpoint(opts.host, opts.publishPort ?? DEFAULT_PUBLISH_PORT);
    this.requestEndpoint = tcpEndpoint(opts.host, opts.requestPort ?? DEFAULT_REQUEST_PORT);
    this.queue = new SendQueue(dealer);
    this.topics.add(BROADCAST_TOPIC);
    if (opts.id !== undefined) this.topics.add(minionTopic(opts.id));
    for (const t of this.topics) retryEintr(() => sub.subscribe(t));
    retryEintr(() => sub.connect(this.publishEndpoint));
    retryEintr(() => dealer.connect(this.requestEndpoint));
    this.watchReconnects(dealer);
    this.track(this.replyLoop(dealer));
    this.track(this.publishLoop(sub));
  }

  private track(loop: Promise<void>): void {
    this.loops.add(loop);
    void loop.finally(() => this.loops.delete(loop));
  }

  /** Socket options shared by both sockets (ZeroMQ seals them: each type gets only what it has). */
  private static common(opts: MinionTransportOptions) {
    const hb = opts.heartbeatIntervalMs ?? 10_000;
    return {
      ipv6: opts.ipv6 ?? isIpv6Host(opts.host),
      ...(opts.context ? { context: opts.context } : {}),
      linger: opts.linger ?? 0,
      reconnectInterval: opts.reconnectIntervalMs ?? 1000,
      reconnectMaxInterval: opts.reconnectMaxIntervalMs ?? 2000,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      maxMessageSize: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      receiveHighWaterMark: opts.receiveHighWaterMark ?? 10_000,
      ...(hb > 0 ? { heartbeatInterval: hb, heartbeatTimeout: hb * 3, heartbeatTimeToLive: hb * 3 } : {}),
    };
  }

  private static newDealer(opts: MinionTransportOptions): zmq.Dealer {
    return new zmq.Dealer({ ...MinionTransport.common(opts), sendHighWaterMark: opts.sendHighWaterMark ?? 1000 });
  }

  /**
   * Replace the request socket. libzmq ends a connection for good on a protocol error (a message over
   * maxMessageSize, say): it does not reconnect, so a minion whose requests all time out starts a fresh socket.
   * Requests in flight reject at once.
   */
  resetRequestSocket(): void {
    if (this.closed) return;
    const old = this.dealer;
    this.dealer = MinionTransport.newDealer(this.opts);
    this.queue = new SendQueue(this.dealer);
    this.downSince ??= Date.now();
    const dealer = this.dealer;
    retryEintr(() => dealer.connect(this.requestEndpoint));
    this.watchReconnects(this.dealer);
    this.track(this.replyLoop(this.dealer));
    old.close();
    this.rejectPending('reset', 'request: the request socket was reset');
    this.log.warn('request socket reset (the master stopped answering on the old one)', { endpoint: this.requestEndpoint });
  }

  /**
   * Call `handler` each time the request socket reaches the master after having none (a master that came up or
   * came back): the minion asks at once instead of at its next ping or auth retry.
   */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  /** Every handshake after none or after a disconnect (a new socket's first one included: a master that came up). */
  private watchReconnects(dealer: zmq.Dealer): void {
    let lost = true;
    // The socket monitor is made on first use (zmq_socket_monitor, which a signal can interrupt too).
    const events = socketEvents(dealer);
    events.on('disconnect', () => {
      lost = true;
      if (dealer === this.dealer) this.downSince ??= Date.now();
    });
    events.on('handshake', () => {
      if (!lost || this.closed || dealer !== this.dealer) return;
      lost = false;
      this.downSince = undefined;
      this.log.debug('request socket connected to the master again', { endpoint: this.requestEndpoint });
      for (const h of this.reconnectHandlers) {
        try {
          h();
        } catch (e) {
          this.log.warn('reconnect handler failed', { error: e instanceof Error ? e.message : String(e) });
        }
      }
    });
  }

  /** Replace the publication socket (same subscriptions), e.g. when the master no longer sees this minion's SUB. */
  resetPublishSocket(): void {
    if (this.closed) return;
    this.replacePublishSocket();
    this.log.warn('publication socket reset (the master did not see our subscription)', { endpoint: this.publishEndpoint });
  }

  private replacePublishSocket(): void {
    const old = this.sub;
    this.sub = new zmq.Subscriber(MinionTransport.common(this.opts));
    const sub = this.sub;
    for (const t of this.topics) retryEintr(() => sub.subscribe(t));
    retryEintr(() => sub.connect(this.publishEndpoint));
    this.track(this.publishLoop(this.sub));
    old.close();
  }

  /**
   * Subscribe on `port` of the same host from now on: the port the master gave in its (verified) auth reply, as
   * Salt's minion does with the auth reply's `publish_port` (several masters on one host each have their own).
   * Nothing happens when it is the port already in use.
   */
  usePublishPort(port: number): void {
    const endpoint = tcpEndpoint(this.opts.host, port);
    if (this.closed || endpoint === this.publishEndpointNow) return;
    const before = this.publishEndpointNow;
    this.publishEndpointNow = endpoint;
    this.replacePublishSocket();
    this.log.info('subscribing on the publish port the master gave', { from: before, to: endpoint });
  }

  /**
   * How long the master has been silent (ms): since the request socket lost its connection (or was created
   * without one), or since the oldest request still waiting for a reply was sent if nothing answered after it.
   * 0 while connected with nothing unanswered. A minion with several masters fails over on this.
   */
  silentForMs(now = Date.now()): number {
    let silent = this.downSince !== undefined ? now - this.downSince : 0;
    let oldest: number | undefined;
    for (const p of this.pending.values()) if (oldest === undefined || p.since < oldest) oldest = p.since;
    if (oldest !== undefined) silent = Math.max(silent, now - Math.max(oldest, this.lastReplyAt));
    return silent;
  }

  /** Create the sockets and start connecting (returns at once; ZeroMQ connects in the background). */
  static connect(opts: MinionTransportOptions): MinionTransport {
    // zeromq seals socket objects: an option the socket type lacks (sendHighWaterMark on a SUB) throws.
    const sub = new zmq.Subscriber(MinionTransport.common(opts));
    let dealer: zmq.Dealer;
    try {
      dealer = MinionTransport.newDealer(opts);
    } catch (e) {
      sub.close();
      throw e;
    }
    return new MinionTransport(sub, dealer, opts);
  }

  /** Send a request and wait for its reply (frames without the correlation id). */
  request(frames: Buffer[], timeoutMs: number = this.defaultTimeout): Promise<Buffer[]> {
    if (this.closed) return Promise.reject(new RequestError('closed', 'request: transport is closed'));
    const corr = Buffer.alloc(12);
    this.corrPrefix.copy(corr, 0);
    corr.writeDoubleBE(++this.counter, 4);
    const key = corr.toString('hex');
    return new Promise<Buffer[]>((resolve, reject) => {
      const p: Pending = {
        resolve,
        reject,
        done: false,
        since: Date.now(),
        timer: setTimeout(() => {
          p.done = true;
          this.pending.delete(key);
          reject(new RequestError('timeout', `request: no reply from the master within ${timeoutMs} ms (is it running and reachable at ${this.requestEndpoint}?)`));
        }, timeoutMs),
      };
      this.pending.set(key, p);
      this.queue.send([corr, ...frames], () => p.done).catch((e: unknown) => {
        if (p.done) return;
        p.done = true;
        clearTimeout(p.timer);
        this.pending.delete(key);
        reject(new ProtocolError(`request: send failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      });
    });
  }

  /** Requests awaiting a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Add a publication handler. Called in arrival order, not awaited; errors are logged. */
  onPublish(handler: PublishHandler): void {
    this.handlers.push(handler);
  }

  subscribe(topic: string): void {
    this.topics.add(topic);
    retryEintr(() => this.sub.subscribe(topic));
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
    retryEintr(() => this.sub.unsubscribe(topic));
  }

  private rejectPending(reason: RequestError['reason'], message: string): void {
    for (const [k, p] of this.pending) {
      p.done = true;
      clearTimeout(p.timer);
      p.reject(new RequestError(reason, message));
      this.pending.delete(k);
    }
  }

  /**
   * Close both sockets; pending requests reject, with reason `closed`, or with `reset` and `why` when the caller
   * carries on elsewhere (a minion failing over to another master: its requests were not refused, just cut).
   */
  async close(why?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (why !== undefined) this.rejectPending('reset', `request: ${why}`);
    else this.rejectPending('closed', 'request: transport closed before the reply arrived');
    this.sub.close();
    this.dealer.close();
    await Promise.allSettled([...this.loops]);
  }

  private async replyLoop(dealer: zmq.Dealer): Promise<void> {
    try {
      for await (const msg of dealer) {
        if (this.closed || dealer !== this.dealer) break;
        const [corr, ...frames] = msg;
        this.lastReplyAt = Date.now();
        const key = corr?.toString('hex') ?? '';
        const p = this.pending.get(key);
        if (!p) {
          this.log.debug('reply dropped: no pending request (late after a timeout?)', { corr: key });
          continue;
        }
        this.pending.delete(key);
        p.done = true;
        clearTimeout(p.timer);
        if (framesSize(frames) > this.maxBytes) p.reject(new ProtocolError(`reply: larger than ${this.maxBytes} bytes`));
        else p.resolve(frames);
      }
    } catch (e) {
      if (!this.closed && dealer === this.dealer) this.log.error('reply loop stopped', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async publishLoop(sub: zmq.Subscriber): Promise<void> {
    try {
      for await (const msg of sub) {
        if (this.closed || sub !== this.sub) break;
        const [topicFrame, ...frames] = msg;
        const size = framesSize(frames);
        if (size > this.maxBytes) {
          this.log.warn('publication dropped: too large', { bytes: size, limit: this.maxBytes });
          continue;
        }
        const topic = topicFrame?.toString('utf8') ?? '';
        for (const h of this.handlers) {
          try {
            const r = h(frames, topic);
            if (r && typeof (r as Promise<void>).then === 'function') {
              (r as Promise<void>).catch((e: unknown) => this.log.warn('publication handler failed', { error: e instanceof Error ? e.message : String(e) }));
            }
          } catch (e) {
            this.log.warn('publication handler failed', { error: e instanceof Error ? e.message : String(e) });
          }
        }
      }
    } catch (e) {
      if (!this.closed && sub === this.sub) this.log.error('publication loop stopped', { error: e instanceof Error ? e.message : String(e) });
    }
  }
}
