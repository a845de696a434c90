/**
 * file.recurse (Salt 3006): mirror a `salt://` directory into `name`: every file as file.managed would
 * (`template`, `context`/`defaults`, `file_mode` or `keep`, `user`/`group`, `replace`, `backup`), its
 * directories as file.directory (`dir_mode`), empty ones with `include_empty`, and with `clean` everything
 * else under `name` removed. `include_pat` / `exclude_pat` take a glob or `E@regex` on the relative path.
 * Changes: `{<path>: <that file's changes>, removed: [...]}`, as Salt merges them.
 */
import * as path from 'path';
import { globMatch, isDict, StateArgError, urlSaltenv, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, StateFunction } from '../../types';
import { pyRegExp } from '../pyre';
import { absPath, optBool, optDict, optInt, optMode, optStr, optStrList, type Args } from '../util';
import { directory, type DirectoryParams } from './directory';
import { DEFAULT_BACKUP_DIR, managed, type ManagedParams } from './managed';

export interface RecurseParams {
  name: string;
  source: string[];
  clean: boolean;
  user?: string;
  group?: string;
  dirMode?: number;
  fileMode?: number;
  keepMode: boolean;
  template?: 'jinja';
  context: Record<string, unknown>;
  defaults: Record<string, unknown>;
  replace: boolean;
  includeEmpty: boolean;
  include?: string;
  exclude?: string;
  maxdepth?: number;
  backup?: string;
  /** Set by check: the target directory does not exist yet (a dry run reports it, as Salt's). */
  topMissing?: boolean;
}

function patMatch(pat: string, rel: string): boolean {
  if (pat.startsWith('E@')) return pyRegExp(pat.slice(2), 0).test(rel);
  return globMatch(pat, rel) || globMatch(pat, path.basename(rel));
}

interface Tree {
  files: { dest: string; src: string }[];
  dirs: string[];
}

function tree(p: RecurseParams, ctx: CheckContext): Tree {
  if (!ctx.files.list) throw new Error('this run has no file server listing (file.recurse needs salt:// directories)');
  for (const src of p.source) {
    const got = ctx.files.list(src);
    if (!got) continue;
    const keep = (rel: string, isDir = false): boolean => {
      if (p.maxdepth !== undefined && rel.split('/').length - (isDir ? 0 : 1) > p.maxdepth) return false;
      if (p.include && !isDir && !patMatch(p.include, rel)) return false;
      if (p.exclude && patMatch(p.exclude, rel)) return false;
      return true;
    };
    const files = got.files.filter((f) => keep(f)).map((f) => ({ dest: path.join(p.name, f), src: `${src}/${f}` }));
    const dirs = new Set<string>();
    for (const f of files) for (let d = path.dirname(f.dest); d !== p.name && d.startsWith(p.name); d = path.dirname(d)) dirs.add(d);
    if (p.includeEmpty) for (const d of got.dirs) if (keep(d, true)) dirs.add(path.join(p.name, d));
    return { files, dirs: [...dirs].sort() };
  }
  // Salt names the URL's saltenv, else the state's.
  const senv = urlSaltenv(p.source[0] ?? '') ?? (typeof ctx.chunk.args['saltenv'] === 'string' ? ctx.chunk.args['saltenv'] : ctx.chunk.env);
  throw new Error(`The directory '${p.source.map((s) => s.replace(/^salt:\/\//, '').replace(/\?.*$/, '')).join("', '")}' does not exist on the salt fileserver in saltenv '${senv}'`);
}

function fileParams(p: RecurseParams, dest: string, src: string): ManagedParams {
  return {
    name: dest, source: [src], template: p.template, context: p.context, defaults: p.defaults, user: p.user, group: p.group,
    mode: p.keepMode ? undefined : p.fileMode, dirMode: p.dirMode, makedirs: true, replace: p.replace, create: true,
    backup: p.backup, backupDir: DEFAULT_BACKUP_DIR, notes: [], showChanges: true, followSymlinks: true,
  };
}

function dirParams(p: RecurseParams, name: string): DirectoryParams {
  return { name, user: p.user, group: p.group, mode: p.dirMode, makedirs: true, recurse: new Set(), clean: false, keep: [] };
}

/** Everything under `name` that the tree does not account for (the topmost path of each extra subtree). */
async function extras(p: RecurseParams, t: Tree, host: HostReader): Promise<string[]> {
  const keep = new Set<string>([...t.files.map((f) => f.dest), ...t.dirs]);
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const n of (await host.readdir(dir)) ?? []) {
      const full = path.join(dir, n);
      const info = await host.lstat(full);
      if (!keep.has(full)) out.push(full);
      else if (info?.type === 'directory') await walk(full);
    }
  };
  if ((await host.stat(p.name))?.type === 'directory') await walk(p.name);
  return out.sort();
}

async function pending(p: RecurseParams, ctx: CheckContext): Promise<{ t: Tree; changes: Changes }> {
  const info = await ctx.host.stat(p.name);
  if (info && info.type !== 'directory') throw new Error(`The path ${p.name} exists and is not a directory`);
  const t = tree(p, ctx);
  const changes: Changes = {};
  // Salt creates the target directory without reporting it; its permissions changing on an existing one are.
  const top = info ? (await directory.check(dirParams(p, p.name), ctx))[p.name] : undefined;
  if (top) changes[p.name] = top;
  for (const d of t.dirs) {
    const cur = await ctx.host.lstat(d);
    if (cur && cur.type !== 'directory') {
      changes[d] = { diff: 'Replaced file with a directory' };
      continue;
    }
    const c = await directory.check(dirParams(p, d), ctx);
    const own = c[d] as Record<string, unknown> | undefined;
    // A new directory as Salt 3006's file.directory reports it under file.recurse: `{d: {d: {directory: new}}}`.
    if (own) changes[d] = own['directory'] === 'new' ? c : own;
  }
  for (const f of t.files) {
    if ((await ctx.host.lstat(f.dest))?.type === 'directory') {
      changes[f.dest] = { diff: 'Replaced directory with a new file' };
      continue;
    }
    const c = await managed.check(fileParams(p, f.dest, f.src), ctx);
    if (Object.keys(c).length) changes[f.dest] = c;
  }
  if (p.clean) {
    const removed = await extras(p, t, ctx.host);
    if (removed.length) changes['removed'] = removed;
  }
  if (!info && !Object.keys(changes).length) changes[p.name] = { [p.name]: { directory: 'new' } };
  p.topMissing = !info;
  return { t, changes };
}

