/**
 * archive.extracted (Salt 3006): unpack a tar (any compression GNU tar reads) or zip archive from a local path
 * or `salt://` into the directory `name`, with the system's tar/unzip. It runs when a member of the archive is
 * missing under `name` (or an `if_missing` path is absent); `enforce_toplevel` (default True) refuses archives
 * without a single top-level directory; `source_hash` (`sha256=HEX`, or a bare md5/sha1/sha224/sha256/sha384/
 * sha512 hex digest) is checked before anything is extracted; `user`/`group` own what was extracted; `options`
 * go to tar. Changes: `{directories_created: ['name/'], extracted_files: [...]}` (Salt's trailing slash); a dry run reports none (result None).
 * Not supported: http(s)/ftp sources, `source_hash` from a URL or file, `password`, `clean`, rar.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { CheckContext, StateFunction, StateModule } from '../types';
import { absPath, commandFailed, optBool, optStr, resolveGid, resolveUid, type Args } from './util';

export interface ArchiveParams {
  name: string;
  source: string;
  format: 'tar' | 'zip';
  hash?: { algo: string; hex: string };
  ifMissing?: string;
  enforceToplevel: boolean;
  user?: string;
  group?: string;
  options?: string;
  trimOutput: unknown;
  /** Why the last check had nothing to do. */
  skipped?: string;
}

const BY_LENGTH: Record<number, string> = { 32: 'md5', 40: 'sha1', 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

function parseHash(ref: string, v: string): { algo: string; hex: string } {
  const m = /^(?:(md5|sha1|sha224|sha256|sha384|sha512)=)?([0-9a-fA-F]+)$/.exec(v.trim());
  if (!m) throw new StateArgError(ref, 'source_hash', `expected ALGO=HEX or a hex digest, got ${JSON.stringify(v)} (hash files and URLs are not supported)`);
  const algo = m[1] ?? BY_LENGTH[m[2].length];
  if (!algo || (m[1] && BY_LENGTH[m[2].length] !== algo)) throw new StateArgError(ref, 'source_hash', `a digest of ${m[2].length} hex digits does not fit ${m[1] ?? 'any known hash type'}`);
  return { algo, hex: m[2].toLowerCase() };
}

function formatOf(ref: string, source: string, given?: string): 'tar' | 'zip' {
  if (given !== undefined) {
    if (given !== 'tar' && given !== 'zip') throw new StateArgError(ref, 'archive_format', `expected tar or zip, got ${JSON.stringify(given)}`);
    return given;
  }
  if (/\.zip$/i.test(source)) return 'zip';
  if (/\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tar\.lzma)$/i.test(source)) return 'tar';
  throw new StateArgError(ref, 'archive_format', `cannot tell the archive type of ${source}: set archive_format (tar or zip)`);
}

async function sourcePath(p: ArchiveParams, ctx: CheckContext): Promise<string> {
  const file = ctx.files.localPath ? ctx.files.localPath(p.source) : p.source.startsWith('/') ? p.source : null;
  if (!file) throw new Error(`Source file '${p.source}' does not exist`);
  return file;
}

/** Members as listed by tar/unzip, normalised (no leading ./, directories without their trailing /). */
async function members(p: ArchiveParams, file: string, ctx: CheckContext): Promise<string[]> {
  const r = p.format === 'zip' ? await ctx.host.probe(['unzip', '-Z1', file]) : await ctx.host.probe(['tar', '-tf', file]);
  if (r.code !== 0) throw commandFailed(`Listing ${p.source} as a ${p.format} archive`, r);
  return r.stdout
    .split('\n')
    .map((l) => l.replace(/^(\.\/)+/, '').replace(/\/+$/, ''))
    .filter((l) => l && l !== '.');
}

interface Plan {
  changes: Changes;
  file?: string;
  list?: string[];
}

