/**
 * The master's publish port in a process of its own. Every minion holds two connections to the master (publish
 * and request): one process holding both for 10,000 minions needs 20,000 descriptors, the whole per-process limit
 * on many hosts. With the publisher in a child process each process holds one connection per minion.
 *
 * The parent sends publications over the IPC channel (`advanced` serialization: buffers are copied, not encoded);
 * the child serves the ZMTP publish port (zmtp.ts, with the same limits) and reports subscriptions and refusals.
 * The child exits when its parent does (the IPC channel closes), so a killed master leaves no publisher behind.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ZmtpServer, type ZmtpLimits } from './zmtp';

type ToChild = { t: 'listen'; host: string; port: number; limits: ZmtpLimits } | { t: 'publish'; topic: Uint8Array; frames: Uint8Array[] } | { t: 'close' };
type FromChild =
  | { t: 'listening'; port: number }
  | { t: 'error'; message: string }
  | { t: 'sub'; topic: string; on: boolean }
  | { t: 'refused'; address: string; why: string }
  | { t: 'peers'; n: number };

export interface PublisherEvents {
  subscription(topic: string, on: boolean): void;
  refused(address: string, why: string): void;
}

/** The soft limit on open files of this process (Linux), or null when unknown. */
export function fdLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return null;
  }
}

/** Descriptors a master needs besides its minions' connections (files, logs, control socket, libuv). */
export const FD_RESERVE = 512;

/** Should the publish port live in its own process? Yes when one process could not hold both ports' connections. */
export function needsPublisherProcess(maxConnections: number, limit: number | null = fdLimit()): boolean {
  return limit !== null && 2 * maxConnections + FD_RESERVE > limit;
}

/** The compiled child entry (jest runs the TypeScript sources; the child always runs the build). */
function childScript(): string {
  const here = path.join(__dirname, 'publisher.js');
  if (fs.existsSync(here)) return here;
  return path.resolve(__dirname, '../../dist/transport/publisher.js');
}

export class PublisherProcess {
  private peerCount = 0;
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  static start(host: string, port: number, limits: ZmtpLimits, events: PublisherEvents): Promise<PublisherProcess> {
    const child = fork(childScript(), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      let p: PublisherProcess | undefined;
      child.on('message', (m: FromChild) => {
        if (m.t === 'listening') resolve((p = new PublisherProcess(child, m.port)));
        else if (m.t === 'error') {
          child.kill('SIGKILL');
          reject(new Error(m.message));
        } else if (m.t === 'sub') events.subscription(m.topic, m.on);
        else if (m.t === 'refused') events.refused(m.address, m.why);
        else if (m.t === 'peers' && p) p.peerCount = m.n;
      });
      child.once('exit', (code, signal) => {
        if (!p) reject(new Error(`publisher process exited before listening (${signal ?? code})`));
      });
      child.send({ t: 'listen', host, port, limits } satisfies ToChild);
    });
  }

  /** Connections to the publish port (as last reported by the child, about every second). */
  get peers(): number {
    return this.peerCount;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  publish(topic: Buffer, frames: Buffer[]): void {
    if (this.exited || !this.child.connected) throw new Error('publisher process: gone');
    this.child.send({ t: 'publish', topic, frames } satisfies ToChild);
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      if (this.child.connected) this.child.send({ t: 'close' } satisfies ToChild);
      else this.child.kill('SIGTERM');
    });
  }
}

// ------------------------------------------------------------------ the child

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

async function listenWithRetry(host: string, port: number, limits: ZmtpLimits, send: (m: FromChild) => void): Promise<ZmtpServer> {
  // A master restarted at once may find its previous publisher still letting go of the port for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      return await ZmtpServer.listen(host, port, 'pub', limits, {
        subscription: (_peer, topic, on) => send({ t: 'sub', topic, on }),
        refused: (peer, why) => send({ t: 'refused', address: peer.address, why }),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 30) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function runChild(): void {
  const send = (m: FromChild): void => {
    if (process.connected) process.send!(m);
  };
  let srv: ZmtpServer | undefined;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToChild) => {
    if (m.t === 'listen') {
      listenWithRetry(m.host, m.port, m.limits, send).then(
        (s) => {
          srv = s;
          setInterval(() => send({ t: 'peers', n: s.peers.size }), 1000).unref();
          send({ t: 'listening', port: s.port });
        },
        (e: unknown) => send({ t: 'error', message: e instanceof Error ? e.message : String(e) }),
      );
    } else if (m.t === 'publish') {
      srv?.publish(asBuffer(m.topic), m.frames.map(asBuffer));
    } else if (m.t === 'close') {
      void (srv?.close() ?? Promise.resolve()).then(() => process.exit(0));
    }
  });
}

if (require.main === module) runChild();
