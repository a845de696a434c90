/** Argument validation helpers shared by the state modules: every error names the state and the field. */
import { isDict, pyStr, StateArgError, type Changes } from '@brine/core';
import type { HostReader } from '../types';

export type Args = Record<string, unknown>;

export function optStr(ref: string, args: Args, field: string): string | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new StateArgError(ref, field, `expected a string, got ${describe(v)}`);
  return v;
}

export function optBool(ref: string, args: Args, field: string): boolean | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new StateArgError(ref, field, `expected true or false, got ${describe(v)}`);
  return v;
}

export function optInt(ref: string, args: Args, field: string): number | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new StateArgError(ref, field, `expected a non-negative integer, got ${describe(v)}`);
  return n;
}

/** A string or a list of strings, normalised to a list (undefined when absent). */
export function optStrList(ref: string, args: Args, field: string): string[] | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  return list.map((x, i) => {
    if (typeof x === 'number') return String(x);
    if (typeof x !== 'string') throw new StateArgError(ref, field, `item ${i}: expected a string, got ${describe(x)}`);
    return x;
  });
}

export function optDict(ref: string, args: Args, field: string): Record<string, unknown> | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  if (!isDict(v)) throw new StateArgError(ref, field, `expected a mapping, got ${describe(v)}`);
  return v;
}

/** Salt modes: `'0644'`, `'644'`, or YAML's integer 644 (digits read as octal). */
export function optMode(ref: string, args: Args, field: string): number | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  // Salt's normalize_mode: `0o640` is `0640`.
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.replace(/^0o/, '0') : v;
  if (typeof s !== 'string' || !/^0?[0-7]{1,4}$/.test(s)) throw new StateArgError(ref, field, `expected an octal mode like '0644', got ${describe(v)}`);
  return parseInt(s, 8);
}

export function fmtMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export function absPath(ref: string, field: string, p: string): string {
  if (!p.startsWith('/')) throw new StateArgError(ref, field, `${JSON.stringify(p)} is not an absolute path`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isDict(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** A user name or numeric uid to a uid; throws when the user does not exist. */
export async function resolveUid(host: HostReader, user: string): Promise<number> {
  if (/^\d+$/.test(user)) return Number(user);
  const u = await host.user(user);
  if (!u) throw new Error(`User ${user} is not available`);
  return u.uid;
}

export async function resolveGid(host: HostReader, group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const g = await host.group(group);
  if (!g) throw new Error(`Group ${group} is not available`);
  return g.gid;
}

/** Throw a clear error for a failed command. */
export function commandFailed(what: string, r: { code: number; stdout: string; stderr: string }): Error {
  const out = (r.stderr || r.stdout).trim();
  return new Error(`${what} failed with exit code ${r.code}${out ? `: ${out}` : ''}`);
}

/** Salt's "The following group|user attributes are set to be changed:" with a `key: value` line each. */
export function attributeLines(kind: 'group' | 'user', changes: Changes): string {
  return `The following ${kind} attributes are set to be changed:\n${Object.entries(changes).map(([k, v]) => `${k}: ${Array.isArray(v) ? pyStr(v) : String(v)}\n`).join('')}`;
}

