/**
 * The master's sockets: an XPUB (publications, port 4505) and a ROUTER (requests, port 4506).
 *
 * Requests arrive as [peerRoutingId, correlationId, ...payload] and are answered with
 * [peerRoutingId, correlationId, ...reply]; the correlation id is opaque to the master (the DEALER side picks
 * it), so many requests can be in flight over one connection. Handlers run concurrently (bounded by
 * `maxConcurrent`; beyond it the receive loop waits, pushing back into ZeroMQ's queues). A handler that
 * throws, a malformed envelope, or an oversized message is dropped and logged with the peer; the loop never
 * dies on input.
 *
 * Slow joiners: a PUB socket drops what it sends before a subscriber's subscription has arrived. The
 * publisher is an XPUB so the master *sees* subscriptions: every minion subscribes to its own topic
 * (`minionTopic(id)`), and `isSubscribed(id)` / `onSubscription` report when that subscription arrives or goes
 * away (libzmq sends the unsubscription when the connection drops). This is a liveness hint, not
 * authentication (anyone can subscribe to any topic; the content is sealed anyway). The master should count
 * a minion as reachable when it is subscribed AND has made a recent request (auth or `ping`).
 */
import * as zmq from 'zeromq';
import { nullLogger, type Logger } from '@brine/core';
import { framesSize } from '../codec';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PUBLISH_PORT, DEFAULT_REQUEST_PORT } from '../limits';
import { BROADCAST_TOPIC, endpointPort, isIpv6Host, tcpEndpoint, topicMinion } from './endpoints';
import { SendQueue } from './send-queue';

export type RequestHandler = (peer: Buffer, frames: Buffer[]) => Promise<Buffer[] | null>;

export interface MasterTransportOptions {
  /** Interface to bind: '0.0.0.0' (default), '127.0.0.1', '::' (IPv4 and IPv6), '::1', '*'. */
  interface?: string;
  /** Enable IPv6 on the sockets; default true when `interface` is an IPv6 literal. */
  ipv6?: boolean;
  /** 0 picks a free port (read `publishPort` after bind). Default 4505. */
  publishPort?: number;
  /** 0 picks a free port (read `requestPort` after bind). Default 4506. */
  requestPort?: number;
  /** Largest accepted request (all frames); default 16 MiB. Also set as ZeroMQ's per-frame maxMessageSize. */
  maxMessageBytes?: number;
  /** Requests handled at once; default 256. */
  maxConcurrent?: number;
  /** Messages queued per peer before ZeroMQ drops (PUB, ROUTER); default 10 000. */
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
  /** ms to keep unsent messages at close; default 500. */
  linger?: number;
  logger?: Logger;
}

export class MasterTransport {
  readonly publishEndpoint: string;
  readonly requestEndpoint: string;
  readonly publishPort: number;
  readonly requestPort: number;

  private handler: RequestHandler | null = null;
  private closed = false;
  private inflight = 0;
  private waiters: (() => void)[] = [];
  private readonly subscribed = new Set<string>();
  private readonly subListeners: ((id: string, subscribed: boolean) => void)[] = [];
  private readonly routerQueue: SendQueue;
  private readonly pubQueue: SendQueue;
  private readonly loops: Promise<void>[] = [];
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly maxConcurrent: number;

  private constructor(
    private readonly pub: zmq.XPublisher,
    private readonly router: zmq.Router,
    opts: MasterTransportOptions,
  ) {
    this.log = opts.logger ?? nullLogger;
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxConcurrent = opts.maxConcurrent ?? 256;
    this.publishEndpoint = pub.lastEndpoint!;
    this.requestEndpoint = router.lastEndpoint!;
    this.publishPort = endpointPort(this.publishEndpoint);
    this.requestPort = endpointPort(this.requestEndpoint);
    this.routerQueue = new SendQueue(router);
    this.pubQueue = new SendQueue(pub);
    this.loops.push(this.subscriptionLoop());
  }

  /** Bind both sockets. Rejects (EADDRINUSE etc.) without leaving a socket open. */
  static async bind(opts: MasterTransportOptions = {}): Promise<MasterTransport> {
    const iface = opts.interface ?? '0.0.0.0';
    const ipv6 = opts.ipv6 ?? isIpv6Host(iface);
    const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const common = {
      ipv6,
      linger: opts.linger ?? 500,
      sendHighWaterMark: opts.sendHighWaterMark ?? 10_000,
      receiveHighWaterMark: opts.receiveHighWaterMark ?? 10_000,
    };
    const pub = new zmq.XPublisher({ ...common, maxMessageSize: 1024 });
    const router = new zmq.Router({ ...common, mandatory: false, maxMessageSize: maxBytes });
    try {
      await pub.bind(tcpEndpoint(iface, opts.publishPort ?? DEFAULT_PUBLISH_PORT));
      await router.bind(tcpEndpoint(iface, opts.requestPort ?? DEFAULT_REQUEST_PORT));
    } catch (e) {
      pub.close();
      router.close();
      throw e;
    }
    return new MasterTransport(pub, router, opts);
  }

