/**
 * Authenticated requests: `req {id, seq, ts, body = AES-GCM(sessionKey(id), JSON(RequestBody), aad)}` with
 * aad = T("brine/req/v1", id, seq, ts), and replies `rep {id, seq, body = AES-GCM(sessionKey(id), JSON(ReplyBody),
 * T("brine/rep/v1", id, seq))}`.
 *
 * The master opens a request with the key of the id the request *claims*; a minion holding only its own key
 * cannot produce a box that opens under another id's key, so it can only speak as itself. `id`, `seq` and
 * `ts` are bound as associated data, so none can be altered. Replays are refused by a per-session sliding
 * window over `seq` and a freshness window on `ts`. A reply is bound to the request's seq, so it cannot be
 * swapped for another reply.
 */
import { AuthError, ProtocolError } from '@brine/core';
import { aeadOpen, aeadSeal, newAeadKey } from './crypto/aead';
import { transcript } from './crypto/transcript';
import { packJson, unpackJson } from './codec';
import { REQUEST_FRESHNESS_MS, SEQ_WINDOW } from './limits';
import { replyBodySchema, requestBodySchema, type ErrorReply, type ReplyBody, type ReplyEnvelope, type RequestBody, type RequestEnvelope } from './messages';
import { SeqWindow } from './replay';

export type SessionFailure = 'no-session' | 'bad-seal' | 'replay' | 'stale';

/**
 * A request that cannot be accepted. `reason` tells the master what to answer: `no-session` and `bad-seal`
 * deserve an `error {code:'reauth'}` (the minion's session is unknown or outdated); `replay` and `stale` are
 * dropped and logged (`stale` may also be answered so a minion with a wrong clock learns why).
 */
