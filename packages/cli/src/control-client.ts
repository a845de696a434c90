/** The CLI side of the master's control channel (see packages/master/src/control.ts). */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Dealer } from 'zeromq';
import { BrineError, isDict } from '@brine/core';

export class MasterUnavailable extends BrineError {
  constructor(why: string) {
    super('master-unavailable', `master: ${why} (is 'brine master' running with this --config-dir?)`);
  }
}

type Msg = Record<string, unknown> & { id: string; type: 'event' | 'end' };

export class ControlClient {
  private readonly sock = new Dealer({ linger: 0, receiveTimeout: -1 });
  private readonly waiters = new Map<string, { onEvent: (m: Msg) => void; resolve: (m: Msg) => void }>();
  private readonly token: string;
  private loopDone: Promise<void> | undefined;
  /** ZeroMQ allows one send at a time per socket: concurrent requests queue their sends here. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(sockDir: string) {
    const tokenFile = path.join(sockDir, 'control.token');
    try {
      this.token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch {
      throw new MasterUnavailable(`no control token at ${tokenFile}`);
    }
    const ipc = path.join(sockDir, 'control.ipc');
    if (!fs.existsSync(ipc)) throw new MasterUnavailable(`no control socket at ${ipc}`);
    this.sock.connect(`ipc://${ipc}`);
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
          if (m['ok'] === false) reject(new BrineError('master', String(m['error'] ?? 'request failed')));
          else resolve(m);
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
