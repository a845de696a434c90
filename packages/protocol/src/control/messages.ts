/**
 * The operator's control channel (CLI <-> master over an IPC socket in `sock_dir`): one entry per operation, each
 * with the schema of its request body, of the stream events it may send before the end, and of its final reply.
 * Both ends validate what they receive with these schemas. Add an operation by adding an entry: the master's
 * handler table (`ControlHandlers`) then fails to compile until it has a handler for it.
 *
 * Frames (one JSON document each):
 *   client -> master  `{id, token, op, body}`
 *   master -> client  `{id, type: 'events', events: [...]}` (any number; the events of one event-loop turn share
 *                     a frame), then `{id, type: 'end', ok: true, reply}` or
 *                     `{id, type: 'end', ok: false, error, code?}`
 */
import { MAX_MINION_ID, MINION_ID_RE } from '../limits';
import { arr, bool, dict, int, json, literal, num, obj, oneOf, optional, str, tagged, type Infer, type Schema } from '../validate';
import { ProtocolError } from '@brine/core';

const id = () => str({ min: 1, max: MAX_MINION_ID, pattern: MINION_ID_RE });
const ids = () => arr(id());
const tgt = () => oneOf(str({ max: 4096 }), arr(str({ max: 255 })));
const tgtType = () => literal('glob', 'list', 'grain', 'pillar', 'pcre', 'grain_pcre', 'pillar_pcre', 'compound', 'nodegroup');
const jid = () => str({ min: 1, max: 64, pattern: /^[0-9A-Za-z._-]+$/ });
const funName = () => str({ min: 1, max: 255 });

/** An operation that never streams events. */
function noEvents(): Schema<never> {
  return {
    expected: 'no events',
    check(_v, path) {
      throw new ProtocolError(`${path}: this operation sends no events`);
    },
  };
}

export const controlOps = {
  /** The key store changed on disk (brine key): end the sessions of minions no longer accepted. */
  'keys.changed': { request: obj({}), event: noEvents(), reply: obj({ removed: ids() }) },
  /** The accepted minions a target should reach, from the master's cached grains and pillar. */
  match: { request: obj({ tgt: tgt(), tgt_type: optional(tgtType()) }), event: noEvents(), reply: obj({ minions: ids() }) },
  status: {
    request: obj({}),
    event: noEvents(),
    reply: obj({
      fingerprint: str({ max: 512 }),
      ports: obj({ publish: int({ min: 0 }), request: int({ min: 0 }) }),
      minions: dict(literal('connected', 'not connected')),
    }),
  },
  'mine.get': { request: obj({ tgt: tgt(), tgt_type: optional(tgtType()), fun: funName() }), event: noEvents(), reply: obj({ data: dict() }) },
  /** Publish a job; unless `async`, stream its acknowledgements and returns until every expected minion answered. */
  publish: {
    request: obj({
      tgt: tgt(),
      tgt_type: optional(tgtType()),
      fun: funName(),
      arg: optional(arr(json())),
      kwarg: optional(dict()),
      /** Seconds of silence before a minion counts as not returning. */
      timeout: optional(num()),
      /** Seconds the whole watch lasts at most. */
      max_wait: optional(num()),
      async: optional(bool()),
      user: optional(str({ max: 255 })),
    }),
    event: tagged('event', {
      job: obj({ event: literal('job'), jid: jid(), expected: ids() }),
      running: obj({ event: literal('running'), minion: id() }),
      return: obj({
        event: literal('return'),
        minion: id(),
        ret: json(),
        outcome: literal('ok', 'error', 'failed', 'missing'),
        retcode: optional(int()),
        success: bool(),
        out: optional(str({ max: 64 })),
      }),
    }, 'publish event'),
    /** `expected` for an async publish; `missing` (minion -> why) once a watched job ends. */
    reply: obj({ jid: jid(), expected: optional(ids()), missing: optional(dict(str({ max: 255 }))) }),
  },
  /** Stream the master's events whose tag matches the glob `match` (default every event) until the client leaves. */
  'event.listen': {
    request: obj({ match: optional(str({ min: 1, max: 1024 })) }),
    event: obj({ tag: str({ min: 1, max: 4096 }), data: dict() }),
    reply: obj({}),
  },
  /** A runner function (`brine runner FUN`, like salt-run), run on the master. */
  runner: {
    request: obj({ fun: funName(), arg: arr(json()), kwarg: dict() }),
    /** Progress the runner streams (an orchestrate step, an event for state.event). */
    event: obj({ progress: json() }),
    reply: obj({ return: json() }),
  },
};

export type ControlOp = keyof typeof controlOps;
export const CONTROL_OPS = Object.keys(controlOps) as ControlOp[];
export type ControlRequestOf<K extends ControlOp> = Infer<(typeof controlOps)[K]['request']>;
export type ControlEventOf<K extends ControlOp> = Infer<(typeof controlOps)[K]['event']>;
export type ReplyOf<K extends ControlOp> = Infer<(typeof controlOps)[K]['reply']>;

/** Why the master refused or failed a request (`bad-token`: the client reads the token again once). */
export type ControlErrorCode = 'bad-token' | 'bad-request' | 'usage' | 'error';

// ---------------------------------------------------------------- frames

export const controlRequestFrame = obj({ id: str({ min: 1, max: 64 }), token: str({ max: 256 }), op: str({ min: 1, max: 64 }), body: dict() });
export type ControlRequestFrame = Infer<typeof controlRequestFrame>;

export const controlReplyFrame = oneOf(
  obj({ id: str({ min: 1, max: 64 }), type: literal('events'), events: arr(json()) }),
  obj({ id: str({ min: 1, max: 64 }), type: literal('end'), ok: literal(true), reply: json() }),
  obj({ id: str({ min: 1, max: 64 }), type: literal('end'), ok: literal(false), error: str({ max: 8192 }), code: optional(literal('bad-token', 'bad-request', 'usage', 'error')) }),
);
export type ControlReplyFrame = Infer<typeof controlReplyFrame>;

export function isControlOp(op: string): op is ControlOp {
  return Object.prototype.hasOwnProperty.call(controlOps, op);
}

/** Validate a request body for `op` (the master's side). */
export function checkControlRequest<K extends ControlOp>(op: K, body: unknown): ControlRequestOf<K> {
  return controlOps[op].request.check(body, `control ${op}`) as ControlRequestOf<K>;
}

/** Validate a stream event for `op` (the client's side). */
export function checkControlEvent<K extends ControlOp>(op: K, event: unknown): ControlEventOf<K> {
  return (controlOps[op].event as Schema<unknown>).check(event, `control ${op} event`) as ControlEventOf<K>;
}

/** Validate a final reply for `op` (the client's side). */
export function checkControlReply<K extends ControlOp>(op: K, reply: unknown): ReplyOf<K> {
  return controlOps[op].reply.check(reply, `control ${op} reply`) as ReplyOf<K>;
}
