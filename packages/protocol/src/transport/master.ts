/**
 * The master's two ports: publications (4505, what a ZeroMQ XPUB would be) and requests (4506, a ROUTER). Both
 * speak ZMTP 3.0 through `ZmtpServer` (Node's TCP server), so minions keep their stock libzmq SUB and DEALER
 * sockets while the master decides, frame by frame, what an unauthenticated peer may make it hold: no
 * whole-message buffering past the size and frame-count limits, a few short subscriptions per connection, a cap
 * on connections and on bytes of incomplete requests (see zmtp.ts). libzmq's own sockets cannot bound either.
 *
 * Requests arrive as [correlationId, ...payload] and are answered with [correlationId, ...reply]; the
 * correlation id is opaque to the master (the DEALER side picks it), so many requests can be in flight over one
 * connection. Handlers run concurrently (bounded by `maxConcurrent`, and per connection: beyond it the master
 * stops reading from that connection). A handler that throws or a malformed envelope is dropped and logged.
 *
 * Slow joiners: a publication reaches only connections whose subscription has arrived. Every minion subscribes
 * to its own topic (`minionTopic(id)`), and `isSubscribed(id)` / `onSubscription` report when that subscription
 * arrives or goes away (its connection closing ends it). This is a liveness hint, not authentication (anyone
 * can subscribe to any topic; the content is sealed anyway). The master should count a minion as reachable
 * when it is subscribed AND has made a recent request (auth or `ping`).
 */
import { nullLogger, RepeatLimiter, type Logger } from '@brine/core';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PUBLISH_PORT, DEFAULT_REQUEST_PORT, MAX_FRAMES } from '../limits';
import { BROADCAST_TOPIC, isIpv6Host, tcpEndpoint, topicMinion } from './endpoints';
import { needsPublisherProcess, PublisherProcess } from './publisher';
import { ZmtpServer, type ZmtpPeer } from './zmtp';

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
  /** Largest accepted request (all frames, and each frame); default 16 MiB. */
  maxMessageBytes?: number;
  /** Requests handled at once; default 256. */
  maxConcurrent?: number;
  /** Connections per port; default 10 000. */
  maxConnections?: number;
  /** Listen queue per port (connections the kernel completes before the master accepts them); default 4096. */
  backlog?: number;
  /** Topics one subscriber may hold (a minion needs 2); default 16. More closes its connection. */
  maxSubscriptions?: number;
  /** Bytes of incomplete requests held over all connections; default 4 x maxMessageBytes. */
  maxPendingBytes?: number;
  /** Bytes queued to one peer that does not read (replies, publications); default 2 x maxMessageBytes. */
  maxBacklogBytes?: number;
  /**
   * Serve the publish port from a child process (publisher.ts), so each process holds one connection per minion.
   * 'auto' (default): when this process's open-file limit could not hold `maxConnections` on both ports.
   */
  publisherProcess?: boolean | 'auto';
  /** Kept for compatibility: sends never wait on ZeroMQ any more. */
  linger?: number;
  logger?: Logger;
}

/**
 * The listen queue per port (Salt's `zmq_backlog`, there 1000). A restarted master meets its whole fleet reconnecting
 * within a second or two while it is busy answering; a SYN the full queue drops is retried by the client only after
 * 1, 3, 7, 15, 31 s, which spread a 10,000-minion restart over minutes. The kernel caps it at net.core.somaxconn.
 */
export const DEFAULT_BACKLOG = 4096;

/** Requests one connection may have in flight before the master stops reading from it. */
const PER_PEER_INFLIGHT = 32;
/** Longest subscription topic: `m:` + a 255-character id + NUL, with room to spare. */
const MAX_TOPIC_BYTES = 300;

export class MasterTransport {
  readonly publishEndpoint: string;
  readonly requestEndpoint: string;
  readonly publishPort: number;
  readonly requestPort: number;

  private handler: RequestHandler | null = null;
  private closed = false;
  private inflight = 0;
  /** Complete requests waiting for a free handler slot (their connections are paused meanwhile). */
  private readonly queued: { peer: ZmtpPeer; msg: Buffer[] }[] = [];
  private readonly peerInflight = new WeakMap<ZmtpPeer, number>();
  /** Subscribers per minion topic (a minion may have more than one SUB connected for a moment). */
  private readonly subscribed = new Map<string, number>();
  private readonly subListeners: ((id: string, subscribed: boolean) => void)[] = [];
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly maxConcurrent: number;
  /** Each refusal message at most 20 times a minute (then counted): outsiders cannot make the log grow. */
  private readonly refusals: RepeatLimiter;

