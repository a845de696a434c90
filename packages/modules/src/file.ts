/**
 * file.* execution functions (Salt 3006 salt/modules/file.py): read, write, append, replace, contains, file_exists,
 * directory_exists, mkdir, remove, copy, stats, get_hash, check_perms, touch, symlink, chown. Jobs read and write
 * contents asynchronously (fs.promises); metadata calls (stat, chmod, mkdir) stay synchronous, being quick. The
 * readers of contents templates use (read, contains, stats, get_hash) keep blocking twins in `templateFunctions`, for
 * templates only.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError, type Dict } from '@brine/core';
import { parseGroup, parsePasswd } from '@brine/engine';
import { unifiedDiff } from '@brine/engine';
import { arg, truthy, type ExecModule } from './types';
import { findFiles } from './file-find';

/** Python's os.path.expanduser for the running user's `~`. */
const expandUser = (s: string): string => (s.startsWith('~') ? path.join(os.homedir(), s.slice(1)) : s);

function absPath(fun: string, p: unknown): string {
  const s = String(p ?? '');
  if (!s) throw new UsageError(`file.${fun}: a path is required`);
  const expanded = expandUser(s);
  if (!path.isAbsolute(expanded)) throw new UsageError(`File path must be absolute: ${s}`);
  return expanded;
}

/** Salt's file.access: os.access with f/r/w/x (or the os constant 0/4/2/1); a relative path is refused. */
function access(p: unknown, mode: unknown): boolean {
  const expanded = expandUser(String(p ?? ''));
  if (!path.isAbsolute(expanded)) throw new UsageError('Path to link must be absolute.');
  const modes: Record<string, number> = { f: fs.constants.F_OK, r: fs.constants.R_OK, w: fs.constants.W_OK, x: fs.constants.X_OK };
  const m = typeof mode === 'string' && mode in modes ? modes[mode] : typeof mode === 'number' && Object.values(modes).includes(mode) ? mode : undefined;
  if (m === undefined) throw new UsageError('Invalid mode specified.');
  try {
    fs.accessSync(expanded, m);
    return true;
  } catch {
    return false;
  }
}

const mode4 = (m: number): string => (m & 0o7777).toString(8).padStart(4, '0');

/** /etc/passwd and /etc/group entries as (name, id) pairs; empty when the file cannot be read. */
function idTable(kind: 'user' | 'group'): { name: string; id: number }[] {
  try {
    const text = fs.readFileSync(kind === 'user' ? '/etc/passwd' : '/etc/group', 'utf8');
    return kind === 'user' ? parsePasswd(text).map((u) => ({ name: u.name, id: u.uid })) : parseGroup(text).map((g) => ({ name: g.name, id: g.gid }));
  } catch {
    return [];
  }
}
const nameOfId = (kind: 'user' | 'group', id: number): string => idTable(kind).find((e) => e.id === id)?.name ?? String(id);
const userName = (uid: number): string => nameOfId('user', uid);
const groupName = (gid: number): string => nameOfId('group', gid);
/** A user or group name (or numeric id) as its id; undefined when unknown. */
function idOf(kind: 'user' | 'group', name: string | number): number | undefined {
  if (typeof name === 'number' || /^\d+$/.test(name)) return Number(name);
  return idTable(kind).find((e) => e.name === name)?.id;
}