export class SessionError extends AuthError {
  readonly reason: SessionFailure;
  constructor(reason: SessionFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The master answered with an `error` message instead of a sealed reply. */
export class RemoteError extends ProtocolError {
  readonly reason: ErrorReply['code'];
  /** The master's hint: authenticate again after this many ms (unsigned; cap it). */
  readonly retryMs: number | undefined;
  constructor(reason: ErrorReply['code'], message: string, retryMs?: number) {
    super(`master refused the request: ${message}`);
    this.reason = reason;
    this.retryMs = retryMs;
  }
}

const T_REQ = 'brine/req/v1';
const T_REP = 'brine/rep/v1';

export function requestAad(id: string, seq: number, ts: number): Buffer {
  return transcript(T_REQ, id, seq, ts);
}

export function replyAad(id: string, seq: number): Buffer {
  return transcript(T_REP, id, seq);
}

/** Seal a request body under a session key. */
export function sealRequest(id: string, key: Buffer, seq: number, body: RequestBody, now = Date.now()): RequestEnvelope {
  requestBodySchema.check(body, `request ${body.kind}`);
  return { kind: 'req', id, seq, ts: now, body: aeadSeal(key, packJson(body), requestAad(id, seq, now)) };
}

/** What the master keeps per authenticated minion. */
export interface SessionState {
  readonly id: string;
  readonly key: Buffer;
  readonly window: SeqWindow;
  readonly createdAt: number;
  /** Last time a request from this session was opened (ms). */
  lastSeen: number;
}

export function newSessionState(id: string, key: Buffer, now = Date.now(), windowSize = SEQ_WINDOW): SessionState {
  return { id, key, window: new SeqWindow(windowSize), createdAt: now, lastSeen: now };
}

export interface OpenRequestOptions {
  now?: number;
  /** Accepted |now - ts|; default 300 s. */
  freshnessMs?: number;
}

/**
 * Master side: open a request with the session of the id it claims. Checks, in order: a session exists,
 * `ts` is fresh, the box opens (right key, untampered id/seq/ts), the seq is not a replay; then validates
 * the body. Throws SessionError (an AuthError) or ProtocolError (body malformed).
 */
export function openRequest(env: RequestEnvelope, lookup: (id: string) => SessionState | undefined, opts: OpenRequestOptions = {}): RequestBody {
  const now = opts.now ?? Date.now();
  const window = opts.freshnessMs ?? REQUEST_FRESHNESS_MS;
  const s = lookup(env.id);
  if (!s) throw new SessionError('no-session', `request from ${env.id}: no session (authenticate first)`);
  if (Math.abs(now - env.ts) > window) {
    throw new SessionError('stale', `request from ${env.id}: timestamp is ${Math.round((now - env.ts) / 1000)} s off the master's clock (sync clocks; window ${window / 1000} s)`);
  }
  let plain: Buffer;
  try {
    plain = aeadOpen(s.key, env.body, requestAad(env.id, env.seq, env.ts));
  } catch (e) {
    throw new SessionError('bad-seal', `request from ${env.id}: does not open with that minion's session key (forged, tampered, or an old session)`, { cause: e });
  }
  const ok = s.window.accept(env.seq);
  if (!ok.ok) throw new SessionError('replay', `request from ${env.id}: ${ok.reason}`);
  s.lastSeen = now;
  return requestBodySchema.check(unpackJson(plain), `request from ${env.id}`);
}

/** Master side: seal the reply to request `seq` of minion `id`. */
export function sealReply(id: string, key: Buffer, seq: number, reply: ReplyBody): ReplyEnvelope {
  replyBodySchema.check(reply, 'reply');
  return { kind: 'rep', id, seq, body: aeadSeal(key, packJson(reply), replyAad(id, seq)) };
}

/**
 * Minion side: open the master's answer to request `seq`. An `error` message becomes a RemoteError
 * (`reason: 'reauth'` => authenticate again, then retry).
 */
export function openReply(msg: ReplyEnvelope | ErrorReply, id: string, key: Buffer, seq: number): ReplyBody {
  if (msg.kind === 'error') throw new RemoteError(msg.code, msg.message, msg.retryMs);
  if (msg.id !== id || msg.seq !== seq) throw new AuthError(`reply: for ${msg.id}#${msg.seq}, expected ${id}#${seq}`);
  const plain = aeadOpen(key, msg.body, replyAad(id, seq));
  return replyBodySchema.check(unpackJson(plain), 'reply') as ReplyBody;
}

/** Minion side: one authenticated session (after `auth` was accepted). Numbers requests from 1. */
export class ClientSession {
  private seq = 0;
  constructor(
    readonly id: string,
    readonly key: Buffer,
  ) {}

  /** Seal a request; returns the envelope (its `seq` is what `openReply` needs). */
  seal(body: RequestBody, now = Date.now()): RequestEnvelope {
    return sealRequest(this.id, this.key, ++this.seq, body, now);
  }

  openReply(msg: ReplyEnvelope | ErrorReply, seq: number): ReplyBody {
    return openReply(msg, this.id, this.key, seq);
  }
}

/** A request the master opened: who sent it, its seq, the body, and the session key to seal the reply. */
export interface OpenedRequest {
  id: string;
  seq: number;
  body: RequestBody;
  key: Buffer;
}

/** Master side: the authenticated sessions, by minion id. */
/** Live sessions one minion id may hold at once (its daemon, plus `brine call`s on its host); LRU beyond that. */
export const SESSIONS_PER_ID = 4;

export class SessionTable {
  /** Newest first. An id may hold SESSIONS_PER_ID live sessions: the daemon's and `brine call`s on the same host. */
  private readonly sessions = new Map<string, SessionState[]>();
  /**
   * When each session was last used, as a tick of a counter (never a clock: two uses in the same millisecond must
   * still be ordered): the least recently used one is dropped first.
   */
  private readonly lastUsed = new WeakMap<SessionState, number>();
  private tick = 0;
  constructor(private readonly opts: { freshnessMs?: number; windowSize?: number } = {}) {}

  /** Start a new session for `id` with a fresh key (the oldest beyond SESSIONS_PER_ID ends); returns the key to send. */
  create(id: string, now = Date.now()): Buffer {
    const key = newAeadKey();
    const state = newSessionState(id, key, now, this.opts.windowSize);
    this.lastUsed.set(state, ++this.tick);
    const others = [...(this.sessions.get(id) ?? [])].sort((a, b) => (this.lastUsed.get(b) ?? 0) - (this.lastUsed.get(a) ?? 0));
    this.sessions.set(id, [state, ...others.slice(0, SESSIONS_PER_ID - 1)]);
    return key;
  }

  /** The newest session of `id`. */
  get(id: string): SessionState | undefined {
    return this.sessions.get(id)?.[0];
  }

  /** End every session of `id` (key deleted or rejected): its requests fail with `no-session` from now on. */
  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  ids(): string[] {
    return [...this.sessions.keys()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * `openRequest` against this table, trying each live session of the id. The result remembers the key it was
   * opened with, so the reply is sealed for the session that asked even if the minion re-authenticates meanwhile.
   */
  open(env: RequestEnvelope, now = Date.now()): OpenedRequest {
    const list = this.sessions.get(env.id) ?? [];
    // Made only when every session failed (an Error's stack costs more than opening the request).
    let last: unknown;
    for (const state of list.length ? list : [undefined]) {
      try {
        const body = openRequest(env, () => state, { now, freshnessMs: this.opts.freshnessMs });
        this.lastUsed.set(state!, ++this.tick);
        return { id: env.id, seq: env.seq, body, key: state!.key };
      } catch (e) {
        last = e;
        if (!(e instanceof SessionError && e.reason === 'bad-seal')) throw e;
      }
    }
    throw last ?? new SessionError('no-session', `no session for ${env.id}`);
  }

  /** Seal the reply to an opened request. */
  sealReply(req: OpenedRequest, reply: ReplyBody): ReplyEnvelope {
    return sealReply(req.id, req.key, req.seq, reply);
  }
}
