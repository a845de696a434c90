/**
 * A ZMTP 3.0 (NULL mechanism) listener on a plain Node TCP server: the master's side of the wire, so that what an
 * unauthenticated peer can make the master hold is decided here, frame by frame, before it is buffered.
 *
 * libzmq buffers a whole multipart message before the application sees its first frame (its size limit is per
 * frame), and keeps every subscription of every peer in a trie of about 50 bytes per topic byte; neither can be
 * bounded per peer. Here:
 *  - a frame header announcing more than the per-frame, per-message or frame-count limit closes the connection
 *    before its body is read;
 *  - bytes of incomplete messages, summed over all connections, stay under `maxPendingBytes`;
 *  - a subscriber holds at most `maxSubscriptions` topics of at most `maxTopicBytes` (more closes it);
 *  - connections are capped, and one that has not finished its handshake within `handshakeMs` is closed;
 *  - a peer that does not read its replies or publications (`maxBacklogBytes` queued) loses them (publications)
 *    or its connection (replies).
 * A heartbeat PING is answered late, and only if nothing else was sent meanwhile: libzmq's heartbeat timeout ends
 * at any message from us, so a reply or publication answers it as well. The PONG waits a sixth of the PING's TTL
 * (at most PONG_DELAY_MAX_MS), which Brine's minion sets to its own timeout (3x its interval): during a job at
 * 10,000 minions most PONGs, a write each, are never needed.
 * Minions keep using stock libzmq sockets (DEALER, SUB): they cannot tell the difference.
 */
import * as crypto from 'crypto';
import * as net from 'net';

export interface ZmtpLimits {
  /** Largest frame. */
  maxFrameBytes: number;
  /** Largest message (all frames). */
  maxMessageBytes: number;
  /** Most frames in one message. */
  maxFrames: number;
  /** Bytes of incomplete messages held over all connections. */
  maxPendingBytes: number;
  maxConnections: number;
  /**
   * Listen queue: connections the kernel completes before the process accepts them (capped by
   * net.core.somaxconn). When it is full the kernel drops SYNs, and each client retries after 1, 3, 7, 15, 31 s.
   */
  backlog: number;
  /** Topics one subscriber may hold, and their length. */
  maxSubscriptions: number;
  maxTopicBytes: number;
  /** Bytes queued to a peer that is not reading. */
  maxBacklogBytes: number;
  handshakeMs: number;
}

export type ZmtpRole = 'router' | 'pub';

/** Longest wait (ms) before a PING's PONG, and the shortest worth waiting (below it the PONG goes at once). */
export const PONG_DELAY_MAX_MS = 5000;
const PONG_DELAY_MIN_MS = 20;

const COMMAND = 0x04;
const MORE = 0x01;
const LONG = 0x02;

export function greeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3; // ZMTP 3.0: subscriptions arrive as messages, \x01topic / \x00topic
  g[11] = 0;
  g.write('NULL', 12, 'ascii');
  return g;
}

/** One frame on the wire. */
export function frameHeader(flags: number, size: number): Buffer {
  if (size <= 255) return Buffer.from([flags, size]);
  const h = Buffer.alloc(9);
  h[0] = flags | LONG;
  h.writeBigUInt64BE(BigInt(size), 1);
  return h;
}

export function command(name: string, body: Buffer): Buffer[] {
  const head = Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'ascii')]);
  return [frameHeader(COMMAND, head.length + body.length), head, body];
}

export function readyCommand(socketType: string): Buffer[] {
  const name = Buffer.from('Socket-Type', 'ascii');
  const value = Buffer.from(socketType, 'ascii');
  const prop = Buffer.alloc(1 + name.length + 4 + value.length);
  prop[0] = name.length;
  name.copy(prop, 1);
  prop.writeUInt32BE(value.length, 1 + name.length);
  value.copy(prop, 5 + name.length);
  return command('READY', prop);
}

/** The socket-type property of a READY command body (after the name), or undefined. */
function peerSocketType(props: Buffer): string | undefined {
  let i = 0;
  while (i < props.length) {
    const nl = props[i]!;
    const name = props.toString('ascii', i + 1, i + 1 + nl);
    if (i + 1 + nl + 4 > props.length) return undefined;
    const vl = props.readUInt32BE(i + 1 + nl);
    const value = props.toString('ascii', i + 5 + nl, i + 5 + nl + vl);
    if (name.toLowerCase() === 'socket-type') return value;
    i += 5 + nl + vl;
  }
  return undefined;
}

