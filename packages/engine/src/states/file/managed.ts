/** file.managed: content from `source` (optionally a template), `contents`, or just existence; plus owner and mode. */
import { randomBytes } from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, FileInfo, StateFunction } from '../../types';
import { absPath, commandFailed, describe, fmtMode, optBool, optDict, optMode, optStr, optStrList, type Args } from '../util';
import { applyPerms, followLink, permChanges, resolvePerms, type ResolvedPerms } from './common';
import { fileDiff } from './diff';

export interface ManagedParams {
  name: string;
  source?: string[];
  template?: 'jinja';
  context: Record<string, unknown>;
  defaults: Record<string, unknown>;
  contents?: string;
  contentsFrom?: ContentsFrom;
  /** False: the diff of a changed file is `<show_changes=False>`, as Salt reports it. */
  showChanges: boolean;
  followSymlinks: boolean;
  user?: string;
  group?: string;
  mode?: number;
  dirMode?: number;
  makedirs: boolean;
  replace: boolean;
  create: boolean;
  backup?: string;
  backupDir: string;
  checkCmd?: string;
  notes: string[];
}

export const DEFAULT_BACKUP_DIR = '/var/cache/brine/file_backup';

export function parseManaged(ref: string, args: Args, chunk: LowChunk): ManagedParams {
  const name = absPath(ref, 'name', chunk.name);
  const notes: string[] = [];
  const source = optStrList(ref, args, 'source');
  if (source && source.length === 0) throw new StateArgError(ref, 'source', 'an empty source list');
  const template = optStr(ref, args, 'template');
  if (template !== undefined && template !== 'jinja') throw new StateArgError(ref, 'template', `unsupported template engine ${JSON.stringify(template)} (only jinja)`);
  const contents = managedContents(ref, args);
  const contentsFrom = parseContentsFrom(ref, args);
  if (contentsFrom && contents !== undefined) throw new StateArgError(ref, 'contents', 'Only one of contents, contents_pillar, and contents_grains is permitted');
  if (source && (contents !== undefined || contentsFrom)) throw new StateArgError(ref, 'contents', 'source and contents are mutually exclusive');
  if (args['source_hash'] !== undefined) notes.push('source_hash is ignored (sources come from the synced file roots)');
  const backup = optStr(ref, args, 'backup');
  if (backup !== undefined && backup !== '' && backup !== 'minion') throw new StateArgError(ref, 'backup', `expected 'minion', got ${JSON.stringify(backup)}`);
  return {
    name,
    source,
    template: template as 'jinja' | undefined,
    context: optDict(ref, args, 'context') ?? {},
    defaults: optDict(ref, args, 'defaults') ?? {},
    contents,
    contentsFrom,
    showChanges: optBool(ref, args, 'show_changes') ?? true,
    followSymlinks: optBool(ref, args, 'follow_symlinks') ?? true,
    user: optStr(ref, args, 'user'),
    group: optStr(ref, args, 'group'),
    mode: optMode(ref, args, 'mode'),
    dirMode: optMode(ref, args, 'dir_mode'),
    makedirs: optBool(ref, args, 'makedirs') ?? false,
    replace: optBool(ref, args, 'replace') ?? true,
    create: optBool(ref, args, 'create') ?? true,
    backup: backup || undefined,
    backupDir: absPath(ref, 'backup_dir', optStr(ref, args, 'backup_dir') ?? DEFAULT_BACKUP_DIR),
    checkCmd: optStr(ref, args, 'check_cmd'),
    notes,
  };
}

/** Python's str.splitlines() boundaries. */
const PY_LINES = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/**
 * `contents` as Salt's file.managed writes it: each item (a string, or a list of them; other scalars as Python's
 * str() prints them) split into lines, each written with a newline (so `""` is an empty file and CRLF becomes LF);
 * `contents_newline: False` strips the final one.
 */
export function managedContents(ref: string, args: Args): string | undefined {
  return joinContents(ref, args['contents'], optBool(ref, args, 'contents_newline') ?? true);
}

