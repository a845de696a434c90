/** file.* (salt/modules/file.py) path helpers and read-only checks on the local disk, as on a minion. */
import * as fs from 'fs';
import { TemplateError } from '../jinja/errors';
import { Markup, pyBool, typeName } from '../jinja/values';
import type { FunctionTable } from './context';
import { PyBytes, fn, str } from './py';
import { basename, dirname, expanduser, join, normpath } from './pypath';
import { pyRegex, type PyFlags } from './pyregex';

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};
const isDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};
const isLink = (p: string): boolean => {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
const exists = (p: string): boolean => isFile(p) || isDir(p) || fs.existsSync(p);

function osError(e: unknown, p: string): TemplateError {
  const err = e as NodeJS.ErrnoException;
  const msg = err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EACCES' ? 'Permission denied' : err.code === 'EISDIR' ? 'Is a directory' : err.message;
  return new TemplateError(`[Errno ${-(err.errno ?? 0) || ''}] ${msg}: '${p}'`, 'runtime');
}

const FLAG_BITS: [number, keyof PyFlags][] = [[2, 'ignorecase'], [8, 'multiline'], [16, 'dotall'], [64, 'verbose']];

/** file._get_flags: an int of re flags, a flag name, or a list of names (`['IGNORECASE', 'MULTILINE']`). */
function reFlags(v: unknown): PyFlags {
  const out: PyFlags = {};
  if (typeof v === 'number') {
    for (const [bit, name] of FLAG_BITS) if (v & bit) out[name] = true;
    return out;
  }
  for (const f of Array.isArray(v) ? v : [v]) {
    const name = str(f).toUpperCase();
    const known: Record<string, keyof PyFlags> = { I: 'ignorecase', IGNORECASE: 'ignorecase', M: 'multiline', MULTILINE: 'multiline', S: 'dotall', DOTALL: 'dotall', X: 'verbose', VERBOSE: 'verbose' };
    if (known[name]) out[known[name]] = true;
    else if (!['A', 'ASCII', 'U', 'UNICODE', 'L', 'LOCALE', 'T', 'TEMPLATE', 'DEBUG', 'NOFLAG'].includes(name)) throw new TemplateError(`CommandExecutionError: Invalid re flag given: ${str(f)}`, 'runtime');
  }
  return out;
}

/** os.path's argument: a str (or bytes); anything else is Python's TypeError. */
function pathOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Markup || v instanceof PyBytes) return str(v);
  throw new TemplateError(`expected str, bytes or os.PathLike object, not ${typeName(v)}`, 'type');
}

export function fileFunctions(): FunctionTable {
  return {
    'file.dirname': fn('dirname', ['path'], (v) => dirname(pathOf(v['path']))),
    'file.basename': fn('basename', ['path'], (v) => basename(pathOf(v['path']))),
    'file.join': fn('join', [], (_v, b) => {
      if (!b.rest.length) throw new TemplateError('join() missing 1 required positional argument: \'a\'', 'type');
      const [a, ...rest] = b.rest.map((p) => str(p));
      return join(a!, ...rest);
    }, { varargs: true }),
    'file.normpath': fn('normpath', ['path'], (v) => normpath(pathOf(v['path']))),
    'file.file_exists': fn('file_exists', ['path'], (v) => isFile(expanduser(pathOf(v['path'])))),
    'file.directory_exists': fn('directory_exists', ['path'], (v) => isDir(expanduser(pathOf(v['path'])))),
    'file.exists': fn('exists', ['path'], (v) => exists(expanduser(pathOf(v['path'])))),
    'file.is_link': fn('is_link', ['path'], (v) => isLink(expanduser(pathOf(v['path'])))),
    'file.contains_regex': fn('contains_regex', ['path', 'regex', ['lchar', '']], (v) => {
      const p = expanduser(pathOf(v['path']));
      if (!exists(p)) return false;
      let text: string;
      try {
        text = fs.readFileSync(p, 'utf8');
      } catch {
        return false;
      }
      const re = pyRegex(str(v['regex']));
      const lchar = str(v['lchar']);
      for (let line of text.split(/(?<=\n)/)) {
        if (lchar) while (line && lchar.includes(line[0]!)) line = line.slice(1);
        if (re.search(line)) return true;
      }
      return false;
    }),
    'file.search': fn('search', ['path', 'pattern', ['flags', 8], ['bufsize', 1], ['ignore_if_missing', false], ['multiline', false]], (v) => {
      // Salt's file.search is file.replace(search_only=True): one re.search over the whole file (an mmap).
      const p = expanduser(pathOf(v['path']));
      if (!exists(p)) {
        if (pyBool(v['ignore_if_missing'])) return false;
        throw new TemplateError(`SaltInvocationError: File not found: ${p}`, 'runtime');
      }
      let raw: Buffer;
      try {
        raw = fs.readFileSync(p);
      } catch (e) {
        throw osError(e, p);
      }
      if (raw.includes(0)) throw new TemplateError(`SaltInvocationError: Cannot perform string replacements on a binary file: ${p}`, 'runtime');
      const flags = reFlags(v['flags']);
      if (pyBool(v['multiline'])) flags.multiline = true;
      return pyRegex(str(v['pattern']), flags).search(raw.toString('utf8')) !== null;
    }),
    'file.read': fn('read', ['path', ['binary', false]], (v) => {
      const p = pathOf(v['path']);
      try {
        const raw = fs.readFileSync(p);
        return v['binary'] === true ? new PyBytes(raw) : new TextDecoder('utf-8', { fatal: false }).decode(raw);
      } catch (e) {
        throw osError(e, p);
      }
    }),
    'file.readlink': fn('readlink', ['path', ['canonicalize', false]], (v) => {
      const p = expanduser(pathOf(v['path'])).replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string, b: string) => process.env[a ?? b] ?? m);
      if (!p.startsWith('/')) throw new TemplateError(`SaltInvocationError: Path to link must be absolute: ${p}`, 'runtime');
      if (!isLink(p)) throw new TemplateError(`SaltInvocationError: A valid link was not specified: ${p}`, 'runtime');
      return pyBool(v['canonicalize']) ? fs.realpathSync(p) : fs.readlinkSync(p);
    }),
  };
}