export class ZmtpPeer {
  readonly id = crypto.randomBytes(5);
  readonly hex = this.id.toString('hex');
  readonly topics = new Set<string>();
  readonly address: string;
  private state: 'greeting' | 'ready-wait' | 'ready' | 'closed' = 'greeting';
  private head = Buffer.alloc(0);
  private bodyNeed = -1;
  private bodyFlags = 0;
  private bodyParts: Buffer[] = [];
  private bodyHave = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Bytes reserved in the server's pending budget for this peer's incomplete message. */
  private reserved = 0;
  private readonly timer: NodeJS.Timeout;
  /** The context of a PING not answered yet (nothing sent since), and the timer that will answer it. */
  private pongOwed: Buffer | undefined;
  private pongTimer: NodeJS.Timeout | undefined;

  constructor(readonly sock: net.Socket, private readonly server: ZmtpServer) {
    this.address = `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? 0}`;
    sock.setNoDelay(true);
    // Judged after the next I/O poll: a master busy with thousands of connections at once may run this timer before
    // reading a greeting that arrived in time, and must not close a minion for its own delay.
    this.timer = setTimeout(() => setImmediate(() => this.state !== 'ready' && this.close('handshake not finished in time')), server.limits.handshakeMs);
    this.timer.unref();
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', () => this.close());
    sock.on('close', () => this.close());
    sock.write(greeting());
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Write a message; false (and nothing written) when the peer has more than the backlog limit unread. */
  send(frames: Buffer[]): boolean {
    if (this.state !== 'ready' || this.sock.writableLength > this.server.limits.maxBacklogBytes) return false;
    const out: Buffer[] = [];
    frames.forEach((f, i) => out.push(frameHeader(i < frames.length - 1 ? MORE : 0, f.length), f));
    this.sock.cork();
    for (const b of out) this.sock.write(b);
    this.sock.uncork();
    this.pongOwed = undefined; // this message ends the peer's heartbeat timeout as a PONG would
    return true;
  }

  /** Stop reading from this peer until `resume` (requests in flight). */
  pause(): void {
    this.sock.pause();
  }

  resume(): void {
    if (this.state !== 'closed') this.sock.resume();
  }

  close(reason?: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    clearTimeout(this.pongTimer);
    this.server.release(this.reserved);
    this.reserved = 0;
    this.parts = [];
    this.bodyParts = [];
    this.sock.destroy();
    this.server.closed(this, reason);
  }

  private onData(d: Buffer): void {
    let off = 0;
    while (off < d.length && this.state !== 'closed') {
      if (this.bodyNeed >= 0) {
        const take = Math.min(this.bodyNeed - this.bodyHave, d.length - off);
        this.bodyParts.push(d.subarray(off, off + take));
        this.bodyHave += take;
        off += take;
        if (this.bodyHave === this.bodyNeed) {
          const body = this.bodyParts.length === 1 ? Buffer.from(this.bodyParts[0]!) : Buffer.concat(this.bodyParts, this.bodyNeed);
          const flags = this.bodyFlags;
          this.bodyParts = [];
          this.bodyHave = 0;
          this.bodyNeed = -1;
          this.onFrame(flags, body);
        }
        continue;
      }
      // Greeting (64 bytes) or a frame header (2 or 9 bytes): small, gathered in `head`.
      const want = this.state === 'greeting' ? 64 : this.head.length >= 1 && this.head[0]! & LONG ? 9 : 2;
      const take = Math.min(want - this.head.length, d.length - off);
      this.head = Buffer.concat([this.head, d.subarray(off, off + take)]);
      off += take;
      if (this.head.length < want) continue;
      if (this.state === 'greeting') {
        const g = this.head;
        this.head = Buffer.alloc(0);
        if (g[0] !== 0xff || g[9] !== 0x7f || g[10]! < 3 || g.toString('ascii', 12, 32).replace(/\0+$/, '') !== 'NULL') {
          return this.close('not a ZMTP 3 peer with the NULL mechanism');
        }
        this.state = 'ready-wait';
        continue;
      }
      if (want === 2 && this.head[0]! & LONG) continue; // a long header: read 7 more bytes
      const flags = this.head[0]!;
      const size = want === 2 ? this.head[1]! : Number(this.head.readBigUInt64BE(1));
      this.head = Buffer.alloc(0);
      if (!this.admitFrame(flags, size)) return;
      this.bodyNeed = size;
      this.bodyFlags = flags;
      if (size === 0) {
        this.bodyNeed = -1;
        this.onFrame(flags, Buffer.alloc(0));
      }
    }
  }

  /** Checked on the header, before any of the body is read. */
  private admitFrame(flags: number, size: number): boolean {
    const l = this.server.limits;
    if (flags & COMMAND) {
      if (size > 4096) return this.refuse(`command of ${size} bytes`), false;
      return true;
    }
    if (this.state !== 'ready') return this.refuse('message before the handshake'), false;
    if (size > l.maxFrameBytes) return this.refuse(`${this.server.role === 'pub' ? 'subscription' : 'frame'} of ${size} bytes (limit ${l.maxFrameBytes})`, true), false;
    if (this.partsBytes + size > l.maxMessageBytes) return this.refuse(`message over ${l.maxMessageBytes} bytes`, true), false;
    if (this.parts.length + 1 > l.maxFrames) return this.refuse(`message of more than ${l.maxFrames} frames`, true), false;
    if (!this.server.reserve(size)) return this.refuse('too many bytes of incomplete messages held for all peers', true), false;
    this.reserved += size;
    return true;
  }

  private refuse(why: string, tooLarge = false): void {
    this.server.refused(this, why, tooLarge);
    this.close(why);
  }

  private onFrame(flags: number, body: Buffer): void {
    if (flags & COMMAND) return this.onCommand(body);
    this.parts.push(body);
    this.partsBytes += body.length;
    if (flags & MORE) return;
    const msg = this.parts;
    this.server.release(this.reserved);
    this.reserved = 0;
    this.parts = [];
    this.partsBytes = 0;
    if (this.server.role === 'pub') this.onSubscription(msg);
    else this.server.message(this, msg);
  }

  private onCommand(body: Buffer): void {
    const nl = body[0] ?? 0;
    const name = body.toString('ascii', 1, 1 + nl);
    const data = body.subarray(1 + nl);
    switch (name) {
      case 'READY': {
        if (this.state !== 'ready-wait') return this.refuse('READY twice');
        const type = peerSocketType(data);
        const ok = this.server.role === 'pub' ? type === 'SUB' || type === 'XSUB' : type === 'DEALER' || type === 'REQ';
        if (!ok) return this.refuse(`peer socket type ${String(type)}`);
        this.sock.write(Buffer.concat(readyCommand(this.server.role === 'pub' ? 'XPUB' : 'ROUTER')));
        this.state = 'ready';
        clearTimeout(this.timer);
        return;
      }
      case 'PING': {
        // ZMTP 3.1 heartbeat: a PONG with the context the peer sent, in one write, unless another message goes first
        // (see the header). With 10,000 minions heartbeating on two sockets each, 2,000 PINGs a second.
        const context = Buffer.from(data.subarray(2, 18)); // a copy: the read buffer is not kept alive for it
        const delay = data.length >= 2 ? Math.min(PONG_DELAY_MAX_MS, Math.floor((data.readUInt16BE(0) * 100) / 6)) : 0;
        if (delay < PONG_DELAY_MIN_MS) return this.pong(context);
        this.pongOwed = context;
        // A PONG already waiting goes at its own (earlier) time and answers this PING too.
        this.pongTimer ??= setTimeout(() => {
          this.pongTimer = undefined;
          const owed = this.pongOwed;
          this.pongOwed = undefined;
          if (owed && this.state === 'ready') this.pong(owed);
        }, delay);
        return;
      }
      case 'SUBSCRIBE':
        return this.onSubscription([Buffer.concat([Buffer.from([1]), data])]);
      case 'CANCEL':
        return this.onSubscription([Buffer.concat([Buffer.from([0]), data])]);
      case 'ERROR':
        return this.close('peer sent ERROR');
      default:
        return; // PONG and unknown commands are ignored
    }
  }

  private pong(context: Buffer): void {
    this.sock.write(Buffer.concat(command('PONG', context)));
  }

  private onSubscription(msg: Buffer[]): void {
    const f = msg[0]!;
    if (this.server.role !== 'pub' || msg.length !== 1 || f.length < 1 || (f[0] !== 0 && f[0] !== 1)) return; // ignored, as libzmq does
    const l = this.server.limits;
    if (f.length - 1 > l.maxTopicBytes) return this.refuse(`subscription of ${f.length - 1} bytes (limit ${l.maxTopicBytes})`);
    const topic = f.toString('utf8', 1);
    if (f[0] === 1) {
      if (this.topics.has(topic)) return;
      if (this.topics.size >= l.maxSubscriptions) return this.refuse(`more than ${l.maxSubscriptions} subscriptions`);
      this.topics.add(topic);
      this.server.subscription(this, topic, true);
    } else if (this.topics.delete(topic)) {
      this.server.subscription(this, topic, false);
    }
  }
}

export interface ZmtpEvents {
  message?(peer: ZmtpPeer, frames: Buffer[]): void;
  subscription?(peer: ZmtpPeer, topic: string, on: boolean): void;
  /** A peer broke a limit or the protocol (it is being disconnected). */
  refused?(peer: ZmtpPeer, why: string, tooLarge: boolean): void;
  disconnected?(peer: ZmtpPeer): void;
}

/** A topic's bytes as a string key (latin1 maps each byte to one character, so prefixes stay prefixes). */
function topicKey(topic: string): string {
  return Buffer.from(topic, 'utf8').toString('latin1');
}

export class ZmtpServer {
  readonly peers = new Set<ZmtpPeer>();
  /** Subscribers by topic: a publication looks up each prefix of its topic, not every peer (10,000 minions each subscribe to their own topic). */
  private readonly byTopic = new Map<string, Set<ZmtpPeer>>();
  private pending = 0;
  private constructor(
    private readonly srv: net.Server,
    readonly role: ZmtpRole,
    readonly limits: ZmtpLimits,
    private readonly events: ZmtpEvents,
  ) {}

