/** The CLI side of the master's control channel (see packages/master/src/control.ts). */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Dealer } from 'zeromq';
import { BrineError, isDict } from '@brine/core';

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

type Msg = Record<string, unknown> & { id: string; type: 'event' | 'end' };

/** How long the CLI waits for a master that is just starting before it says none is running. */
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

export class ControlClient {
  private readonly sock = new Dealer({ linger: 0, receiveTimeout: -1 });
  private readonly waiters = new Map<string, { onEvent: (m: Msg) => void; resolve: (m: Msg) => void; reject: (e: Error) => void }>();
  private token: string;
  private readonly tokenFile: string;
  private readonly ipc: string;
  private checked: Promise<void> | undefined;
  private loopDone: Promise<void> | undefined;
  /** ZeroMQ allows one send at a time per socket: concurrent requests queue their sends here. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(sockDir: string) {
    this.tokenFile = path.join(sockDir, 'control.token');
    this.token = this.readToken();
    this.ipc = path.join(sockDir, 'control.ipc');
    if (!fs.existsSync(this.ipc)) throw new MasterUnavailable(`no control socket at ${this.ipc}`);
    this.sock.connect(`ipc://${this.ipc}`);
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
          let m: unknown;
          try {
            m = JSON.parse(String(body));
          } catch {
            continue;
          }
          if (!isDict(m) || typeof m['id'] !== 'string') continue;
          const w = this.waiters.get(m['id']);
          if (!w) continue;
          if (m['type'] === 'end') {
            this.waiters.delete(m['id']);
            w.resolve(m as Msg);
          } else w.onEvent(m as Msg);
        }
      } catch {
        /* closed */
      }
    })());
  }

  /** Send a request; `onEvent` sees live events; resolves with the final message. Rejects after `timeoutMs` of silence. */
  async request(op: string, body: Record<string, unknown>, onEvent: (m: Msg) => void = () => undefined, timeoutMs = 10000): Promise<Msg> {
    await this.checkListening();
    try {
      return await this.requestOnce(op, body, onEvent, timeoutMs);
    } catch (e) {
      // Refused for its token before anything ran: a master restarted since the token was read writes a new one.
      if (!(e instanceof BrineError && e.code === 'bad-token')) throw e;
      const fresh = this.readToken();
      if (fresh === this.token) throw e;
      this.token = fresh;
      return this.requestOnce(op, body, onEvent, timeoutMs);
    }
  }

  private requestOnce(op: string, body: Record<string, unknown>, onEvent: (m: Msg) => void, timeoutMs: number): Promise<Msg> {
    const id = crypto.randomBytes(8).toString('hex');
    void this.loop();
    return new Promise<Msg>((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.waiters.delete(id);
          reject(new MasterUnavailable(`no answer to '${op}' within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
      };
      arm();
      this.waiters.set(id, {
        onEvent: (m) => {
          arm();
          onEvent(m);
        },
        resolve: (m) => {
          clearTimeout(timer);
          if (m['ok'] === false) reject(new BrineError(m['code'] === 'bad-token' ? 'bad-token' : 'master', String(m['error'] ?? 'request failed')));
          else resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const send = this.sending.then(() => this.sock.send(JSON.stringify({ id, op, token: this.token, ...body })));
      this.sending = send.catch(() => undefined);
      send.catch(reject);
    });
  }

  close(): void {
    this.sock.close();
  }
}
