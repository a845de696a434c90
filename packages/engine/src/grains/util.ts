/** Small synchronous file helpers for the grain collectors: every read is best effort (a missing or unreadable file is `undefined`). */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, type Stats } from 'fs';
import { join } from 'path';

/** A file's text, or undefined. Missing files are checked first: a thrown ENOENT costs far more than the check. */
export function readText(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The first line of a sysfs-style file, trimmed (Salt's `fh.read().strip()`). */
export function readTrim(file: string): string | undefined {
  const t = readText(file);
  return t === undefined ? undefined : t.trim();
}

export function statOf(p: string): Stats | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export const isFile = (p: string): boolean => statOf(p)?.isFile() ?? false;
export const isDir = (p: string): boolean => statOf(p)?.isDirectory() ?? false;
export const exists = (p: string): boolean => statOf(p) !== undefined;

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isExecutable(p: string): boolean {
  const st = statOf(p);
  if (!st?.isFile()) return false;
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Directories `salt.utils.path.which` appends to $PATH on POSIX when they are missing from it. */
const EXTRA_PATH = ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
const whichMemo = new Map<string, string | null>();

/** `salt.utils.path.which`: an executable `name` (as given, then on $PATH plus the usual system dirs), memoised per process. */
export function which(name: string): string | undefined {
  const envPath = process.env['PATH'] ?? '';
  const key = `${envPath}\0${name}`;
  const hit = whichMemo.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let found: string | null = null;
  if (name.includes('/')) {
    found = isExecutable(name) ? name : null;
  } else {
    const dirs = envPath.split(':');
    const seen = new Set(dirs);
    for (const d of EXTRA_PATH) if (!seen.has(d)) dirs.push(d);
    for (const d of dirs) {
      const full = join(d || '.', name);
      if (isExecutable(full)) {
        found = full;
        break;
      }
    }
  }
  whichMemo.set(key, found);
  return found ?? undefined;
}

/** Test hook: forget memoised PATH look-ups. */
export function clearWhichMemo(): void {
  whichMemo.clear();
}

/** The look-ups done so far under the current $PATH (saved with the probe cache). */
export function whichTable(): Record<string, string | null> {
  const prefix = `${process.env['PATH'] ?? ''}\0`;
  const out: Record<string, string | null> = {};
  for (const [k, v] of whichMemo) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Pre-load look-ups from a still-valid probe cache (its key covers $PATH and the PATH directories' mtimes). */
export function seedWhich(table: Record<string, string | null>): void {
  const prefix = `${process.env['PATH'] ?? ''}\0`;
  for (const [name, v] of Object.entries(table)) if (!whichMemo.has(prefix + name)) whichMemo.set(prefix + name, v);
}

/** Identity of every directory `which` searches: a package install or removal changes its mtime. */
export function pathDirStamps(): string[] {
  const dirs = [...new Set([...(process.env['PATH'] ?? '').split(':'), ...EXTRA_PATH])];
  return dirs.map((d) => {
    const st = statOf(d || '.');
    return st ? `${st.ino}:${Math.floor(st.mtimeMs)}` : '-';
  });
}