  /** Listen on host:port (port 0 picks one; `'*'` or `''` means every interface). */
  static listen(host: string, port: number, role: ZmtpRole, limits: ZmtpLimits, events: ZmtpEvents): Promise<ZmtpServer> {
    const srv = net.createServer({ noDelay: true, pauseOnConnect: false });
    const z = new ZmtpServer(srv, role, limits, events);
    srv.on('connection', (sock) => {
      if (z.peers.size >= limits.maxConnections) {
        sock.destroy();
        return;
      }
      z.peers.add(new ZmtpPeer(sock, z));
    });
    const h = host === '*' || host === '' ? undefined : host.replace(/^\[|\]$/g, '');
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: h, port, ipv6Only: false, backlog: limits.backlog }, () => {
        srv.off('error', reject);
        srv.on('error', () => undefined);
        resolve(z);
      });
    });
  }

  get port(): number {
    return (this.srv.address() as net.AddressInfo).port;
  }

  reserve(n: number): boolean {
    if (this.pending + n > this.limits.maxPendingBytes) return false;
    this.pending += n;
    return true;
  }

  release(n: number): void {
    this.pending = Math.max(0, this.pending - n);
  }

  /** Bytes of incomplete messages held now. */
  get pendingBytes(): number {
    return this.pending;
  }

  message(peer: ZmtpPeer, frames: Buffer[]): void {
    this.events.message?.(peer, frames);
  }

  subscription(peer: ZmtpPeer, topic: string, on: boolean): void {
    this.index(peer, topic, on);
    this.events.subscription?.(peer, topic, on);
  }

  private index(peer: ZmtpPeer, topic: string, on: boolean): void {
    const k = topicKey(topic);
    let set = this.byTopic.get(k);
    if (on) {
      if (!set) this.byTopic.set(k, (set = new Set()));
      set.add(peer);
    } else if (set) {
      set.delete(peer);
      if (set.size === 0) this.byTopic.delete(k);
    }
  }

  refused(peer: ZmtpPeer, why: string, tooLarge: boolean): void {
    this.events.refused?.(peer, why, tooLarge);
  }

  closed(peer: ZmtpPeer, _reason?: string): void {
    if (!this.peers.delete(peer)) return;
    for (const t of [...peer.topics]) {
      this.index(peer, t, false);
      this.events.subscription?.(peer, t, false);
    }
    peer.topics.clear();
    this.events.disconnected?.(peer);
  }

  /** Send to every ready peer subscribed to a prefix of `topic` (once per peer); returns how many got it. */
  publish(topic: Buffer, frames: Buffer[]): number {
    const key = topic.toString('latin1');
    const sent = new Set<ZmtpPeer>();
    let n = 0;
    for (let len = 0; len <= key.length; len++) {
      const subs = this.byTopic.get(key.slice(0, len));
      if (!subs) continue;
      for (const p of subs) {
        if (!p.ready || sent.has(p)) continue;
        sent.add(p);
        if (p.send([topic, ...frames])) n++;
      }
    }
    return n;
  }

  close(): Promise<void> {
    for (const p of [...this.peers]) p.close();
    return new Promise((resolve) => this.srv.close(() => resolve()));
  }
}
