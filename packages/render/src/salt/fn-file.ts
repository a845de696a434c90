/** file.* (salt/modules/file.py) path helpers and read-only checks on the local disk, as on a minion. */
import * as fs from 'fs';
import { TemplateError } from '../jinja/errors';
import { pyBool } from '../jinja/values';
import type { FunctionTable } from './context';
import { PyBytes, fn, str } from './py';
import { basename, dirname, expanduser, join, normpath } from './pypath';
import { pyRegex } from './pyregex';

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

export function fileFunctions(): FunctionTable {
  return {
    'file.dirname': fn('dirname', ['path'], (v) => dirname(str(v['path']))),
    'file.basename': fn('basename', ['path'], (v) => basename(str(v['path']))),
    'file.join': fn('join', [], (_v, b) => {
      if (!b.rest.length) throw new TemplateError('join() missing 1 required positional argument: \'a\'', 'type');
      const [a, ...rest] = b.rest.map((p) => str(p));
      return join(a!, ...rest);
    }, { varargs: true }),
    'file.normpath': fn('normpath', ['path'], (v) => normpath(str(v['path']))),
    'file.file_exists': fn('file_exists', ['path'], (v) => isFile(expanduser(str(v['path'])))),
    'file.directory_exists': fn('directory_exists', ['path'], (v) => isDir(expanduser(str(v['path'])))),
    'file.exists': fn('exists', ['path'], (v) => exists(expanduser(str(v['path'])))),
    'file.is_link': fn('is_link', ['path'], (v) => isLink(expanduser(str(v['path'])))),
    'file.contains_regex': fn('contains_regex', ['path', 'regex', ['lchar', '']], (v) => {
      const p = expanduser(str(v['path']));
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
    'file.read': fn('read', ['path', ['binary', false]], (v) => {
      const p = str(v['path']);
      try {
        const raw = fs.readFileSync(p);
        return v['binary'] === true ? new PyBytes(raw) : new TextDecoder('utf-8', { fatal: false }).decode(raw);
      } catch (e) {
        throw osError(e, p);
      }
    }),
    'file.readlink': fn('readlink', ['path', ['canonicalize', false]], (v) => {
      const p = expanduser(str(v['path'])).replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string, b: string) => process.env[a ?? b] ?? m);
      if (!p.startsWith('/')) throw new TemplateError(`SaltInvocationError: Path to link must be absolute: ${p}`, 'runtime');
      if (!isLink(p)) throw new TemplateError(`SaltInvocationError: A valid link was not specified: ${p}`, 'runtime');
      return pyBool(v['canonicalize']) ? fs.realpathSync(p) : fs.readlinkSync(p);
    }),
  };
}
