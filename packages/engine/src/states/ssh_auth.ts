/**
 * ssh_auth.present / ssh_auth.absent (Salt 3006, salt/states/ssh_auth.py over salt/modules/ssh.py): one public key in
 * a user's authorized_keys (`config`, `.ssh/authorized_keys` under the home by default; `%u`/`%h`/`%%` expanded).
 * `name` is the key, `key comment`, or a whole line `[options] enc key [comment]`. A new key is appended (the file
 * 0600 and its directory 0700, owned by the user, when Brine creates them); a key whose enc, comment or options
 * differ is rewritten in place; removing one rewrites the file as Salt's rm_auth_key does. Changes, comments and
 * dry-run wording are Salt's. `source` (keys from a file) is not supported: the state says so.
 */
import * as path from 'path';
import { StateArgError, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, StateFunction, StateModule, UserInfo } from '../types';
import { optStr, optStrList, type Args } from './util';

export interface SshAuthParams {
  /** The state's name as written. */
  name: string;
  key: string;
  user: string;
  enc: string;
  comment: string;
  options: string[];
  config: string;
  /** Set by check: Salt's status of the key (add, update, exists; absent, for ssh_auth.absent). */
  status?: 'add' | 'update' | 'exists' | 'absent';
}

const FULL_LINE = /^(.*?)\s?((?:sk-)?(?:ssh-|ecds)[\w-]+\s.+)$/;
const KEY_LINE = /^(.*?)\s?((?:sk-)?(?:ssh-|ecds)[\w@.-]+\s.+)$/;

const ALSO_ALLOWED = new Set([
  'rsa-sha2-512', 'rsa-sha2-256', 'rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'ssh-rsa-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384-cert-v01@openssh.com', 'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ssh-ed25519-cert-v01@openssh.com',
  'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
]);

/** ssh._refine_enc. */
function refineEnc(ref: string, enc: string): string {
  if (['r', 'rsa', 'ssh-rsa'].includes(enc)) return 'ssh-rsa';
  if (['d', 'dsa', 'dss', 'ssh-dss'].includes(enc)) return 'ssh-dss';
  if (['e', 'ecdsa'].includes(enc)) return 'ecdsa-sha2-nistp256';
  if (['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp256'].includes(enc)) return enc;
  if (['ed25519', 'ssh-ed25519'].includes(enc)) return 'ssh-ed25519';
  if (ALSO_ALLOWED.has(enc)) return enc;
  throw new StateArgError(ref, 'enc', `Incorrect encryption key type '${enc}'.`);
}

/** ssh._fingerprint's test: the key is strict base64 (base64.b64decode(key, validate=True)). */
const validKey = (key: string): boolean => key.length > 0 && key.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(key);

const authLine = (key: string, enc: string, comment: string, options: string[]): string => `${options.length ? `${options.join(',')} ` : ''}${enc} ${key} ${comment}\n`;

interface Entry {
  enc: string;
  comment: string;
  options: string[];
}

/** A trimmed key line's options and its parts (enc, key, comment words); null when the line is not a key line. */
function lineParts(line: string): { options: string | undefined; comps: string[] } | null {
  const m = KEY_LINE.exec(line);
  return m ? { options: m[1], comps: m[2]!.split(/\s+/) } : null;
}

/** ssh._validate_keys: the keys of an authorized_keys text, by key. */
function parseKeys(text: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = lineParts(line);
    if (!parts) continue;
    const { comps, options } = parts;
    if (comps.length < 2 || !validKey(comps[1]!)) continue;
    out.set(comps[1]!, { enc: comps[0]!, comment: comps.slice(2).join(' '), options: options ? options.split(',') : [] });
  }
  return out;
}

