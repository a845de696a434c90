/** cp.list_master / cp.list_master_dirs / cp.list_states: the files and directories of a saltenv's file roots, sorted as Salt sorts them. */
import * as fs from 'fs';
import * as path from 'path';
import type { FileRoots } from '@brine/core';
import type { FunctionTable, SaltTemplateContext } from './context';
import { codePointCompare, fn, str } from './py';
import { slsNames } from '../sls/names';

function rootsOf(c: SaltTemplateContext, saltenv: string): FileRoots | null {
  if (saltenv === c.saltenv) return c.roots;
  return c.rootsFor ? c.rootsFor(saltenv) : null;
}

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

export function cpFunctions(c: SaltTemplateContext): FunctionTable {
  const env = (v: unknown): string => (v ? str(v) : pickEnv(c));
  return {
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