export const recurse: StateFunction<RecurseParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): RecurseParams {
    if (args['mode'] !== undefined) throw new StateArgError(ref, 'mode', "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.");
    const source = optStrList(ref, args, 'source')?.map((s) => s.replace(/\/+$/, ''));
    if (!source?.length) throw new StateArgError(ref, 'source', 'required: a salt:// directory');
    for (const s of source) if (!s.startsWith('salt://')) throw new StateArgError(ref, 'source', `Invalid source '${s}' (must be a salt:// URI)`);
    const template = optStr(ref, args, 'template');
    if (template !== undefined && template !== 'jinja') throw new StateArgError(ref, 'template', `unsupported template engine ${JSON.stringify(template)} (only jinja)`);
    const keepMode = typeof args['file_mode'] === 'string' && args['file_mode'].toLowerCase() === 'keep';
    const backup = optStr(ref, args, 'backup');
    if (backup !== undefined && backup !== '' && backup !== 'minion') throw new StateArgError(ref, 'backup', `expected 'minion', got ${JSON.stringify(backup)}`);
    const p: RecurseParams = {
      name: absPath(ref, 'name', chunk.name),
      source,
      clean: optBool(ref, args, 'clean') ?? false,
      user: optStr(ref, args, 'user'),
      group: optStr(ref, args, 'group'),
      dirMode: optMode(ref, args, 'dir_mode'),
      fileMode: keepMode ? undefined : optMode(ref, args, 'file_mode'),
      keepMode,
      template: template as 'jinja' | undefined,
      context: optDict(ref, args, 'context') ?? {},
      defaults: optDict(ref, args, 'defaults') ?? {},
      replace: optBool(ref, args, 'replace') ?? true,
      includeEmpty: optBool(ref, args, 'include_empty') ?? false,
      include: optStr(ref, args, 'include_pat'),
      exclude: optStr(ref, args, 'exclude_pat'),
      maxdepth: optInt(ref, args, 'maxdepth'),
      backup: backup || undefined,
    };
    for (const [f, v] of [['include_pat', p.include], ['exclude_pat', p.exclude]] as const) {
      if (v?.startsWith('E@')) {
        try {
          pyRegExp(v.slice(2), 0);
        } catch (e) {
          throw new StateArgError(ref, f, (e as Error).message);
        }
      }
    }
    return p;
  },
  check: async (p, ctx) => (await pending(p, ctx)).changes,
  async apply(p, _pending, ctx: ApplyContext) {
    const { t, changes } = await pending(p, ctx);
    if (changes['removed']) for (const r of changes['removed'] as string[]) await ctx.host.remove(r);
    for (const d of [p.name, ...t.dirs]) {
      const dp = dirParams(p, d);
      const info = await ctx.host.lstat(d);
      if (info && info.type !== 'directory') await ctx.host.remove(d);
      if (Object.keys(await directory.check(dp, ctx)).length) await directory.apply(dp, {}, ctx);
    }
    for (const f of t.files) {
      const fp = fileParams(p, f.dest, f.src);
      const info = await ctx.host.lstat(f.dest);
      if (info?.type === 'directory') await ctx.host.remove(f.dest);
      if (Object.keys(await managed.check(fp, ctx)).length) await managed.apply(fp, {}, ctx);
    }
    return { changes, comment: `Recursively updated ${p.name}` };
  },
  okComment: (p) => `The directory ${p.name} is in the correct state`,
  // Salt's dry run is file.directory's and file.managed's dry runs per path, the target directory included
  testChanges: (p, pending) => dryChanges(p, pending),
  testComment: (p, pending = {}) =>
    Object.entries(dryChanges(p, pending))
      .map(([x, c]) => `\n#### ${x} ####\n${x === 'removed' ? (c as string[]).join('\n') : isDirChange(x, c) ? dirLines(x, c) : FILE_TEST_COMMENT(x)}`)
      .join('\n')
      .trim(),
};

const FILE_TEST_COMMENT = (f: string) => `The file ${f} is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.`;

/** A directory's change as file.directory reports it under file.recurse: `{d: {d: {...}}}`. */
const isDirChange = (d: string, c: unknown): c is Record<string, Record<string, unknown>> => isDict(c) && isDict(c[d]);

/** file.directory's dry-run comment for one directory. */
function dirLines(d: string, c: Record<string, Record<string, unknown>>): string {
  return `The following files will be changed:\n${Object.entries(c[d]!).map(([k, v]) => `${d}: ${k} - ${String(v)}\n`).join('')}`;
}

/** The pending changes as Salt's dry run reports them: a new file as `{newfile: path}`, a missing target directory first. */
function dryChanges(p: RecurseParams, pending: Changes): Changes {
  const out: Changes = p.topMissing && !(p.name in pending) ? { [p.name]: { [p.name]: { directory: 'new' } } } : {};
  for (const [x, c] of Object.entries(pending)) {
    out[x] = isDict(c) && c['diff'] === 'New file' ? { newfile: x } : c;
  }
  return out;
}