/** ssh._get_config_file. */
function configFile(p: SshAuthParams, u: UserInfo): string {
  let out = '';
  for (let i = 0; i < p.config.length; i++) {
    const c = p.config[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = p.config[++i];
    if (t === undefined) throw new Error("AuthorizedKeysFile path: Last character can't be escape character");
    if (t === '%') out += '%';
    else if (t === 'u') out += p.user;
    else if (t === 'h') out += u.home;
    else throw new Error(`AuthorizedKeysFile path: unknown token character "%${t}"`);
  }
  return path.isAbsolute(out) ? out : path.join(u.home, out);
}

async function lookup(p: SshAuthParams, host: HostReader): Promise<{ u: UserInfo; file: string; text: string | null }> {
  const u = await host.user(p.user);
  if (!u) throw new Error(`User '${p.user}' does not exist`);
  const file = configFile(p, u);
  const data = await host.readFile(file);
  return { u, file, text: data === null ? null : data.toString('utf8') };
}

/** Salt's reading of `name`: a whole `[options] enc key [comment]` line, or `key [comment]`. */
function parse(ref: string, args: Args, chunk: LowChunk): SshAuthParams {
  if (args['source'] !== undefined && args['source'] !== null && args['source'] !== '') {
    throw new StateArgError(ref, 'source', 'keys from a file are not supported in Brine: give each key as a state of its own (name: the key line)');
  }
  const user = optStr(ref, args, 'user');
  if (!user) throw new StateArgError(ref, 'user', 'required');
  let enc = optStr(ref, args, 'enc') ?? 'ssh-rsa';
  let comment = optStr(ref, args, 'comment') ?? '';
  let options = optStrList(ref, args, 'options') ?? [];
  // Python's str.split(None, n): the last part keeps its inner spaces.
  const split = (s: string, n: number): string[] => {
    const parts = s.trim().split(/\s+/);
    return parts.length > n + 1 ? [...parts.slice(0, n), s.trim().replace(new RegExp(`^(?:\\S+\\s+){${n}}`), '')] : parts;
  };
  let key: string;
  const full = FULL_LINE.exec(chunk.name);
  if (full) {
    if (full[1]) options = full[1].split(',');
    const comps = split(full[2]!, 2);
    [enc, key] = [comps[0]!, comps[1]!];
    if (comps.length === 3) comment = comps[2]!;
  } else {
    const parts = split(chunk.name, 1);
    key = parts[0] ?? '';
    if (parts.length === 2) comment = parts[1]!;
  }
  return { name: chunk.name, key, user, enc: refineEnc(ref, enc), comment, options, config: optStr(ref, args, 'config') ?? '.ssh/authorized_keys' };
}

function status(p: SshAuthParams, text: string | null): 'add' | 'update' | 'exists' {
  const cur = parseKeys(text ?? '').get(p.key);
  if (!cur) return 'add';
  return authLine(p.key, cur.enc, cur.comment, cur.options) === authLine(p.key, p.enc, p.comment, p.options) ? 'exists' : 'update';
}

/** ssh._replace_auth_key: blank lines dropped, every other line kept (trimmed), the key's line replaced. */
function replaceLine(p: SshAuthParams, text: string): string {
  const re = /((.*)\s)?((?:sk-)?(?:ssh|ecdsa)-[a-z0-9@.-]+)\s([a-zA-Z0-9+/]+={0,2})(\s(.*))?/;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l)
    .map((l) => (!l.startsWith('#') && re.exec(l)?.[4] === p.key ? authLine(p.key, p.enc, p.comment, p.options) : `${l}\n`))
    .join('');
}

/** ssh.rm_auth_key: blank lines and lines that are not keys dropped, comments kept, the key's lines removed. */
function removeLine(key: string, text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      if (!l) return false;
      if (l.startsWith('#')) return true;
      const comps = lineParts(l)?.comps;
      return comps !== undefined && (comps.length < 2 || comps[1] !== key);
    })
    .map((l) => `${l}\n`)
    .join('');
}

export const present: StateFunction<SshAuthParams> = {
  parse,
  async check(p, ctx: CheckContext) {
    if (p.key.split(/\s+/).length > 1 || !validKey(p.key)) throw new Error('Invalid public ssh key, most likely has spaces or invalid syntax');
    const { text } = await lookup(p, ctx.host);
    p.status = status(p, text);
    return p.status === 'exists' ? {} : { [p.key]: p.status === 'add' ? 'New' : 'Updated' };
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const { u, file, text } = await lookup(p, ctx.host);
    const st = status(p, text);
    if (st === 'update') {
      await ctx.host.writeFileAtomic(file, replaceLine(p, text ?? ''));
      return { changes: { [p.key]: 'Updated' }, comment: `The authorized host key ${p.key} for user ${p.user} was updated` };
    }
    if (file.startsWith(u.home) && (await ctx.host.stat(u.home))?.type !== 'directory') {
      throw new Error('Failed to add the ssh key. Is the home directory available, and/or does the key file exist?');
    }
    const dir = path.dirname(file);
    if (!(await ctx.host.stat(dir))) await ctx.host.mkdir(dir, { mode: 0o700, recursive: true, uid: u.uid, gid: u.gid });
    const line = authLine(p.key, p.enc, p.comment, p.options);
    if (text === null) await ctx.host.writeFileAtomic(file, line, { mode: 0o600, uid: u.uid, gid: u.gid });
    else await ctx.host.writeFileAtomic(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${line}`);
    return { changes: { [p.key]: 'New' }, comment: `The authorized host key ${p.key} for user ${p.user} was added` };
  },
  okComment: (p) => `The authorized host key ${p.key} is already present for user ${p.user}`,
  testComment: (p) => `Key ${p.key} for user ${p.user} is set to be ${p.status === 'update' ? 'updated' : 'added'}`,
  testChanges: () => ({}),
};

export const absent: StateFunction<SshAuthParams> = {
  parse,
  async check(p, ctx: CheckContext) {
    const { text } = await lookup(p, ctx.host);
    const there = parseKeys(text ?? '').has(p.key);
    p.status = there ? 'exists' : 'absent';
    return there ? { [p.key]: 'Removed' } : {};
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const { file, text } = await lookup(p, ctx.host);
    await ctx.host.writeFileAtomic(file, removeLine(p.key, text ?? ''));
    return { changes: { [p.key]: 'Removed' }, comment: 'Key removed' };
  },
  okComment: () => 'Key not present',
  testComment: (p) => `Key ${p.key} for user ${p.user} is set for removal`,
  testChanges: () => ({}),
};

export const sshAuthModule: StateModule = { name: 'ssh_auth', functions: { present, absent } };
