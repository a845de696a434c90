/**
 * Wire messages. Two layers:
 *  - outer messages (`WireMessage`): what crosses ZeroMQ, validated by the codec before anything else looks
 *    at them. Only `auth` is accepted without a session; everything else carries sealed or signed bytes.
 *  - sealed bodies: `RequestBody` / `ReplyBody` (inside `req` / `rep`, sealed with the session key) and
 *    `JobPublication` (inside `pub`, sealed with the publication key). They are validated again after opening.
 * Add a request kind by adding a schema to `requestBodySchemas`; the union type follows.
 */
import { MAX_FRAMES, MAX_MINION_ID, MINION_ID_RE } from './limits';
import { arr, bool, bytes, dict, int, json, literal, obj, oneOf, optional, str, tagged, type Infer } from './validate';

export const minionId = () => str({ min: 1, max: MAX_MINION_ID, pattern: MINION_ID_RE });
const nonce = () => str({ min: 16, max: 128, pattern: /^[0-9a-f]+$/ });
const ts = () => int({ min: 0 });
const pem = () => str({ min: 64, max: 16384, pattern: /^-----BEGIN [A-Z ]+-----/ });
const sig = () => bytes({ min: 64, max: 1024 });
const jid = () => str({ min: 1, max: 64, pattern: /^[0-9A-Za-z._-]+$/ });

// ---------------------------------------------------------------- outer messages

export const authStatuses = ['accepted', 'pending', 'rejected', 'denied'] as const;
export type AuthStatus = (typeof authStatuses)[number];

export const wireSchemas = {
  /** minion -> master, the one unauthenticated request: "I am `id`, here is my key, signed by it". */
  auth: obj({
    kind: literal('auth'),
    id: minionId(),
    pub: pem(),
    nonce: nonce(),
    ts: ts(),
    /** Fingerprint of the master the minion expects (pinned or configured); informational for the master. */
    master: optional(str({ max: 200 })),
    sig: sig(),
  }),
  /** master -> minion. Always signed by the master over the minion's nonce; `accepted` carries the keys. */
  'auth.reply': obj({
    kind: literal('auth.reply'),
    status: literal(...authStatuses),
    id: minionId(),
    nonce: nonce(),
    ts: ts(),
    masterPub: pem(),
    /** RSA-OAEP(minion pub, 32-byte session key). */
    sessionKey: optional(bytes({ max: 1024 })),
    /** RSA-OAEP(minion pub, 32-byte publication key of `pubKeyEpoch`). */
    pubKey: optional(bytes({ max: 1024 })),
    pubKeyEpoch: optional(int({ min: 0 })),
    /** The master's publish port (as Salt's auth reply's `publish_port`): a minion subscribes there. Signed. */
    publishPort: optional(int({ min: 1, max: 65535 })),
    sig: sig(),
  }),
  /** minion -> master: an authenticated request, sealed with the minion's session key. */
  req: obj({ kind: literal('req'), id: minionId(), seq: int({ min: 1 }), ts: ts(), body: bytes() }),
  /** master -> minion: the reply to request `seq`, sealed with the same session key. */
  rep: obj({ kind: literal('rep'), id: minionId(), seq: int({ min: 1 }), body: bytes() }),
  /**
   * master -> minion, unsealed: the request could not be opened. `code: 'reauth'` means "no session for you
   * (master restarted, key deleted, or session replaced): authenticate again". Unauthenticated by nature,
   * so a minion treats it only as a hint to re-authenticate, never as data.
   */
  error: obj({
    kind: literal('error'),
    code: literal('reauth', 'protocol', 'busy', 'denied'),
    message: str({ max: 1000 }),
    seq: optional(int({ min: 1 })),
    /**
     * With `reauth` or `busy`: authenticate after this many ms (the master spaces a crowd's auths to what it can
     * answer, e.g. after its restart). Unsigned, so the minion caps it (see connection.ts).
     */
    retryMs: optional(int({ min: 0, max: 600_000 })),
  }),
  /** master -> all: a job, sealed with the publication key of `epoch`, signed by the master. */
  pub: obj({ kind: literal('pub'), epoch: int({ min: 0 }), body: bytes(), sig: sig() }),
  /**
   * master -> all: publication key `epoch`, wrapped to each remaining minion's RSA key, signed by the master.
   * Large fleets get several parts (`part` of `parts`), each signed.
   */
  rekey: obj({
    kind: literal('rekey'),
    epoch: int({ min: 0 }),
    ts: ts(),
    nonce: nonce(),
    part: int({ min: 0, max: MAX_FRAMES }),
    parts: int({ min: 1, max: MAX_FRAMES }),
    keys: dict(bytes({ max: 1024 }), { maxKeys: MAX_FRAMES }),
    sig: sig(),
  }),
  /**
   * master -> pending minions (each on its own topic): "these keys were just accepted, authenticate now", signed
   * by the master. Only a prompt to authenticate (the auth reply is what counts): the listed minions come one by
   * one, evenly over [fromMs, fromMs + spreadMs), so a mass accept is no auth storm. See accept-notice.ts.
   */
  'auth.notice': obj({
    kind: literal('auth.notice'),
    ids: arr(minionId(), { max: 64 }),
    ts: ts(),
    fromMs: int({ min: 0, max: 600_000 }),
    spreadMs: int({ min: 0, max: 600_000 }),
    sig: sig(),
  }),
};