  /**
   * Set the request handler (one; a later call replaces it). The request loop starts with the first call:
   * requests that arrive before it wait in ZeroMQ's queue rather than being dropped.
   */
  onRequest(handler: RequestHandler): void {
    const first = this.handler === null;
    this.handler = handler;
    if (first && !this.closed) this.loops.push(this.requestLoop());
  }

  /** Publish `frames` under `topic` (default: every minion). Resolves once queued in ZeroMQ. */
  publish(frames: Buffer[], topic: string = BROADCAST_TOPIC): Promise<void> {
    if (this.closed) return Promise.reject(new Error('master transport: closed'));
    return this.pubQueue.send([Buffer.from(topic, 'utf8'), ...frames]);
  }

  /** True when a subscriber for `minionTopic(id)` is connected. */
  isSubscribed(id: string): boolean {
    return this.subscribed.has(id);
  }

  subscribedMinions(): string[] {
    return [...this.subscribed];
  }

  /** Called when a minion topic gains its first or loses its last subscriber. */
  onSubscription(listener: (id: string, subscribed: boolean) => void): void {
    this.subListeners.push(listener);
  }

  /** Stop receiving, flush queued replies/publications (up to `linger`), close both sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.race([Promise.all([this.routerQueue.drain(), this.pubQueue.drain()]), new Promise((r) => setTimeout(r, 1000))]);
    this.router.close();
    this.pub.close();
    for (const w of this.waiters.splice(0)) w();
    await Promise.allSettled(this.loops);
  }

  private async requestLoop(): Promise<void> {
    try {
      for await (const msg of this.router) {
        if (this.closed) break;
        const peer = msg[0]!;
        const corr = msg[1];
        const peerHex = peer.toString('hex');
        if (!corr || corr.length === 0 || corr.length > 64 || msg.length < 3) {
          this.log.warn('request dropped: not [correlation id, payload...]', { peer: peerHex, frames: msg.length });
          continue;
        }
        const payload = msg.slice(2);
        const size = framesSize(payload);
        if (size > this.maxBytes) {
          this.log.warn('request dropped: too large', { peer: peerHex, bytes: size, limit: this.maxBytes });
          continue;
        }
        while (this.inflight >= this.maxConcurrent && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
        if (this.closed) break;
        this.inflight++;
        void this.handle(this.handler!, peer, corr, payload, peerHex).finally(() => {
          this.inflight--;
          this.waiters.shift()?.();
        });
      }
    } catch (e) {
      if (!this.closed) this.log.error('request loop stopped', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async handle(handler: RequestHandler, peer: Buffer, corr: Buffer, payload: Buffer[], peerHex: string): Promise<void> {
    let reply: Buffer[] | null;
    try {
      reply = await handler(peer, payload);
    } catch (e) {
      this.log.warn('request dropped: handler failed', { peer: peerHex, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (reply === null || this.closed) return;
    try {
      await this.routerQueue.send([peer, corr, ...reply]);
    } catch (e) {
      this.log.warn('reply not sent', { peer: peerHex, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async subscriptionLoop(): Promise<void> {
    try {
      for await (const [frame] of this.pub) {
        if (this.closed) break;
        if (!frame || frame.length < 1 || (frame[0] !== 0 && frame[0] !== 1)) continue;
        const id = topicMinion(frame.subarray(1).toString('utf8'));
        if (id === undefined) continue;
        const on = frame[0] === 1;
        if (on === this.subscribed.has(id)) continue;
        if (on) this.subscribed.add(id);
        else this.subscribed.delete(id);
        this.log.debug(on ? 'minion subscribed' : 'minion unsubscribed', { minion: id });
        for (const l of this.subListeners) {
          try {
            l(id, on);
          } catch (e) {
            this.log.warn('subscription listener failed', { error: e instanceof Error ? e.message : String(e) });
          }
        }
      }
    } catch (e) {
      if (!this.closed) this.log.error('subscription loop stopped', { error: e instanceof Error ? e.message : String(e) });
    }
  }
}
