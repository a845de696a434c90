/** SLS names and files: `a.b` lives in `a/b.sls` or `a/b/init.sls`; relative includes (`.x`, `..y`) like Salt. */
import { globMatch, type FileRoots } from '@brine/core';
import { codePointCompare } from '../salt/py';

export interface SlsFile {
  sls: string;
  /** Path relative to the file roots, e.g. `web/init.sls`. */
  file: string;
  text: string;
}

/** The candidate files for an SLS name, in Salt's preference order. */
export function slsCandidates(sls: string): string[] {
  const base = sls.split('.').join('/');
  return [`${base}.sls`, `${base}/init.sls`];
}

/** Find and read an SLS; null when neither candidate exists. */
export function findSls(roots: FileRoots, sls: string): SlsFile | null {
  if (!/^[\w-]+(\.[\w-]+)*$/.test(sls)) return null;
  for (const file of slsCandidates(sls)) {
    const buf = roots.read(file);
    if (buf !== null) return { sls, file, text: buf.toString('utf8') };
  }
  return null;
}

/** Every SLS name in the roots (Salt's fileclient list_states): `a/b.sls` is `a.b`, `a/init.sls` is `a`; sorted. */
export function slsNames(roots: FileRoots): string[] {
  const out = new Set<string>();
  for (const f of roots.list()) {
    if (!f.endsWith('.sls')) continue;
    const dotted = f.split('/').join('.');
    out.add(f.endsWith('/init.sls') ? dotted.slice(0, -9) : dotted.slice(0, -4));
  }
  return [...out].sort(codePointCompare);
}

/**
 * An SLS name as a top file, `include:` or state.sls gives it, matched as Salt matches it (`fnmatch.filter` over the
 * available SLS names): `web.*` is every SLS under `web`; a name that matches nothing stays itself, so that loading
 * it reports the missing file.
 */
export function expandSls(pattern: string, avail: () => string[]): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const hits = avail().filter((n) => globMatch(pattern, n));
  return hits.length ? hits : [pattern];
}

/**
 * Resolve an include entry relative to the including SLS, as Salt does: each leading dot goes one package up
 * from the including file's own package (`web/init.sls` counts as `web.init`). Null when it goes above the top.
 */
export function resolveInclude(entry: string, fromSls: string, fromFile: string): string | null {
  const m = /^(\.+)(.*)$/.exec(entry);
  if (!m) return entry;
  const levels = m[1]!.length;
  const comps = fromSls.split('.');
  if (fromFile.endsWith('/init.sls') || fromFile === 'init.sls') comps.push('init');
  if (levels > comps.length) return null;
  const parts = [...comps.slice(0, comps.length - levels), ...(m[2] ? [m[2]] : [])];
  return parts.length ? parts.join('.') : null;
}

/**
 * Template variables Salt sets for a file (salt/utils/templates.py generate_sls_context): `tplpath`, `tplfile`,
 * `tpldir`, `tpldot`, and for an SLS `sls`, `slspath`, `sls_path`, `slsdotpath`, `slscolonpath`. There is no
 * `tplroot`: formulas set it themselves (`{%- set tplroot = tpldir.split('/')[0] %}`).
 */
export function fileVars(file: string, sls?: string, abs?: string | null): Record<string, string> {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  const vars: Record<string, string> = {
    tplfile: file,
    tpldir: dir,
    // Salt: the file's absolute path on the host that renders it (a minion's is in its file cache).
    tplpath: abs ?? file,
    tpldot: dir === '.' ? '' : dir.replace(/\//g, '.'),
  };
  if (sls !== undefined) {
    const slsDir = dir === '.' ? '' : dir;
    Object.assign(vars, {
      sls,
      slspath: slsDir,
      sls_path: slsDir.replace(/\//g, '_'),
      slsdotpath: slsDir.replace(/\//g, '.'),
      slscolonpath: slsDir.replace(/\//g, ':'),
    });
  }
  return vars;
}
