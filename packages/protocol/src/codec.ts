/**
 * Wire encoding: one ZeroMQ multipart message per protocol message.
 *   frame 0     UTF-8 JSON header `{"v":1,"kind":...,...}`; every binary field is replaced by `{"$f":n}`
 *   frame 1..n  the binary fields, raw (ciphertexts and signatures travel without base64 inflation)
 * `decode` checks, in order: frame count, total size, JSON, version, frame references (each extra frame used
 * exactly once), then the message schema; any failure is a ProtocolError saying which.
 *
 * Sealed bodies are JSON too (`packJson`/`unpackJson`): Buffers inside them become `{"$b64":"..."}`.
 */
import { ProtocolError } from '@brine/core';
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_FRAMES, PROTOCOL_VERSION } from './limits';
import { wireMessageSchema, wireSchemas, type WireMessage } from './messages';
import { describe, type Schema } from './validate';

export interface DecodeOptions {
  /** Largest accepted total size of all frames; default 16 MiB. */
  maxBytes?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** Encode a wire message as frames. Validates it first: encoding a malformed message is a bug, caught here. */
export function encode(msg: WireMessage): Buffer[] {
  wireMessageSchema.check(msg, `message ${String((msg as { kind?: unknown }).kind)}`);
  const blobs: Buffer[] = [];
  const walk = (v: unknown): unknown => {
    if (Buffer.isBuffer(v)) {
      blobs.push(v);
      return { $f: blobs.length };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const header = { v: PROTOCOL_VERSION, ...(walk(msg) as Record<string, unknown>) };
  return [Buffer.from(JSON.stringify(header), 'utf8'), ...blobs];
}

/** Total bytes of a multipart message. */
export function framesSize(frames: readonly Buffer[]): number {
  let n = 0;
  for (const f of frames) n += f.length;
  return n;
}

/** Decode and validate frames into a wire message; throws ProtocolError with the reason. */
export function decode(frames: readonly Buffer[], opts: DecodeOptions = {}): WireMessage {
  return decodeWith(frames, wireMessageSchema, opts);
}

/** `decode` restricted to some kinds (e.g. the master's ROUTER accepts only `auth` and `req`). */
export function decodeExpecting<K extends WireMessage['kind']>(frames: readonly Buffer[], kinds: readonly K[], opts: DecodeOptions = {}): Extract<WireMessage, { kind: K }> {
  const msg = decode(frames, opts);
  if (!(kinds as readonly string[]).includes(msg.kind)) {
    throw new ProtocolError(`message: kind '${msg.kind}' is not valid here (expected ${kinds.join(', ')})`);
  }
  return msg as Extract<WireMessage, { kind: K }>;
}

function decodeWith<T>(frames: readonly Buffer[], schema: Schema<T>, opts: DecodeOptions): T {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Array.isArray(frames) || frames.length === 0) throw new ProtocolError('message: no frames');
  if (frames.length > MAX_FRAMES + 1) throw new ProtocolError(`message: ${frames.length} frames (at most ${MAX_FRAMES + 1})`);
  let total = 0;
  for (const f of frames) {
    if (!Buffer.isBuffer(f)) throw new ProtocolError(`message: frame is ${describe(f)}, not bytes`);
    total += f.length;
  }
  if (total > maxBytes) throw new ProtocolError(`message: ${total} bytes exceeds the limit of ${maxBytes} (raise max_message_bytes if this is legitimate)`);
  let header: unknown;
  try {
    header = JSON.parse(frames[0]!.toString('utf8'));
  } catch {
    throw new ProtocolError('message: header frame is not JSON');
  }
  if (!isRecord(header)) throw new ProtocolError(`message: header is ${describe(header)}, not an object`);
  if (header.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(`message: protocol version ${JSON.stringify(header.v)} is not supported (this peer speaks v${PROTOCOL_VERSION}; upgrade the older side)`);
  }
  const used = new Set<number>();
  const resolve = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => resolve(x, `${path}[${i}]`));
    if (isRecord(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$f') {
        const n = v.$f;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n >= frames.length) {
          throw new ProtocolError(`message: ${path}: frame reference ${JSON.stringify(n)} is out of range`);
        }
        if (used.has(n)) throw new ProtocolError(`message: ${path}: frame ${n} referenced twice`);
        used.add(n);
        return frames[n];
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        // `out.__proto__ = x` would set the prototype and hide the field from the schema's unknown-field check.
        if (k === '__proto__') throw new ProtocolError(`message: ${path}.__proto__: field refused`);
        out[k] = resolve(v[k], `${path}.${k}`);
      }
      return out;
    }
    return v;
  };
  const { v: _v, ...rest } = header;
  const msg = resolve(rest, '');
  if (used.size !== frames.length - 1) throw new ProtocolError(`message: ${frames.length - 1 - used.size} unreferenced frame(s)`);
  const kind = (msg as Record<string, unknown>).kind;
  const known = typeof kind === 'string' && Object.prototype.hasOwnProperty.call(wireSchemas, kind);
  return schema.check(msg, known ? `message ${kind}` : 'message');
}

// ---------------------------------------------------------------- JSON for sealed bodies

/** JSON with Buffers as `{"$b64": "..."}` (for sealed bodies: file contents, etc.). */
export function packJson(value: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      return Buffer.isBuffer(raw) ? { $b64: raw.toString('base64') } : v;
    }),
    'utf8',
  );
}

/** Inverse of packJson; throws ProtocolError on invalid JSON. */
export function unpackJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'), (k, v: unknown) => {
      if (k === '__proto__') throw new ProtocolError('sealed body: field __proto__ refused');
      if (isRecord(v)) {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === '$b64' && typeof v.$b64 === 'string') return Buffer.from(v.$b64, 'base64');
      }
      return v;
    });
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('sealed body: not JSON');
  }
}