async function plan(p: ArchiveParams, ctx: CheckContext): Promise<Plan> {
  p.skipped = undefined;
  const info = await ctx.host.stat(p.name);
  if (info && info.type !== 'directory') throw new Error(`${p.name} exists and is not a directory`);
  if (p.ifMissing && (await ctx.host.lstat(p.ifMissing))) {
    p.skipped = `Path ${p.ifMissing} exists`;
    return { changes: {} };
  }
  const file = await sourcePath(p, ctx);
  if (p.hash) {
    const data = await ctx.host.readFile(file);
    const got = data && createHash(p.hash.algo).update(data).digest('hex');
    if (got !== p.hash.hex) throw new Error(`${p.source} does not match the desired source_hash ${p.hash.hex}`);
  }
  const list = await members(p, file, ctx);
  if (!list.length) throw new Error(`No files were extracted from ${p.source}`);
  const tops = new Set(list.map((m) => m.split('/')[0]));
  const topFiles = list.filter((m) => !m.includes('/') && !list.some((x) => x.startsWith(`${m}/`)));
  if (p.enforceToplevel && (tops.size > 1 || topFiles.length > 0)) {
    throw new Error(
      `Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. To avoid a '${p.format}-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to ${path.join(p.name, 'some_dir')} instead of ${p.name}).`,
    );
  }
  const missing: string[] = [];
  for (const m of list) if (!(await ctx.host.lstat(path.join(p.name, m)))) missing.push(m);
  if (!missing.length) {
    p.skipped = 'All files in archive are already present';
    return { changes: {} };
  }
  const changes: Changes = {};
  if (!info) changes['directories_created'] = [`${p.name}/`];
  changes['extracted_files'] = list;
  return { changes, file, list };
}

export const extracted: StateFunction<ArchiveParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): ArchiveParams {
    const source = optStr(ref, args, 'source');
    if (!source) throw new StateArgError(ref, 'source', 'required: a local path or salt:// URL of the archive');
    if (/^(https?|ftp|s3|swift):\/\//.test(source)) throw new StateArgError(ref, 'source', `${source}: only local paths and salt:// sources are supported`);
    if (!source.startsWith('salt://') && !source.startsWith('file://')) absPath(ref, 'source', source);
    if (args['password'] !== undefined) throw new StateArgError(ref, 'password', 'password-protected archives are not supported');
    if (optBool(ref, args, 'clean') || optBool(ref, args, 'clean_parent')) throw new StateArgError(ref, 'clean', 'not supported');
    const hash = optStr(ref, args, 'source_hash');
    const skipVerify = optBool(ref, args, 'skip_verify') ?? false;
    const ifMissing = optStr(ref, args, 'if_missing');
    return {
      name: absPath(ref, 'name', chunk.name),
      source: source.replace(/^file:\/\//, ''),
      format: formatOf(ref, source, optStr(ref, args, 'archive_format')),
      hash: hash && !skipVerify ? parseHash(ref, hash) : undefined,
      ifMissing: ifMissing === undefined ? undefined : absPath(ref, 'if_missing', ifMissing),
      enforceToplevel: optBool(ref, args, 'enforce_toplevel') ?? true,
      user: optStr(ref, args, 'user'),
      group: optStr(ref, args, 'group'),
      options: optStr(ref, args, 'options'),
      trimOutput: args['trim_output'] ?? false,
    };
  },
  check: async (p, ctx) => (await plan(p, ctx)).changes,
  async apply(p, _pending, ctx) {
    const { changes, file, list } = await plan(p, ctx);
    if (!file || !list) return { changes: {}, comment: p.skipped ?? 'All files in archive are already present' };
    const host = ctx.host;
    const uid = p.user === undefined ? undefined : await resolveUid(host, p.user);
    const gid = p.group === undefined ? undefined : await resolveGid(host, p.group);
    await host.mkdir(p.name, { recursive: true, uid, gid });
    const opts = p.options ? p.options.split(/\s+/).filter(Boolean) : [];
    const r = p.format === 'zip' ? await host.run(['unzip', '-o', '-q', file, '-d', p.name]) : await host.run(['tar', '-x', ...opts, '-f', file, '-C', p.name]);
    if (r.code !== 0) throw commandFailed(`Extracting ${p.source} to ${p.name}`, r);
    if (uid !== undefined || gid !== undefined) {
      const tops = [...new Set(list.map((m) => m.split('/')[0]))].map((t) => path.join(p.name, t));
      const c = await host.run(['chown', '-R', '-h', `${uid ?? ''}${gid === undefined ? '' : `:${gid}`}`, '--', ...tops]);
      if (c.code !== 0) throw commandFailed('chown of the extracted files', c);
    }
    const trimmed = p.trimOutput === false ? 'False' : String(p.trimOutput);
    return { changes, comment: `${p.source} extracted to ${p.name}/, due to absence of one or more files/dirs. Output was trimmed to ${trimmed} number of lines` };
  },
  testChanges: () => ({}),
  okComment: (p) => p.skipped ?? 'All files in archive are already present',
  testComment: (p) => `Archive ${p.source} would be extracted to ${p.name}/, due to absence of one or more files/dirs`,
};

export const archiveModule: StateModule = { name: 'archive', functions: { extracted } };
