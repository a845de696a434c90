/**
 * file.find (Salt 3006 salt/modules/file.py find, salt/utils/find.py Finder), the find(1)-like search formulas call
 * from templates (`salt['file.find'](dir, type='f', iregex='.*deb$') | count`). Criteria: name, iname (globs: `*`,
 * `?`), regex, iregex (Python regexes, matched at the start of the name), type (f d l b c p s), size (`+1k`, `-2m`,
 * `10`), mtime (`-1d`: changed within a day), grep (a regex in the contents); mindepth, maxdepth; print (path, name,
 * size, type, mode, mtime, user, group, md5). The result is sorted, as Salt sorts it. `delete` and `exec` (which act
 * on what they find) are refused: Brine does not run them from a search.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, globMatch, type Dict } from '@brine/core';
import { pyRegex } from '@brine/render';

type Stat = fs.Stats;
type Criterion = { stat: boolean; match: (dir: string, name: string, st: Stat | undefined) => boolean };

const TYPES: Record<string, (s: Stat) => boolean> = {
  b: (s) => s.isBlockDevice(),
  c: (s) => s.isCharacterDevice(),
  d: (s) => s.isDirectory(),
  p: (s) => s.isFIFO(),
  f: (s) => s.isFile(),
  l: (s) => s.isSymbolicLink(),
  s: (s) => s.isSocket(),
};
const typeLetter = (s: Stat): string => Object.entries(TYPES).find(([, t]) => t(s))?.[0] ?? '?';

/** Salt's NameOption: `.` literal, `?` any one character or none, `*` anything; anchored at both ends. */
function globRegex(glob: string, ignorecase: boolean) {
  return pyRegex(glob.replace(/\./g, '\\.').replace(/\?/g, '.?').replace(/\*/g, '.*') + '$', { ignorecase });
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `[+-]N[bkmgt]`: at least / at most / about N units (Salt's _parse_size). */
function sizeRange(v: string): [number, number] {
  const m = /^([+-]?)(\d+)([bkmgt]?)$/i.exec(v.trim());
  if (!m) throw new UsageError(`file.find: invalid size "${v}"`);
  const unit = SIZE_UNITS[(m[3] || 'b').toLowerCase()]!;
  const n = Number(m[2]) * unit;
  if (m[1] === '-') return [0, n];
  if (m[1] === '+') return [n, Number.MAX_SAFE_INTEGER];
  return [n - unit + 1, n];
}

const INTERVAL: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function criteria(opts: Dict): Criterion[] {
  const out: Criterion[] = [];
  for (const [key, raw] of Object.entries(opts)) {
    if (raw === undefined || raw === null || raw === '' || raw === false) throw new UsageError(`file.find: missing value for "${key}" option`);
    const v = String(raw);
    switch (key) {
      case 'name':
      case 'iname': {
        const re = globRegex(v, key === 'iname');
        out.push({ stat: false, match: (_d, n) => re.match(n) !== null });
        break;
      }
      case 'regex':
      case 'iregex': {
        const re = pyRegex(v, { ignorecase: key === 'iregex' });
        out.push({ stat: false, match: (_d, n) => re.match(n) !== null });
        break;
      }
      case 'type': {
        const letters = v.replace(/[\s,]/g, '').split('');
        for (const l of letters) if (!TYPES[l]) throw new UsageError(`file.find: invalid file type "${l}"`);
        out.push({ stat: true, match: (_d, _n, s) => s !== undefined && letters.some((l) => TYPES[l]!(s)) });
        break;
      }
      case 'size': {
        const [lo, hi] = sizeRange(v);
        out.push({ stat: true, match: (_d, _n, s) => s !== undefined && s.size >= lo && s.size <= hi });
        break;
      }
      case 'mtime': {
        const m = /^([+-]?)(\d+)([smhdw]?)$/.exec(v.trim());
        if (!m) throw new UsageError(`file.find: invalid mtime "${v}"`);
        const res = INTERVAL[m[3] || 'd']!;
        const at = Date.now() / 1000 - Number(m[2]) * res;
        out.push({ stat: true, match: (_d, _n, s) => s !== undefined && (m[1] === '-' ? s.mtimeMs / 1000 >= at : s.mtimeMs / 1000 <= at) });
        break;
      }
      case 'grep': {
        const re = pyRegex(v);
        out.push({ stat: true, match: (d, n, s) => s !== undefined && s.isFile() && re.search(fs.readFileSync(path.join(d, n), 'latin1')) !== null });
        break;
      }
      case 'print':
        break;
      case 'delete':
      case 'exec':
        throw new UsageError(`file.find: ${key} is not available in Brine (it would act on what the search finds); use file.absent or cmd.run`);
      default:
        if (!key.startsWith('_')) throw new UsageError(`file.find: invalid option "${key}"`);
    }
  }
  return out;
}

function printed(full: string, st: Stat | undefined, fmt: string[]): unknown {
  const one = (f: string): unknown => {
    switch (f) {
      case 'path':
        return full;
      case 'name':
        return path.basename(full);
      case 'size':
        return st?.size ?? 0;
      case 'type':
        return st ? typeLetter(st) : '?';
      case 'mode':
        return st ? st.mode & 0o777 : 0;
      case 'mtime':
        return st ? Math.floor(st.mtimeMs / 1000) : 0;
      case 'user':
        return st?.uid;
      case 'group':
        return st?.gid;
      case 'md5':
        return st?.isFile() ? createHash('md5').update(fs.readFileSync(full)).digest('hex') : '';
      default:
        throw new UsageError(`file.find: invalid print format "${f}"`);
    }
  };
  const r = fmt.map(one);
  return r.length === 1 ? r[0] : r;
}

/** The blocking search (templates; the job's file.find runs it too: a find is bounded by the tree it is given). */
export function findFiles(pattern: string, args: unknown[], kwargs: Dict): unknown[] {
  const opts: Dict = Object.fromEntries(Object.entries(kwargs).filter(([k]) => !k.startsWith('__')));
  if (args.includes('delete')) opts['delete'] = 'f';
  else if (args.includes('print')) opts['print'] = 'path';
  const mindepth = opts['mindepth'] === undefined ? 0 : Number(opts['mindepth']);
  const maxdepth = opts['maxdepth'] === undefined ? undefined : Number(opts['maxdepth']);
  delete opts['mindepth'];
  delete opts['maxdepth'];
  delete opts['test'];
  const tests = criteria(opts);
  const fmt = opts['print'] ? String(opts['print']).replace(/,/g, ' ').split(/\s+/).filter(Boolean) : ['path'];
  const needStat = tests.some((t) => t.stat) || fmt.some((f) => f !== 'path' && f !== 'name');
  const out: unknown[] = [];
  const check = (dir: string, name: string, full: string): void => {
    let st: Stat | undefined;
    if (needStat) {
      try {
        st = fs.lstatSync(full);
      } catch {
        return;
      }
    }
    if (tests.every((t) => t.match(dir, name, st))) out.push(printed(full, st, fmt));
  };
  const expanded = pattern.startsWith('~') ? path.join(process.env['HOME'] ?? '/root', pattern.slice(1)) : pattern;
  for (const root of globPaths(expanded)) {
    if (mindepth < 1) check(path.dirname(root), path.basename(root), root);
    const walk = (dir: string, depth: number): void => {
      if (maxdepth !== undefined && depth > maxdepth) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      const dirs = entries.filter((e) => e.isDirectory());
      if (depth >= mindepth) for (const e of [...dirs, ...entries.filter((x) => !x.isDirectory())]) check(dir, e.name, path.join(dir, e.name));
      for (const d of dirs) walk(path.join(dir, d.name), depth + 1);
    };
    walk(root, 1);
  }
  return out.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/** Python's glob.glob for an absolute pattern: the existing paths it matches (the path itself when it has no glob). */
function globPaths(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return fs.existsSync(pattern) ? [pattern] : [];
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let cur = [parts[0] === '' ? '/' : '.'];
  for (const part of parts.slice(1)) {
    const next: string[] = [];
    for (const base of cur) {
      if (!/[*?[]/.test(part)) {
        const p = path.join(base, part);
        if (fs.existsSync(p)) next.push(p);
        continue;
      }
      let names: string[] = [];
      try {
        names = fs.readdirSync(base);
      } catch {
        /* not a directory */
      }
      for (const n of names) if ((!n.startsWith('.') || part.startsWith('.')) && globMatch(part, n)) next.push(path.join(base, n));
    }
    cur = next;
  }
  return cur.sort();
}
