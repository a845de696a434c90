/** Protocol constants and defaults. Every window and limit is a default the daemons may override. */

/** Version of the wire envelope (`v` in every header). A peer speaking another version is refused. */
export const PROTOCOL_VERSION = 1;

export const DEFAULT_PUBLISH_PORT = 4505;
export const DEFAULT_REQUEST_PORT = 4506;

/** Largest accepted message (all frames together). Larger ones are rejected before parsing. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Largest piece of a file in one `file.get` reply (base64 makes it 4/3 of this on the wire). */
export const FILE_CHUNK_BYTES = 1024 * 1024;
/** Most frames in one message (a header plus one per binary field; a rekey chunk has one per minion). */
export const MAX_FRAMES = 4096;

/** Requests: accepted clock skew either way between the minion's `ts` and the master's clock. */
export const REQUEST_FRESHNESS_MS = 300_000;
/** Auth requests: same window (a replayed auth inside it is caught by the nonce cache). */
export const AUTH_FRESHNESS_MS = 300_000;
/** Publications: oldest accepted age. */
export const PUBLICATION_MAX_AGE_MS = 60_000;
/** Publications: how far in the future a `ts` may be (clock skew). */
export const PUBLICATION_MAX_FUTURE_MS = 30_000;
/** Sliding window of request sequence numbers accepted out of order. */
export const SEQ_WINDOW = 1024;
/** Publication replay cache size (jids and nonces). */
export const REPLAY_CACHE_SIZE = 100_000;
/** Publication keys a minion keeps (the current one and the previous, for publications in flight at a rekey). */
export const PUB_KEYS_KEPT = 2;
/**
 * The longest liveness-ping interval a master may ask of its minions (`pingS` in its answer to a ping; see the
 * master's ping-pace.ts). A larger value from a master is read as this one.
 */
export const PING_HINT_MAX_S = 120;
/** Minion ids per rekey message. 500 ids x ~300 bytes = ~150 KiB per chunk. */
export const REKEY_CHUNK = 500;

/**
 * Minion ids: letters, digits, `.`, `_`, `-`, 1..200 chars, not starting with `.` or `-`, never containing
 * `.tmp-` (the stores' temp-file marker). Ids name files in the key store and caches (`<id>.json` plus a temp
 * suffix must fit a 255-byte file name), so `/`, `..` and NUL can never appear.
 */
export const MAX_MINION_ID = 200;
export const MINION_ID_RE = /^(?!.*\.tmp-)[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

export function isValidMinionId(id: unknown): id is string {
  return typeof id === 'string' && MINION_ID_RE.test(id);
}