export type AuthRequest = Infer<(typeof wireSchemas)['auth']>;
export type AuthReply = Infer<(typeof wireSchemas)['auth.reply']>;
export type RequestEnvelope = Infer<(typeof wireSchemas)['req']>;
export type ReplyEnvelope = Infer<(typeof wireSchemas)['rep']>;
export type ErrorReply = Infer<(typeof wireSchemas)['error']>;
export type PublicationMessage = Infer<(typeof wireSchemas)['pub']>;
export type RekeyMessage = Infer<(typeof wireSchemas)['rekey']>;
export type AcceptNotice = Infer<(typeof wireSchemas)['auth.notice']>;
export type WireMessage = AuthRequest | AuthReply | RequestEnvelope | ReplyEnvelope | ErrorReply | PublicationMessage | RekeyMessage | AcceptNotice;
export type WireKind = WireMessage['kind'];
export const wireMessageSchema = tagged('kind', wireSchemas, 'message kind');

// ---------------------------------------------------------------- sealed request bodies (minion -> master)

/** A saltenv name: it names a directory of a minion's file cache, so never `.` or `..`. */
export const SALTENV_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,255}$/;
const saltenv = () => str({ min: 1, max: 255, pattern: SALTENV_NAME });
const targetType = () => literal('glob', 'list', 'grain', 'pillar', 'pcre', 'grain_pcre', 'pillar_pcre', 'compound', 'nodegroup');