function joinContents(ref: string, raw: unknown, newline: boolean): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parts = Array.isArray(raw) ? raw : [raw];
  let out = '';
  for (const [i, x] of parts.entries()) {
    if (!['string', 'number', 'boolean'].includes(typeof x)) throw new StateArgError(ref, 'contents', `item ${i}: expected a string, got ${describe(x)}`);
    const text = typeof x === 'boolean' ? (x ? 'True' : 'False') : String(x);
    const lines = text.split(PY_LINES);
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) out += `${line}\n`;
  }
  return newline ? out : out.replace(/\n+$/, '').replace(/\r+$/, '');
}

/** `contents_pillar` / `contents_grains`: keys (one, or a list joined by newlines) read when the state runs. */
interface ContentsFrom {
  fun: 'pillar.get' | 'grains.get';
  keys: string | string[];
  delimiter: string;
  newline: boolean;
}

function parseContentsFrom(ref: string, args: Args): ContentsFrom | undefined {
  for (const [field, fun] of [['contents_pillar', 'pillar.get'], ['contents_grains', 'grains.get']] as const) {
    const v = args[field];
    if (v === undefined || v === null) continue;
    const keys = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v : undefined;
    if (keys === undefined) throw new StateArgError(ref, field, `expected a key or a list of keys, got ${describe(v)}`);
    return { fun, keys, delimiter: optStr(ref, args, 'contents_delimiter') ?? ':', newline: optBool(ref, args, 'contents_newline') ?? true };
  }
  return undefined;
}

const NOT_FOUND = '__brine_contents_not_found__';

/** The parameters with `contents` read from pillar or grains (Salt fails the state naming a missing key). */
async function resolveContents(ref: string, p: ManagedParams, ctx: CheckContext): Promise<ManagedParams> {
  const from = p.contentsFrom;
  if (!from) return p;
  if (!ctx.exec) throw new Error(`${from.fun.split('.')[0]} is not available to this run`);
  const what = from.fun === 'pillar.get' ? 'Pillar' : 'Grain';
  const get = async (key: string): Promise<unknown> => {
    const v = (await ctx.exec!.call(from.fun, [key, NOT_FOUND], { delimiter: from.delimiter })).ret;
    if (v === NOT_FOUND) throw new Error(`${what} ${key} does not exist`);
    return v;
  };
  const raw = Array.isArray(from.keys) ? (await Promise.all(from.keys.map(get))).map(String).join('\n') : await get(from.keys);
  return { ...p, contents: joinContents(ref, raw, from.newline) ?? '' };
}

/** The bytes the file should hold, or null when the content is not managed. */
function desired(p: ManagedParams, ctx: CheckContext): Buffer | null {
  if (p.contents !== undefined) return Buffer.from(p.contents, 'utf8');
  if (!p.source) return null;
  const got = ctx.files.fetch(p.source);
  if (!got) throw new Error(`Source file ${p.source.join(', ')} not found`);
  if (!p.template) return got.data;
  // As Salt's file.get_managed renders it: the state's name, source, user, group and mode, then `defaults` and
  // `context` over them (a key of `context` replaces the same key of `defaults` whole: checked against Salt 3006.1).
  const extra = { name: p.name, source: got.url, user: p.user ?? null, group: p.group ?? null, mode: p.mode === undefined ? null : fmtMode(p.mode), attrs: null, ...p.defaults, ...p.context };
  return Buffer.from(ctx.template.render(got.data.toString('utf8'), got.url, extra), 'utf8');
}

/** The mode a new file gets when none is asked for: the umask's (Salt's manage_file: `(0o777 ^ mask) & 0o666`). */
function umaskMode(): number {
  return 0o666 & ~process.umask();
}

/**
 * What Salt's manage_file reports for the permissions of a file it creates, judged by check_perms against the file
 * as first created: a source is copied in through mkstemp (0600); contents and an empty file are created by touch
 * under the umask (under 077 when a mode is given). The mode asked for, or the umask's, is then set; the owner is
 * whoever runs the state.
 */
