/**
 * Salt's filters over the minion's files and users (salt.utils.files, hashutils, user): is_empty, is_text_file,
 * is_bin_file, list_files, file_hashsum, get_uid. Like Salt's, they read the machine the template renders on.
 */
import { createHash, getHashes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { TemplateError } from '../jinja/errors';
import type { FilterFn } from '../jinja/runtime';
import { isInt, typeName } from '../jinja/values';
import { pwnam } from './fn-system';
import { filter, str } from './py';

/** Bytes from 32 to 126 and \n \r \t \f \b: what salt.utils.files.is_text counts as text. */
const TEXT_BYTES = new Set<number>([...Array.from({ length: 95 }, (_, i) => i + 32), 10, 13, 9, 12, 8]);
/** The characters salt.utils.stringutils.is_binary counts as text (no \f there). */
const TEXT_CHARS = new Set<number>([...Array.from({ length: 95 }, (_, i) => i + 32), 10, 13, 9, 8]);

function readBlock(file: string, size: number): Buffer | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(size);
    return b.subarray(0, fs.readSync(fd, b, 0, size, 0));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** salt.utils.files.is_text: the first 512 bytes have no NUL, and are UTF-8 or at most 30% non-text. */
function isTextFile(file: string): boolean {
  const block = readBlock(file, 512);
  if (block === null || block.includes(0)) return false;
  if (!block.length) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(block);
    return true;
  } catch {
    const nontext = [...block].filter((c) => !TEXT_BYTES.has(c)).length;
    return nontext / block.length <= 0.3;
  }
}

/** salt.utils.files.is_binary: a regular file whose first 2048 bytes are not UTF-8, or hold a NUL or > 30% non-text. */
function isBinFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
  } catch {
    return false;
  }
  const block = readBlock(file, 2048);
  if (block === null || !block.length) return false;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(block);
  } catch {
    return true;
  }
  if (text.includes('\0')) return true;
  const chars = [...text];
  const nontext = chars.filter((c) => !TEXT_CHARS.has(c.codePointAt(0)!)).length;
  return nontext / chars.length > 0.3;
}

/** salt.utils.files.list_files: the directory, and every file and directory under it (os.walk: not into links). */
function listFiles(dir: string): string[] {
  const out = [dir];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** salt.utils.hashutils.get_hash: the file's hex digest. */
function fileHash(file: string, form: string): string {
  if (!getHashes().includes(form)) throw new TemplateError(`Invalid hash type: ${form}`, 'runtime');
  try {
    return createHash(form).update(fs.readFileSync(file)).digest('hex');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TemplateError(`[Errno 2] No such file or directory: '${file}'`, 'runtime');
    if (code === 'EISDIR') throw new TemplateError(`[Errno 21] Is a directory: '${file}'`, 'runtime');
    throw new TemplateError(`${file}: ${(e as Error).message}`, 'runtime');
  }
}

export const FILE_FILTERS: Record<string, FilterFn> = {
  is_empty: filter('is_empty', ['filename'], (v) => {
    const f = v['filename'];
    if (typeof f !== 'string' && !isInt(f)) throw new TemplateError(`stat: path should be string, bytes, os.PathLike or integer, not ${typeName(f)}`, 'type');
    try {
      return fs.statSync(str(v['filename'])).size === 0;
    } catch {
      return false;
    }
  }),
  is_text_file: filter('is_text', ['fp_', ['blocksize', 512]], (v) => isTextFile(str(v['fp_']))),
  is_bin_file: filter('is_binary', ['path'], (v) => isBinFile(str(v['path']))),
  list_files: filter('list_files', ['directory'], (v) => listFiles(str(v['directory']))),
  file_hashsum: filter('get_hash', ['path', ['form', 'sha256'], ['chunk_size', 65536]], (v) => fileHash(str(v['path']), str(v['form']))),
  get_uid: filter('get_uid', [['user', null]], (v) => {
    if (v['user'] === null) return process.geteuid?.() ?? null;
    return pwnam(str(v['user']), null)?.uid ?? null;
  }),
};