  private constructor(
    private readonly pub: ZmtpServer | PublisherProcess,
    private readonly router: ZmtpServer,
    host: string,
    opts: MasterTransportOptions,
  ) {
    this.log = opts.logger ?? nullLogger;
    this.refusals = new RepeatLimiter(20, (msg, dropped) => this.log.warn('refusals not logged one by one', { message: msg, count: dropped }));
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxConcurrent = opts.maxConcurrent ?? 256;
    this.publishPort = pub.port;
    this.requestPort = router.port;
    this.publishEndpoint = tcpEndpoint(host, this.publishPort);
    this.requestEndpoint = tcpEndpoint(host, this.requestPort);
  }

  /** Listen on both ports. Rejects (EADDRINUSE etc., naming the address) without leaving a port open. */
  static async bind(opts: MasterTransportOptions = {}): Promise<MasterTransport> {
    const iface0 = opts.interface ?? '0.0.0.0';
    const ipv6 = opts.ipv6 ?? isIpv6Host(iface0);
    // `ipv6: true` on an IPv4 wildcard listens on both families, as ZeroMQ's ipv6 option did.
    const iface = ipv6 && iface0 === '0.0.0.0' ? '::' : iface0;
    const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const base = {
      maxConnections: opts.maxConnections ?? 10_000,
      backlog: opts.backlog ?? DEFAULT_BACKLOG,
      maxSubscriptions: opts.maxSubscriptions ?? 16,
      maxTopicBytes: MAX_TOPIC_BYTES,
      // libzmq's own handshake interval: a minion host busy with thousands of reconnects at once still gets in, and a
      // peer that never finishes holds one connection slot for 30 s at most.
      handshakeMs: 30_000,
    };
    let t: MasterTransport | undefined;
    const events = (role: 'pub' | 'router') => ({
      message: (peer: ZmtpPeer, msg: Buffer[]) => t?.onMessage(peer, msg),
      subscription: (_peer: ZmtpPeer, topic: string, on: boolean) => t?.onTopic(topic, on),
      refused: (peer: ZmtpPeer, why: string, tooLarge: boolean) =>
        t?.warnLimited(role === 'pub' ? 'subscriber disconnected' : tooLarge ? 'request dropped: too large' : 'connection closed: protocol or limit broken', {
          peer: peer.address,
          reason: why,
          closed: true,
        }),
    });
    const pubLimits = { ...base, maxFrameBytes: MAX_TOPIC_BYTES + 1, maxMessageBytes: MAX_TOPIC_BYTES + 1, maxFrames: 1, maxPendingBytes: 1 << 20, maxBacklogBytes: opts.maxBacklogBytes ?? 2 * maxBytes };
    const startPublisher = async (port: number): Promise<PublisherProcess> => {
      try {
        return await PublisherProcess.start(iface, port, pubLimits, {
          subscription: (topic, on) => t?.onTopic(topic, on),
          refused: (address, why) => t?.warnLimited('subscriber disconnected', { peer: address, reason: why, closed: true }),
        });
      } catch (e) {
        throw new Error(`cannot listen on ${tcpEndpoint(iface, port)} (publish_port): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    };
    const listenOn = async (what: string, port: number, role: 'pub' | 'router'): Promise<ZmtpServer> => {
      const limits =
        role === 'pub'
          ? pubLimits
          : { ...base, maxFrameBytes: maxBytes, maxMessageBytes: maxBytes + 64, maxFrames: MAX_FRAMES + 2, maxPendingBytes: opts.maxPendingBytes ?? 4 * maxBytes, maxBacklogBytes: opts.maxBacklogBytes ?? 2 * maxBytes };
      try {
        return await ZmtpServer.listen(iface, port, role, limits, events(role));
      } catch (e) {
        throw new Error(`cannot listen on ${tcpEndpoint(iface, port)} (${what}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    };
    const separate = opts.publisherProcess === 'auto' || opts.publisherProcess === undefined ? needsPublisherProcess(base.maxConnections) : opts.publisherProcess;
    const pub = separate ? await startPublisher(opts.publishPort ?? DEFAULT_PUBLISH_PORT) : await listenOn('publish_port', opts.publishPort ?? DEFAULT_PUBLISH_PORT, 'pub');
    let router: ZmtpServer;
    try {
      router = await listenOn('ret_port', opts.requestPort ?? DEFAULT_REQUEST_PORT, 'router');
    } catch (e) {
      await pub.close();
      throw e;
    }
    t = new MasterTransport(pub, router, iface, opts);
    return t;
  }

  /**
   * Set the request handler (one; a later call replaces it). Requests that arrive before the first call wait
   * (their connections are paused) rather than being dropped.
   */
  onRequest(handler: RequestHandler): void {
    this.handler = handler;
    this.pump();
  }

  /** Publish `frames` under `topic` (default: every minion) to every subscriber whose queue has room. */
  publish(frames: Buffer[], topic: string = BROADCAST_TOPIC): Promise<void> {
    if (this.closed) return Promise.reject(new Error('master transport: closed'));
    try {
      this.pub.publish(Buffer.from(topic, 'utf8'), frames);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return Promise.resolve();
  }

  /** True when a subscriber for `minionTopic(id)` is connected. */
  isSubscribed(id: string): boolean {
    return this.subscribed.has(id);
  }

  subscribedMinions(): string[] {
    return [...this.subscribed.keys()];
  }

  /** Called when a minion topic gains its first or loses its last subscriber. */
  onSubscription(listener: (id: string, subscribed: boolean) => void): void {
    this.subListeners.push(listener);
  }

  /** The publisher child's pid when the publish port is served by one (see publisher.ts). */
  get publisherPid(): number | undefined {
    return this.pub instanceof PublisherProcess ? this.pub.pid : undefined;
  }

  /** Connections and bytes held now (for the benchmark and tests). */
  stats(): { publishPeers: number; requestPeers: number; pendingBytes: number; inflight: number } {
    return { publishPeers: this.pub instanceof ZmtpServer ? this.pub.peers.size : this.pub.peers, requestPeers: this.router.peers.size, pendingBytes: this.router.pendingBytes, inflight: this.inflight };
  }

  /** Stop accepting, give queued replies a moment to leave, close every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline && [...this.router.peers].some((p) => p.sock.writableLength > 0)) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([this.router.close(), this.pub.close()]);
  }

  private warnLimited(msg: string, meta: Record<string, unknown>): void {
    if (this.refusals.allow(msg)) this.log.warn(msg, meta);
  }

  private onMessage(peer: ZmtpPeer, msg: Buffer[]): void {
    if (this.closed) return;
    const corr = msg[0];
    if (!corr || corr.length === 0 || corr.length > 64 || msg.length < 2) {
      this.warnLimited('request dropped: not [correlation id, payload...]', { peer: peer.hex, frames: msg.length });
      return;
    }
    this.queued.push({ peer, msg });
    const n = (this.peerInflight.get(peer) ?? 0) + 1;
    this.peerInflight.set(peer, n);
    if (n >= PER_PEER_INFLIGHT) peer.pause();
    this.pump();
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.inflight < this.maxConcurrent && this.queued.length > 0) {
      const { peer, msg } = this.queued.shift()!;
      this.inflight++;
      void this.handle(handler, peer, msg[0]!, msg.slice(1)).finally(() => {
        this.inflight--;
        const n = (this.peerInflight.get(peer) ?? 1) - 1;
        this.peerInflight.set(peer, n);
        if (n < PER_PEER_INFLIGHT) peer.resume();
        this.pump();
      });
    }
  }

  private async handle(handler: RequestHandler, peer: ZmtpPeer, corr: Buffer, payload: Buffer[]): Promise<void> {
    let reply: Buffer[] | null;
    try {
      reply = await handler(peer.id, payload);
    } catch (e) {
      this.warnLimited('request dropped: handler failed', { peer: peer.hex, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (reply === null || this.closed) return;
    if (!peer.send([corr, ...reply])) {
      // A peer that leaves its replies unread gets no more of them.
      this.log.warn('reply not sent: the peer is not reading its replies; connection closed', { peer: peer.address });
      peer.close('not reading replies');
    }
  }

  private onTopic(topic: string, on: boolean): void {
    const id = topicMinion(topic);
    if (id === undefined) return;
    const before = this.subscribed.get(id) ?? 0;
    const after = Math.max(0, before + (on ? 1 : -1));
    if (after === 0) this.subscribed.delete(id);
    else this.subscribed.set(id, after);
    if ((before === 0) === (after === 0)) return;
    this.log.debug(on ? 'minion subscribed' : 'minion unsubscribed', { minion: id });
    for (const l of this.subListeners) {
      try {
        l(id, on);
      } catch (e) {
        this.log.warn('subscription listener failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