function newFilePerms(p: ManagedParams, want: ResolvedPerms, fromSource: boolean): Changes {
  const created: FileInfo = { type: 'file', size: 0, mode: fromSource || want.mode !== undefined ? 0o600 : umaskMode(), uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
  return permChanges(created, { ...want, mode: want.mode ?? umaskMode() }, p);
}

async function plan(p: ManagedParams, ctx: CheckContext) {
  const followed = await followLink(ctx.host, p.name);
  // follow_symlinks: False: the file is written in the link's place (the target is left alone), compared with what
  // the link showed, as Salt does.
  const target = p.followSymlinks ? followed : p.name;
  const info = await ctx.host.lstat(followed);
  if (info && info.type !== 'file') throw new Error(`Specified target ${p.name} is a ${info.type}, not a file`);
  const want = await resolvePerms(ctx.host, p);
  const changes: Changes = {};
  let data: Buffer | null = null;
  let old: Buffer | null = null;
  if (!info && !p.create) return { target, info, want, changes, data };
  if (!info || p.replace) {
    data = desired(p, ctx);
    if (info && data !== null) old = await ctx.host.readFile(followed);
    // Salt: a file with neither source nor contents is touched ("Empty file").
    if (!info) changes[data === null ? 'new' : 'diff'] = data === null ? `file ${p.name} created` : 'New file';
    else if (data !== null && old !== null && !old.equals(data)) changes['diff'] = p.showChanges ? fileDiff(old, data) : '<show_changes=False>';
  }
  Object.assign(changes, info ? permChanges(info, want, p) : newFilePerms(p, want, p.contents === undefined && !!p.source));
  return { target, info, want, changes, data: data ?? (info ? null : Buffer.alloc(0)), old };
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '_').replace('Z', '');
}

export const managed: StateFunction<ManagedParams> = {
  parse: parseManaged,
  async check(params, ctx) {
    return (await plan(await resolveContents(`file.managed:${ctx.chunk.id}`, params, ctx), ctx)).changes;
  },
  async apply(params, _pending, ctx: ApplyContext) {
    const p = await resolveContents(`file.managed:${ctx.chunk.id}`, params, ctx);
    const { target, info, want, changes, data, old } = await plan(p, ctx);
    const host = ctx.host;
    if (data !== null && (changes['diff'] !== undefined || !info)) {
      const dir = path.dirname(target);
      if (!(await host.stat(dir))) {
        if (!p.makedirs) throw new Error(`Parent directory not present: ${dir} (set makedirs: True)`);
        await host.mkdir(dir, { recursive: true, mode: p.dirMode });
      }
      if (p.checkCmd) {
        const tmp = path.join(os.tmpdir(), `brine-check-${randomBytes(6).toString('hex')}-${path.basename(target)}`);
        await host.writeFileAtomic(tmp, data, { mode: 0o600 });
        try {
          const r = await host.run(`${p.checkCmd} ${tmp}`);
          if (r.code !== 0) throw commandFailed(`check_cmd ${JSON.stringify(p.checkCmd)} (file not replaced)`, r);
        } finally {
          await host.remove(tmp);
        }
      }
      if (p.backup && info && old) {
        const dest = path.join(p.backupDir, `${target.replace(/^\/+/, '')}_${stamp()}`);
        await host.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
        await host.writeFileAtomic(dest, old, { mode: info.mode, uid: info.uid, gid: info.gid });
      }
      await host.writeFileAtomic(target, data, { mode: want.mode ?? info?.mode ?? umaskMode(), uid: want.uid, gid: want.gid });
    } else if (info) {
      await applyPerms(host, target, info, want);
    }
    const comment = [changes['new'] !== undefined ? 'Empty file' : `File ${p.name} updated`, ...p.notes].join('; ');
    return { changes, comment };
  },
  // Salt's replace: False on an existing file checks only its permissions, and says so
  okComment: (p) => [p.replace ? `File ${p.name} is in the correct state` : `File ${p.name} exists with proper permissions. No changes made.`, ...p.notes].join('; '),
  // Salt's dry run of file.managed: a file to create is `{newfile: name}`, and the comment carries its note.
  testChanges: (p, pending) => (pending['diff'] === 'New file' || pending['new'] !== undefined ? { newfile: p.name } : pending),
  testComment: (p) => `The file ${p.name} is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.`,
};
