/**
 * file.directory (Salt 3006): a directory with owner and mode; `recurse` (a list of `user`, `group`, `mode`,
 * `ignore_files`, `ignore_dirs`, `silent`) sets the same owner and `file_mode`/`dir_mode` on everything under it;
 * `clean` removes what is under it that no required file state manages (`exclude_pat` spares matches).
 * Changes as Salt's `_check_directory` reports them, path by path (`{path: {mode: '0600'}}`, `{path: {removed:
 * 'Removed due to clean'}}`, `{name: {directory: 'new'}}`), plus the directory's own `user`/`group`/`mode` and the
 * `removed` list after a real run.
 */
import * as path from 'path';
import { StateArgError, globMatch, isDict, pyStr, type Changes, type LowChunk } from '@brine/core';
import type { FileInfo, HostReader, StateFunction } from '../../types';
import { absPath, optBool, optMode, optStr, type Args } from '../util';
import { applyPerms, permChanges, resolvePerms, type ResolvedPerms } from './common';

const RECURSE_WORDS = ['user', 'group', 'mode', 'ignore_files', 'ignore_dirs', 'silent'];

export interface DirectoryParams {
  name: string;
  user?: string;
  group?: string;
  mode?: number;
  fileMode?: number;
  makedirs: boolean;
  recurse: Set<string>;
  clean: boolean;
  excludePat?: string;
  /** Paths of the file states this one requires (`require: [{file: /x}]`): clean keeps them and what is under them. */
  keep: string[];
}

interface Entry {
  path: string;
  info: FileInfo;
}

/** Everything under `root`, as os.walk lists it top-down: each directory's files, then its subdirectories. */
async function walk(host: HostReader, root: string): Promise<{ files: Entry[]; dirs: Entry[] }[]> {
  const out: { files: Entry[]; dirs: Entry[] }[] = [];
  const visit = async (dir: string): Promise<void> => {
    const names = ((await host.readdir(dir)) ?? []).sort();
    const level = { files: [] as Entry[], dirs: [] as Entry[] };
    for (const n of names) {
      const p = path.join(dir, n);
      const info = await host.lstat(p);
      if (!info) continue;
      (info.type === 'directory' ? level.dirs : level.files).push({ path: p, info });
    }
    out.push(level);
    for (const d of level.dirs) await visit(d.path);
  };
  await visit(root);
  return out;
}

function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

async function plan(p: DirectoryParams, host: HostReader) {
  const info = await host.stat(p.name);
  if (info && info.type !== 'directory') throw new Error(`Specified location ${p.name} exists and is a ${info.type === 'file' ? 'file' : info.type}`);
  const want = await resolvePerms(host, p);
  if (!info) return { info, want, changes: { [p.name]: { directory: 'new' } } as Changes, touch: [] as [Entry, ResolvedPerms][], remove: [] as string[] };
  const changes: Changes = {};
  const touch: [Entry, ResolvedPerms][] = [];
  const remove: string[] = [];
  const tree = p.recurse.size || p.clean ? await walk(host, p.name) : [];
  if (p.recurse.size) {
    const owner = { user: p.recurse.has('user') ? p.user : undefined, group: p.recurse.has('group') ? p.group : undefined };
    const ids = await resolvePerms(host, { ...owner });
    const modes = p.recurse.has('mode') ? { file: p.fileMode, dir: p.mode } : { file: undefined, dir: undefined };
    for (const level of tree) {
      const lists: [Entry[], number | undefined][] = [
        [p.recurse.has('ignore_files') ? [] : level.files, modes.file],
        [p.recurse.has('ignore_dirs') ? [] : level.dirs, modes.dir],
      ];
      for (const [entries, mode] of lists) {
        for (const e of entries) {
          // A symlink's own mode is not set (Salt on Linux); its owner is.
          const w: ResolvedPerms = { ...ids, mode: e.info.type === 'symlink' ? undefined : mode };
          const c = permChanges(e.info, w, { ...owner });
          if (Object.keys(c).length) {
            changes[e.path] = c;
            touch.push([e, w]);
          }
        }
      }
    }
  }
  const own = permChanges(info, want, p);
  if (Object.keys(own).length) changes[p.name] = own;
  if (p.clean) {
    const exclude = p.excludePat;
    const spared = (f: string) => exclude !== undefined && matchesPat(path.relative(p.name, f), exclude);
    for (const level of tree) {
      for (const e of [...level.files, ...level.dirs]) {
        if (p.keep.some((k) => isUnder(e.path, k) || isUnder(k, e.path)) || spared(e.path)) continue;
        changes[e.path] = { removed: 'Removed due to clean' };
        if (!remove.some((r) => isUnder(e.path, r))) remove.push(e.path);
      }
    }
  }
  return { info, want, changes, touch, remove };
}

