/**
 * zeromq v6 allows one `send` in flight per socket ("Socket is busy writing"). Concurrent handlers share a
 * socket through this queue, which runs sends one after another.
 */
export interface Writable {
  send(frames: Buffer[]): Promise<void>;
}

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: Writable) {}

  /** Queue `frames`; `skip()` returning true at its turn drops it (e.g. the request already timed out). */
  send(frames: Buffer[], skip?: () => boolean): Promise<void> {
    const p = this.tail.then(() => (skip?.() ? undefined : this.socket.send(frames)));
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Resolves when everything queued so far was handed to ZeroMQ. */
  drain(): Promise<void> {
    return this.tail;
  }
}
