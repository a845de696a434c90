/**
 * The operator's channel: `brine state|run|key|jobs` talk to the master over a ZeroMQ ROUTER on an IPC socket in
 * `sock_dir` (mode 0700, root), and present the token the master writes there (mode 0400). One JSON frame per
 * message; a request may get several `event` frames (live returns) before its final `end`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Router } from 'zeromq';
import { errorMessage, isDict, type Logger } from '@brine/core';

export interface ControlRequest {
  id: string;
  op: string;
  [k: string]: unknown;
}

export interface ControlReplySink {
  event(data: Record<string, unknown>): void;
  end(data: Record<string, unknown>): void;
}

export type ControlHandler = (req: ControlRequest, sink: ControlReplySink) => Promise<void> | void;

export function controlPaths(sockDir: string): { endpoint: string; tokenFile: string } {
  return { endpoint: `ipc://${path.join(sockDir, 'control.ipc')}`, tokenFile: path.join(sockDir, 'control.token') };
}

export class ControlServer {
  private readonly sock = new Router({ linger: 0, sendHighWaterMark: 100000 });
  private token = '';
  private closed = false;
  private sendChain: Promise<void> = Promise.resolve();

  constructor(private readonly sockDir: string, private readonly log: Logger, private readonly handler: ControlHandler) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.sockDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.sockDir, 0o700);
    const { endpoint, tokenFile } = controlPaths(this.sockDir);
    this.token = crypto.randomBytes(32).toString('hex');
    fs.rmSync(tokenFile, { force: true });
    fs.writeFileSync(tokenFile, this.token, { mode: 0o400 });
    fs.rmSync(endpoint.slice('ipc://'.length), { force: true });
    await this.sock.bind(endpoint);
    void this.loop();
  }

  private send(peer: Buffer, msg: Record<string, unknown>): void {
    this.sendChain = this.sendChain
      .then(() => this.sock.send([peer, JSON.stringify(msg)]))
      .catch((e) => this.log.warn('control: send failed', { error: errorMessage(e) }));
  }

  private async loop(): Promise<void> {
    try {
      for await (const frames of this.sock) {
        const [peer, body] = frames as Buffer[];
        if (!peer || !body) continue;
        let req: ControlRequest;
        try {
          const parsed: unknown = JSON.parse(body.toString('utf8'));
          if (!isDict(parsed) || typeof parsed['id'] !== 'string' || typeof parsed['op'] !== 'string') throw new Error('not a request');
          req = parsed as ControlRequest;
        } catch (e) {
          this.log.warn('control: malformed request dropped', { error: errorMessage(e) });
          continue;
        }
        const sink: ControlReplySink = {
          event: (data) => this.send(peer, { ...data, id: req.id, type: 'event' }),
          end: (data) => this.send(peer, { ...data, id: req.id, type: 'end' }),
        };
        if (typeof req['token'] !== 'string' || !timingSafeEqual(req['token'], this.token)) {
          this.log.warn('control: request with a bad token refused', { op: req.op });
          sink.end({ ok: false, code: 'bad-token', error: 'control: bad token (run brine as the user that runs the master)' });
          continue;
        }
        Promise.resolve()
          .then(() => this.handler(req, sink))
          .catch((e) => sink.end({ ok: false, error: errorMessage(e) }));
      }
    } catch (e) {
      if (!this.closed) this.log.error('control: socket loop ended', { error: errorMessage(e) });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sendChain.catch(() => undefined);
    this.sock.close();
    fs.rmSync(controlPaths(this.sockDir).tokenFile, { force: true });
  }
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
