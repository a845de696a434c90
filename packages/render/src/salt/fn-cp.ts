/**
 * cp.list_master / cp.list_master_dirs / cp.list_states: the files and directories of a saltenv's file roots, sorted
 * as Salt sorts them. cp.get_file_str and cp.get_url (dest=None): a file's text, from salt:// or the local disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import { rootsOf, type FunctionTable, type SaltTemplateContext } from './context';
import { TemplateError } from '../jinja/errors';
import { codePointCompare, fn, str } from './py';
import { slsNames } from '../sls/names';

/** Every directory below the roots (followed through symlinks, as Salt's os.walk(followlinks=True)). */
function walkDirs(root: string, rel: string, out: Set<string>, seen: Set<string>): void {
  let real: string;
  try {
    real = fs.realpathSync(path.join(root, rel));
  } catch {
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const sub = rel ? `${rel}/${e.name}` : e.name;
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        isDir = fs.statSync(path.join(root, sub)).isDirectory();
      } catch {
        isDir = false;
      }
    }
    if (!isDir) continue;
    out.add(sub);
    walkDirs(root, sub, out, seen);
  }
}

const byPrefix = (list: string[], prefixIn: string): string[] => {
  const prefix = prefixIn.replace(/^\/+|\/+$/g, '');
  return (prefix ? list.filter((f) => f.startsWith(prefix)) : list).sort(codePointCompare);
};

export function listMaster(c: SaltTemplateContext, saltenv: string, prefix: string): string[] {
  const roots = rootsOf(c, saltenv);
  return roots ? byPrefix(roots.list(), prefix) : [];
}

export function listMasterDirs(c: SaltTemplateContext, saltenv: string, prefix: string): string[] {
  const roots = rootsOf(c, saltenv);
  if (!roots) return [];
  const out = new Set<string>();
  for (const root of roots.roots) walkDirs(root, '', out, new Set());
  return byPrefix([...out], prefix);
}

/** fileclient.list_states: every `.sls` file of the saltenv as an SLS name (`a/init.sls` is `a`), sorted. */
export function listStates(c: SaltTemplateContext, saltenv: string): string[] {
  const roots = rootsOf(c, saltenv);
  return roots ? slsNames(roots) : [];
}

/** The text of `salt://...` (the saltenv's roots; `?saltenv=` in the URL wins), `file://...` or a local path; null when missing. */
function fileText(c: SaltTemplateContext, url: string, saltenv: string): string | null {
  let data: Buffer | null = null;
  if (url.startsWith('salt://')) {
    const m = /\?(?:.*&)?saltenv=([^&]*)/.exec(url);
    const roots = rootsOf(c, m ? decodeURIComponent(m[1]!) : saltenv);
    data = roots ? roots.read(url.replace(/\?.*$/, '')) : null;
  } else {
    const p = url.startsWith('file://') ? url.slice('file://'.length) : url;
    if (!p.startsWith('/')) return null;
    try {
      data = fs.readFileSync(p);
    } catch {
      data = null;
    }
  }
  return data === null ? null : new TextDecoder('utf-8').decode(data);
}

export function cpFunctions(c: SaltTemplateContext): FunctionTable {
  const env = (v: unknown): string => (v ? str(v) : pickEnv(c));
  return {
    'cp.get_file_str': fn('get_file_str', ['path', ['saltenv', null]], (v) => fileText(c, str(v['path']), env(v['saltenv'])) ?? false),
    'cp.get_url': fn('get_url', ['path', ['dest', null], ['saltenv', null], ['makedirs', false], ['source_hash', null]], (v) => {
      const url = str(v['path']);
      if (/^(https?|ftp|s3|swift):\/\//.test(url)) throw new TemplateError(`cp.get_url: ${url}: a template cannot fetch from the network in Brine (the file roots, file:// and local paths only)`, 'runtime');
      if (v['dest'] !== null) throw new TemplateError('cp.get_url: from a template Brine reads the file (dest=None) and writes nothing', 'runtime');
      return fileText(c, url, env(v['saltenv'])) ?? false;
    }),
    'cp.list_master': fn('list_master', [['saltenv', null], ['prefix', '']], (v) => listMaster(c, env(v['saltenv']), str(v['prefix']))),
    'cp.list_states': fn('list_states', [['saltenv', null]], (v) => listStates(c, env(v['saltenv']))),
    'cp.list_master_dirs': fn('list_master_dirs', [['saltenv', null], ['prefix', '']], (v) => listMasterDirs(c, env(v['saltenv']), str(v['prefix']))),
  };
}

/** `__opts__['saltenv'] or 'base'`. */
function pickEnv(c: SaltTemplateContext): string {
  const s = c.opts['saltenv'];
  return typeof s === 'string' && s ? s : 'base';
}