/** Salt's check_include_exclude for exclude_pat: a glob, or `E@regex`. */
function matchesPat(rel: string, pat: string): boolean {
  if (pat.startsWith('E@')) return new RegExp(pat.slice(2)).test(rel);
  return globMatch(pat, rel);
}

export const directory: StateFunction<DirectoryParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): DirectoryParams {
    const raw = args['recurse'];
    const words = raw === undefined || raw === null || raw === false ? [] : Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : undefined;
    if (words === undefined) throw new StateArgError(ref, 'recurse', 'expected a list of user, group, mode, ignore_files, ignore_dirs, silent');
    const bad = words.find((w) => !RECURSE_WORDS.includes(w));
    if (bad !== undefined) throw new StateArgError(ref, 'recurse', `Types for "recurse" limited to ${RECURSE_WORDS.map((w) => `"${w}"`).join(', ')} (got "${bad}")`);
    if (words.includes('ignore_files') && words.includes('ignore_dirs')) {
      throw new StateArgError(ref, 'recurse', 'Must not specify "recurse" options "ignore_files" and "ignore_dirs" at the same time.');
    }
    const keep = (chunk.requisites.require ?? []).filter((r) => r.kind === 'file' && r.target.startsWith('/')).map((r) => r.target.replace(/\/+$/, ''));
    return {
      name: absPath(ref, 'name', chunk.name),
      user: optStr(ref, args, 'user'),
      group: optStr(ref, args, 'group'),
      mode: optMode(ref, args, 'dir_mode') ?? optMode(ref, args, 'mode'),
      fileMode: optMode(ref, args, 'file_mode'),
      makedirs: optBool(ref, args, 'makedirs') ?? false,
      recurse: new Set(words),
      clean: optBool(ref, args, 'clean') ?? false,
      excludePat: optStr(ref, args, 'exclude_pat'),
      keep,
    };
  },
  async check(p, ctx) {
    return (await plan(p, ctx.host)).changes;
  },
  async apply(p, _pending, ctx) {
    const { info, want, changes, touch, remove } = await plan(p, ctx.host);
    if (!info) {
      // Checked here, not in check(): in a dry run an earlier state may be about to create the parent (Salt: None).
      if (!p.makedirs && !(await ctx.host.stat(path.dirname(p.name)))) {
        throw new Error(`No directory to create ${p.name} in (set makedirs: True)`);
      }
      await ctx.host.mkdir(p.name, { recursive: p.makedirs, mode: want.mode });
      const now = await ctx.host.stat(p.name);
      if (now) await applyPerms(ctx.host, p.name, now, want);
      return { changes, comment: '' };
    }
    await applyPerms(ctx.host, p.name, info, want);
    for (const [e, w] of touch) await applyPerms(ctx.host, e.path, e.info, w);
    for (const r of remove) await ctx.host.remove(r);
    // Salt's check_perms also writes each change at the top level (`mode`, `user`, `group`), the directory's own
    // first and then every path the recursion changed, in walk order: the last one changed is what stays there.
    const out: Changes = { ...changes };
    for (const c of [permChanges(info, want, p), ...touch.map(([e]) => changes[e.path] as Changes)]) Object.assign(out, c);
    if (p.recurse.has('silent')) {
      for (const k of Object.keys(out)) if (k.startsWith('/')) delete out[k];
      out['recursion'] = 'Changes silenced';
    }
    if (remove.length) out['removed'] = [...remove].sort();
    return { changes: out, comment: remove.length ? `Files cleaned from directory ${p.name}` : `Directory ${p.name} updated` };
  },
  okComment: (p) => `The directory ${p.name} is in the correct state`,
  // Salt's _check_directory: each path's pending changes, one `path: key - value` line each
  testComment: (_p, pending = {}) =>
    ['The following files will be changed:\n', ...Object.entries(pending).flatMap(([f, c]) => Object.entries(isDict(c) ? c : { [f]: c }).map(([k, v]) => `${f}: ${k} - ${pyStr(v)}\n`))].join(''),
};