export const requestBodySchemas = {
  /** A job's return, bound to the sender's identity by the session key. */
  return: obj({
    kind: literal('return'),
    jid: jid(),
    fun: str({ min: 1, max: 255 }),
    ret: json(),
    /** Salt's retcode (a command's exit status): data, not an exit code. */
    retcode: int(),
    success: bool(),
    /** How the job ended here (see Outcome in @brine/core); the CLI maps it to its exit code. */
    outcome: optional(literal('ok', 'error', 'failed')),
    /** Outputter hint (`highstate`, `nested`, ...). */
    out: optional(str({ max: 64 })),
    /** Set by a minion's own schedule: the master records a job for it (the jid is the minion's). */
    schedule: optional(str({ max: 255 })),
  }),
  /** The file server's environments (Salt's fileserver.envs), base first. */
  'file.envs': obj({ kind: literal('file.envs') }),
  /** The file server's listing for an environment. */
  'file.list': obj({ kind: literal('file.list'), saltenv: saltenv() }),
  /** One file (or a byte range of it, for large files). */
  'file.get': obj({
    kind: literal('file.get'),
    path: str({ min: 1, max: 4096 }),
    saltenv: saltenv(),
    offset: optional(int({ min: 0 })),
    length: optional(int({ min: 1 })),
  }),
  /** This minion's compiled pillar (sealed to it alone by the session key). */
  // `pillarenv`: only that pillar environment; `transient`: compiled for one call, not kept as the minion's pillar.
  pillar: obj({ kind: literal('pillar'), saltenv: optional(saltenv()), pillarenv: optional(saltenv()), transient: optional(bool()) }),
  /** `acl`: Salt's allow_tgt/allow_tgt_type per function (only matching minions may read that function). */
  'mine.update': obj({
    kind: literal('mine.update'),
    data: dict(),
    acl: optional(dict(obj({ tgt: oneOf(str({ max: 4096 }), arr(str({ max: 255 }))), tgtType: targetType() }))),
  }),
  'mine.get': obj({ kind: literal('mine.get'), tgt: oneOf(str({ max: 4096 }), arr(str({ max: 255 }))), fun: str({ min: 1, max: 255 }), tgtType: targetType() }),
  grains: obj({ kind: literal('grains'), grains: dict() }),
  /** The minion is still working on `jid` (sent on receipt and every few seconds until it returns). */
  /** The minion is still running job `jid`; `pid` is its job process, when it has one (jobs.active shows it). */
  'job.running': obj({ kind: literal('job.running'), jid: jid(), pid: optional(int({ min: 1 })) }),
  /**
   * Liveness. `lastPubTs` (ts of the last publication the minion opened) and `epoch` tell the master that
   * the minion's SUB side is live and which publication key it holds.
   */
  ping: obj({ kind: literal('ping'), lastPubTs: optional(ts()), epoch: optional(int({ min: 0 })) }),
  /**
   * `event.send` / `event.fire_master`: an event for the master's bus. The master stamps it with the sender's id
   * (from the session, never from the body) and refuses tags in `salt/` other than the sender's own
   * (`salt/minion/<id>/...`, `salt/beacon/<id>/...`).
   */
  event: obj({ kind: literal('event'), tag: str({ min: 1, max: 1024 }), data: json() }),
  /**
   * `cp.push`: a piece of a file the minion sends up (`offset` 0 starts it anew; the master appends the rest). The
   * master stores it under its cachedir/minions/<id>/files/<path>, only with `file_recv: True`, up to
   * `file_recv_max_size` megabytes.
   */
  'file.push': obj({ kind: literal('file.push'), path: str({ min: 1, max: 4096 }), data: bytes(), offset: int({ min: 0 }), size: optional(int({ min: 0 })) }),
};

export type RequestBody = { [K in keyof typeof requestBodySchemas]: Infer<(typeof requestBodySchemas)[K]> }[keyof typeof requestBodySchemas];
export type RequestKind = RequestBody['kind'];
export type RequestOf<K extends RequestKind> = Extract<RequestBody, { kind: K }>;
export const requestBodySchema = tagged('kind', requestBodySchemas, 'request kind');

// ---------------------------------------------------------------- sealed reply bodies (master -> minion)

export const replyBodySchema = oneOf(
  obj({ ok: literal(true), data: json() }),
  obj({ ok: literal(false), error: str({ max: 4096 }), code: optional(literal('refused', 'error', 'retry')) }),
);
/**
 * `code`: `refused` (the request itself is not acceptable), `error` (the master answered with an error: a pillar
 * that does not render, a missing file), `retry` (the master could not store it now, e.g. its disk is full: send it
 * again later, never drop it).
 */
export type ReplyCode = 'refused' | 'error' | 'retry';
export type ReplyBody = { ok: true; data: unknown } | { ok: false; error: string; code?: ReplyCode };

// ---------------------------------------------------------------- sealed publication body (master -> all)

export const jobPublicationSchema = obj({
  jid: jid(),
  tgt: oneOf(str({ max: 4096 }), arr(str({ max: 255 }))),
  tgtType: targetType(),
  fun: str({ min: 1, max: 255 }),
  arg: arr(json()),
  kwarg: dict(),
  /** Master clock, ms since the epoch. */
  ts: ts(),
  nonce: nonce(),
  /** Returner / return channel hint. */
  ret: optional(str({ max: 255 })),
  /** Seconds the CLI waits; minions may use it to bound work. */
  timeout: optional(int({ min: 0 })),
  /** Who asked (audit). */
  user: optional(str({ max: 255 })),
});
export type JobPublication = Infer<typeof jobPublicationSchema>;