function hashAlgo(form: string): string {
  const algo = form.toLowerCase();
  if (!crypto.getHashes().includes(algo)) throw new UsageError(`file.get_hash: unknown hash type '${form}'`);
  return algo;
}
function hashFile(p: string, form: string): string {
  return crypto.createHash(hashAlgo(form)).update(fs.readFileSync(p)).digest('hex');
}
/** Streams the file through the hash: a large file never blocks the event loop. */
function hashFileAsync(p: string, form: string): Promise<string> {
  const h = crypto.createHash(hashAlgo(form));
  return new Promise((resolve, reject) => {
    fs.createReadStream(p)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Salt's flags for file.replace: a list of names (IGNORECASE, MULTILINE, ...) or re's integer (8 = MULTILINE). */
function regexFlags(flags: unknown): string {
  const names = Array.isArray(flags) ? flags.map((f) => String(f).toUpperCase()) : typeof flags === 'string' ? flags.split(/[,|]/).map((f) => f.trim().toUpperCase()) : [];
  const n = typeof flags === 'number' ? flags : /^\d+$/.test(String(flags)) ? Number(flags) : 0;
  let out = 'g';
  if (n & 2 || names.includes('IGNORECASE') || names.includes('I')) out += 'i';
  if (n & 8 || names.includes('MULTILINE') || names.includes('M')) out += 'm';
  if (n & 16 || names.includes('DOTALL') || names.includes('S')) out += 's';
  return out;
}

/** Python's re.sub replacement syntax (\1, \g<name>) in JavaScript's ($1, $<name>). */
const pyRepl = (r: string): string => r.replace(/\$/g, '$$$$').replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`)).replace(/\\(\d+)/g, '$$$1');

async function writeLines(p: string, lines: unknown[], append: boolean): Promise<string> {
  let text = lines.map(String).join('\n') + '\n';
  if (append && fs.existsSync(p)) {
    const st = fs.statSync(p);
    if (st.size > 0) {
      // Only the last byte matters: does the file end with a newline?
      const fh = await fs.promises.open(p, 'r');
      try {
        const b = Buffer.alloc(1);
        await fh.read(b, 0, 1, st.size - 1);
        if (b[0] !== 0x0a) text = '\n' + text;
      } finally {
        await fh.close();
      }
    }
    await fs.promises.appendFile(p, text);
  } else await fs.promises.writeFile(p, text);
  return `Wrote ${lines.length} lines to "${p}"`;
}

/** The rest of the positional args plus `args=` (Salt's *args). */
const rest = (args: unknown[], kwargs: Dict, from: number): unknown[] => [...args.slice(from), ...(Array.isArray(kwargs['args']) ? kwargs['args'] : kwargs['args'] !== undefined ? [kwargs['args']] : [])];

export function fileStats(p: string, hashType: unknown, follow: boolean): Dict {
  const st = follow ? fs.statSync(p, { throwIfNoEntry: false }) : fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return {};
  const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'pipe' : 'socket';
  const out: Dict = { inode: st.ino, uid: st.uid, gid: st.gid, group: groupName(st.gid), user: userName(st.uid), atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000, ctime: st.ctimeMs / 1000, size: st.size, mode: mode4(st.mode), type, target: fs.realpathSync(p) };
  if (hashType && st.isFile()) out['sum'] = hashFile(p, String(hashType));
  return out;
}

export const fileModule: ExecModule = {
  name: 'file',
  // Salt 3006's signatures of the functions without **kwargs (write, append and remove take any keyword).
  params: {
    read: ['path', 'binary'],
    replace: ['path', 'pattern', 'repl', 'count', 'flags', 'bufsize', 'append_if_not_found', 'prepend_if_not_found', 'not_found_content', 'backup', 'dry_run', 'search_only', 'show_changes', 'ignore_if_missing', 'preserve_inode', 'backslash_literal'],
    contains: ['path', 'text'],
    file_exists: ['path'],
    directory_exists: ['path'],
    access: ['path', 'mode'],
    mkdir: ['dir_path', 'user', 'group', 'mode'],
    copy: ['src', 'dst', 'recurse', 'remove_existing'],
    stats: ['path', 'hash_type', 'follow_symlinks'],
    get_hash: ['path', 'form', 'chunk_size'],
    check_perms: ['name', 'ret', 'user', 'group', 'mode', 'attrs', 'follow_symlinks', 'seuser', 'serole', 'setype', 'serange'],
    touch: ['name', 'atime', 'mtime'],
    symlink: ['src', 'path', 'force', 'atomic'],
    chown: ['path', 'user', 'group'],
  },
  docs: {
    read: "The contents of a file (binary=True: base64).",
    write: "Write the given lines to a file, replacing it. Returns 'Wrote N lines to \"path\"'.",
    append: "Append the given lines to a file. Returns 'Wrote N lines to \"path\"'.",
    replace: "Replace a Python-style regex pattern in a file: path, pattern, repl, count=0, flags=8, backup='.bak',\nappend_if_not_found, prepend_if_not_found, not_found_content, search_only, dry_run, show_changes=True (a diff).",
    contains: "Whether the file contains the text.",
    file_exists: "Whether the path is a file.",
    directory_exists: "Whether the path is a directory.",
    access: "Whether this process may access the path: mode f (exists), r, w or x (os.access; an absolute path).",
    mkdir: "Create a directory and its parents: dir_path, user, group, mode. Returns True.",
    remove: "Remove a file or directory tree. Returns True, or False when it did not exist.",
    copy: "Copy src to dst (recurse=True for a directory, remove_existing=True to replace it). Returns True.",
    stats: "inode, uid, gid, user, group, atime, mtime, ctime, size, mode, type, target (and sum with hash_type=).",
    get_hash: "The hex digest of a file (form=sha256 by default).",
    check_perms: "Set user, group and mode on a path: name, ret, user, group, mode. Returns [ret, perms] as Salt does.",
    touch: "Create a file if missing and set its times: name, atime, mtime (seconds). Returns True.",
    symlink: "Create a symlink: src, path, force=False, atomic=False. Returns True (an existing path is an error without force).",
    chown: "Set the owner and group of a path: path, user, group. Returns None, or the error text ('File not found').",
    find: "Paths under path (a glob) matching name, iname, regex, iregex, type, size, mtime, grep; mindepth, maxdepth; print=.\nSorted. delete and exec are refused.",
  },
  // Blocking twins of the asynchronous readers, for templates only (`salt['file.read'](...)` in Jinja).
  templateFunctions: {
    read: (args, kwargs) => {
      const data = fs.readFileSync(absPath('read', arg(args, kwargs, 0, 'path', '')));
      return truthy(arg(args, kwargs, 1, 'binary', false)) ? data.toString('base64') : data.toString('utf8');
    },
    contains: (args, kwargs) => {
      const p = absPath('contains', arg(args, kwargs, 0, 'path', ''));
      return fs.existsSync(p) && fs.readFileSync(p, 'utf8').includes(String(arg(args, kwargs, 1, 'text', '')));
    },
    get_hash: (args, kwargs) => hashFile(absPath('get_hash', arg(args, kwargs, 0, 'path', '')), String(arg(args, kwargs, 1, 'form', 'sha256'))),
    stats: (args, kwargs) => fileStats(absPath('stats', arg(args, kwargs, 0, 'path', '')), arg(args, kwargs, 1, 'hash_type', null), truthy(arg(args, kwargs, 2, 'follow_symlinks', true))),
  },
  functions: {
    // A search blocks while it walks the tree it is given (as Salt's does); the template calls it the same way.
    find: (args, kwargs) => findFiles(String(arg(args, kwargs, 0, 'path', '')), args.slice(1), kwargs),
    read: async (args, kwargs) => {
      const p = absPath('read', arg(args, kwargs, 0, 'path', ''));
      const data = await fs.promises.readFile(p);
      return truthy(arg(args, kwargs, 1, 'binary', false)) ? data.toString('base64') : data.toString('utf8');
    },
    write: (args, kwargs) => writeLines(absPath('write', arg(args, kwargs, 0, 'path', '')), rest(args, kwargs, 1), false),
    append: (args, kwargs) => writeLines(absPath('append', arg(args, kwargs, 0, 'path', '')), rest(args, kwargs, 1), true),
    replace: async (args, kwargs) => {
      const p = absPath('replace', arg(args, kwargs, 0, 'path', ''));
      const pattern = String(arg(args, kwargs, 1, 'pattern', ''));
      const repl = String(arg(args, kwargs, 2, 'repl', ''));
      const count = Number(arg(args, kwargs, 3, 'count', 0));
      const flags = regexFlags(arg(args, kwargs, 4, 'flags', 8));
      if (!fs.existsSync(p)) {
        if (truthy(kwargs['ignore_if_missing'] ?? false)) return false;
        throw new UsageError(`${p}: file not found`);
      }
      const old = await fs.promises.readFile(p, 'utf8');
      const re = new RegExp(pattern, flags);
      let n = 0;
      let text = old.replace(re, (...m) => {
        if (count > 0 && n >= count) return m[0] as string;
        n++;
        return (m[0] as string).replace(new RegExp(pattern, flags.replace('g', '')), pyRepl(repl));
      });
      const found = n > 0;
      if (!found && (truthy(kwargs['append_if_not_found'] ?? false) || truthy(kwargs['prepend_if_not_found'] ?? false))) {
        const line = String(kwargs['not_found_content'] ?? repl);
        text = truthy(kwargs['prepend_if_not_found'] ?? false) ? `${line}\n${old}` : `${old}${old && !old.endsWith('\n') ? '\n' : ''}${line}\n`;
      }
      const dry = truthy(kwargs['dry_run'] ?? false) || truthy(kwargs['search_only'] ?? false);
      if (text !== old && !dry) {
        const backup = kwargs['backup'] ?? '.bak';
        if (backup !== false && String(backup) !== 'False' && String(backup) !== '') await fs.promises.copyFile(p, p + String(backup));
        await fs.promises.writeFile(p, text);
      }
      if (truthy(kwargs['search_only'] ?? false)) return found;
      return truthy(kwargs['show_changes'] ?? true) ? unifiedDiff(old, text) : text !== old;
    },
    contains: async (args, kwargs) => {
      const p = absPath('contains', arg(args, kwargs, 0, 'path', ''));
      if (!fs.existsSync(p)) return false;
      return (await fs.promises.readFile(p, 'utf8')).includes(String(arg(args, kwargs, 1, 'text', '')));
    },
    file_exists: (args, kwargs) => {
      const st = fs.statSync(String(arg(args, kwargs, 0, 'path', '')), { throwIfNoEntry: false });
      return Boolean(st?.isFile());
    },
    directory_exists: (args, kwargs) => {
      const st = fs.statSync(String(arg(args, kwargs, 0, 'path', '')), { throwIfNoEntry: false });
      return Boolean(st?.isDirectory());
    },
    access: (args, kwargs) => access(arg(args, kwargs, 0, 'path', ''), arg(args, kwargs, 1, 'mode', '')),
    mkdir: (args, kwargs) => {
      const p = absPath('mkdir', arg(args, kwargs, 0, 'dir_path', ''));
      const mode = arg(args, kwargs, 3, 'mode', null);
      if (!fs.existsSync(p)) fs.mkdirSync(p, { recursive: true, mode: mode === null ? undefined : parseInt(String(mode), 8) });
      const user = arg(args, kwargs, 1, 'user', null);
      const group = arg(args, kwargs, 2, 'group', null);
      if (user !== null || group !== null) applyPerms(p, user as string | null, group as string | null, null);
      return true;
    },
    remove: async (args, kwargs) => {
      const p = absPath('remove', arg(args, kwargs, 0, 'path', ''));
      if (!fs.lstatSync(p, { throwIfNoEntry: false })) return false;
      await fs.promises.rm(p, { recursive: true, force: true });
      return true;
    },
    copy: async (args, kwargs) => {
      const src = absPath('copy', arg(args, kwargs, 0, 'src', ''));
      const dst = absPath('copy', arg(args, kwargs, 1, 'dst', ''));
      const recurse = truthy(arg(args, kwargs, 2, 'recurse', false));
      const removeExisting = truthy(arg(args, kwargs, 3, 'remove_existing', false));
      if (!fs.existsSync(src)) throw new UsageError(`No such file or directory '${src}'`);
      const isDir = fs.statSync(src).isDirectory();
      if (isDir && !recurse) throw new UsageError(`Cannot copy overwriting a directory without recurse flag set to true!`);
      if (removeExisting && fs.existsSync(dst)) await fs.promises.rm(dst, { recursive: true, force: true });
      if (isDir) await fs.promises.cp(src, dst, { recursive: true });
      else await fs.promises.copyFile(src, dst);
      return true;
    },
    stats: async (args, kwargs) => {
      const p = absPath('stats', arg(args, kwargs, 0, 'path', ''));
      const hashType = arg(args, kwargs, 1, 'hash_type', null);
      const out = fileStats(p, null, truthy(arg(args, kwargs, 2, 'follow_symlinks', true)));
      if (hashType && out['type'] === 'file') out['sum'] = await hashFileAsync(p, String(hashType));
      return out;
    },
    get_hash: (args, kwargs) => hashFileAsync(absPath('get_hash', arg(args, kwargs, 0, 'path', '')), String(arg(args, kwargs, 1, 'form', 'sha256'))),
    touch: (args, kwargs) => {
      const p = absPath('touch', arg(args, kwargs, 0, 'name', ''));
      const num = (v: unknown): number | null => {
        if (v === null || v === undefined || v === '') return null;
        const n = Number(v);
        if (!Number.isFinite(n)) throw new UsageError('atime and mtime must be integers');
        return n;
      };
      const atime = num(arg(args, kwargs, 1, 'atime', null));
      const mtime = num(arg(args, kwargs, 2, 'mtime', null));
      const now = Date.now() / 1000;
      try {
        if (!fs.existsSync(p)) fs.closeSync(fs.openSync(p, 'a'));
        fs.utimesSync(p, atime ?? now, mtime ?? now);
      } catch (e) {
        throw new UsageError(`file.touch: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      }
      return fs.existsSync(p);
    },
    symlink: (args, kwargs) => {
      const src = String(arg(args, kwargs, 0, 'src', ''));
      const p = absPath('symlink', arg(args, kwargs, 1, 'path', ''));
      const force = truthy(arg(args, kwargs, 2, 'force', false));
      const atomic = truthy(arg(args, kwargs, 3, 'atomic', false));
      if (!src) throw new UsageError('file.symlink: a source (src) is required');
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (st?.isSymbolicLink()) {
        if (path.normalize(fs.readlinkSync(p)) === path.normalize(src)) return true;
        if (!force && !atomic) throw new UsageError(`Found existing symlink: ${p}`);
      } else if (st && !force && !atomic) throw new UsageError(`Existing path is not a symlink: ${p}`);
      if (atomic) {
        const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${process.pid}.tmp`);
        fs.symlinkSync(src, tmp);
        fs.renameSync(tmp, p);
        return true;
      }
      if (st) fs.rmSync(p, { force: true });
      try {
        fs.symlinkSync(src, p);
      } catch {
        throw new UsageError(`Could not create '${p}'`);
      }
      return true;
    },
    chown: (args, kwargs) => {
      const p = absPath('chown', arg(args, kwargs, 0, 'path', ''));
      const user = arg(args, kwargs, 1, 'user', null) as string | number | null;
      const group = arg(args, kwargs, 2, 'group', null) as string | number | null;
      let err = '';
      const uid = user === null || user === '' ? -1 : idOf('user', user);
      const gid = group === null || group === '' ? -1 : idOf('group', group);
      if (uid === undefined) err += 'User does not exist\n';
      if (gid === undefined) err += 'Group does not exist\n';
      const exists = fs.existsSync(p);
      if (!exists) {
        // A dangling symlink is chowned itself (Salt: os.lchown).
        if (!err && fs.lstatSync(p, { throwIfNoEntry: false })) {
          fs.lchownSync(p, uid!, gid!);
          return null;
        }
        err += 'File not found';
      }
      if (err) return err;
      fs.chownSync(p, uid!, gid!);
      return null;
    },
    check_perms: (args, kwargs) => {
      const name = absPath('check_perms', arg(args, kwargs, 0, 'name', ''));
      const given = arg(args, kwargs, 1, 'ret', null);
      const ret: Dict = { name, changes: {}, comment: '', result: true, ...(given && typeof given === 'object' ? (given as Dict) : {}) };
      const user = arg(args, kwargs, 2, 'user', null) as string | null;
      const group = arg(args, kwargs, 3, 'group', null) as string | null;
      const mode = arg(args, kwargs, 4, 'mode', null);
      const st = fs.lstatSync(name, { throwIfNoEntry: false });
      if (!st) throw new UsageError(`${name} does not exist`);
      const perms: Dict = { luser: userName(st.uid), lgroup: groupName(st.gid), lmode: mode4(st.mode) };
      const changes = ret['changes'] as Dict;
      const comments: string[] = [];
      if (mode !== null && mode !== undefined && mode4(parseInt(String(mode), 8)) !== perms['lmode']) {
        perms['cmode'] = mode4(parseInt(String(mode), 8));
        changes['mode'] = perms['cmode'];
      }
      const uid = user === null ? undefined : idOf('user', user);
      const gid = group === null ? undefined : idOf('group', group);
      if (user !== null && uid === undefined) comments.push(`User ${user} is not available`);
      if (group !== null && gid === undefined) comments.push(`Group ${group} is not available`);
      if (uid !== undefined && uid !== st.uid) changes['user'] = user;
      if (gid !== undefined && gid !== st.gid) changes['group'] = group;
      try {
        applyPerms(name, changes['user'] as string | null ?? null, changes['group'] as string | null ?? null, (perms['cmode'] as string | undefined) ?? null);
      } catch (e) {
        comments.push((e as Error).message);
      }
      if (comments.length) {
        ret['result'] = false;
        ret['comment'] = comments.join(' ');
      }
      return [ret, perms];
    },
  },
};

function applyPerms(p: string, user: string | null, group: string | null, mode: string | null): void {
  if (mode !== null) fs.chmodSync(p, parseInt(mode, 8));
  if (user !== null || group !== null) {
    const st = fs.lstatSync(p);
    const uid = user === null ? st.uid : idOf('user', user);
    const gid = group === null ? st.gid : idOf('group', group);
    if (uid === undefined || gid === undefined) throw new UsageError(`${p}: unknown user or group`);
    fs.lchownSync(p, uid, gid);
  }
}
