/**
 * A tiny runtime schema validator (no dependencies). A schema both checks an unknown value and gives its
 * static type (`Infer<typeof schema>`). Failures throw ProtocolError naming the path:
 * `message auth: .ts: expected integer, got string`.
 * Objects are strict: a field the schema does not name is an error, so a typo or a smuggled field never
 * passes silently.
 */
import { ProtocolError } from '@brine/core';

export interface Schema<T> {
  /** Human name of the expected shape, for messages. */
  readonly expected: string;
  /** Return the value (typed) or throw ProtocolError mentioning `path`. */
  check(v: unknown, path: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Buffer.isBuffer(v)) return 'bytes';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v;
}

function fail(path: string, expected: string, v: unknown): never {
  throw new ProtocolError(`${path || '.'}: expected ${expected}, got ${describe(v)}`);
}

export function str(opts: { min?: number; max?: number; pattern?: RegExp } = {}): Schema<string> {
  const { min = 0, max = 1 << 20, pattern } = opts;
  const expected = pattern ? `string matching ${String(pattern)}` : 'string';
  return {
    expected,
    check(v, path) {
      if (typeof v !== 'string') fail(path, expected, v);
      if (v.length < min) throw new ProtocolError(`${path}: string shorter than ${min}`);
      if (v.length > max) throw new ProtocolError(`${path}: string longer than ${max}`);
      if (pattern && !pattern.test(v)) fail(path, expected, v);
      return v;
    },
  };
}

export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  return {
    expected: 'integer',
    check(v, path) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'integer', v);
      if (v < min || v > max) throw new ProtocolError(`${path}: ${v} is outside [${min}, ${max}]`);
      return v;
    },
  };
}

export function num(): Schema<number> {
  return {
    expected: 'number',
    check(v, path) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'number', v);
      return v;
    },
  };
}

export function bool(): Schema<boolean> {
  return {
    expected: 'boolean',
    check(v, path) {
      if (typeof v !== 'boolean') fail(path, 'boolean', v);
      return v;
    },
  };
}

export function bytes(opts: { min?: number; max?: number } = {}): Schema<Buffer> {
  const { min = 0, max = Infinity } = opts;
  return {
    expected: 'bytes',
    check(v, path) {
      if (!Buffer.isBuffer(v)) fail(path, 'bytes', v);
      if (v.length < min || v.length > max) throw new ProtocolError(`${path}: ${v.length} bytes is outside [${min}, ${max}]`);
      return v;
    },
  };
}

export function literal<const L extends string | number | boolean>(...values: L[]): Schema<L> {
  const expected = values.map((x) => JSON.stringify(x)).join(' | ');
  return {
    expected,
    check(v, path) {
      if (!values.includes(v as L)) throw new ProtocolError(`${path}: expected ${expected}, got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : describe(v)}`);
      return v as L;
    },
  };
}

/** Any JSON value (the schema of a payload whose shape belongs to someone else, e.g. a job return). */
export function json(): Schema<unknown> {
  return {
    expected: 'any',
    check(v) {
      return v;
    },
  };
}

/** A plain object with arbitrary keys (grains, kwarg, pillar). */
export function dict<T = unknown>(values?: Schema<T>, opts: { maxKeys?: number } = {}): Schema<Record<string, T>> {
  const { maxKeys = Infinity } = opts;
  const expected = 'object';
  return {
    expected,
    check(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Buffer.isBuffer(v)) fail(path, expected, v);
      const keys = Object.keys(v);
      if (keys.length > maxKeys) throw new ProtocolError(`${path}: more than ${maxKeys} keys`);
      if (values) for (const k of keys) values.check((v as Record<string, unknown>)[k], `${path}.${k}`);
      return v as Record<string, T>;
    },
  };
}

export function arr<T>(item: Schema<T>, opts: { max?: number } = {}): Schema<T[]> {
  const { max = Infinity } = opts;
  const expected = `array of ${item.expected}`;
  return {
    expected,
    check(v, path) {
      if (!Array.isArray(v)) fail(path, expected, v);
      if (v.length > max) throw new ProtocolError(`${path}: more than ${max} items`);
      v.forEach((x, i) => item.check(x, `${path}[${i}]`));
      return v as T[];
    },
  };
}

/** First schema that accepts wins (keep alternatives disjoint). */
export function oneOf<S extends Schema<unknown>[]>(...alts: S): Schema<Infer<S[number]>> {
  const expected = alts.map((a) => a.expected).join(' or ');
  return {
    expected,
    check(v, path) {
      for (const a of alts) {
        try {
          return a.check(v, path) as Infer<S[number]>;
        } catch {
          /* next */
        }
      }
      return fail(path, expected, v);
    },
  };
}

const OPTIONAL = Symbol('optional');
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly [OPTIONAL]: true;
}

/** A field that may be absent (an explicit `undefined` counts as absent; `null` does not). */
export function optional<T>(s: Schema<T>): OptionalSchema<T> {
  return {
    [OPTIONAL]: true,
    expected: `${s.expected} (optional)`,
    check(v, path) {
      return v === undefined ? undefined : s.check(v, path);
    },
  };
}

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema<unknown> ? K : never }[keyof F];
type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
export type ObjectOf<F extends Fields> = { [K in RequiredKeys<F>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> };
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** A strict object: every named field is checked, unknown fields are rejected. */
export function obj<F extends Fields>(fields: F): Schema<Flatten<ObjectOf<F>>> {
  const names = new Set(Object.keys(fields));
  return {
    expected: 'object',
    check(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Buffer.isBuffer(v)) fail(path, 'object', v);
      const rec = v as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        if (!names.has(k)) throw new ProtocolError(`${path}.${k}: unexpected field`);
      }
      for (const [k, s] of Object.entries(fields)) {
        const x = rec[k];
        if (x === undefined && !(OPTIONAL in s)) throw new ProtocolError(`${path}.${k}: missing field (expected ${s.expected})`);
        s.check(x, `${path}.${k}`);
      }
      return v as Flatten<ObjectOf<F>>;
    },
  };
}

/**
 * A discriminated union on `tag`: picks the member schema by the tag's value, so errors name the member
 * (`unknown kind 'x'`) instead of listing every alternative.
 */
export function tagged<K extends string, M extends Record<string, Schema<unknown>>>(tag: K, members: M, what = 'message'): Schema<Infer<M[keyof M]>> {
  const kinds = Object.keys(members);
  return {
    expected: `${what} (${kinds.join(', ')})`,
    check(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Buffer.isBuffer(v)) fail(path, 'object', v);
      const t = (v as Record<string, unknown>)[tag];
      if (typeof t !== 'string') throw new ProtocolError(`${path}.${tag}: missing ${what} (expected one of ${kinds.join(', ')})`);
      if (!Object.prototype.hasOwnProperty.call(members, t)) {
        throw new ProtocolError(`${path}.${tag}: unknown ${what} '${t.slice(0, 40)}' (expected one of ${kinds.join(', ')})`);
      }
      return members[t]!.check(v, `${path}`) as Infer<M[keyof M]>;
    },
  };
}
