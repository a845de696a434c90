/** Small synchronous file helpers shared by the daemons' stores and caches. */
import * as fs from 'fs';
import * as path from 'path';

/** Write via a temp file in the same directory and rename: readers see the old or the new file, never half of one. */
export function writeFileAtomicSync(file: string, data: string | Buffer, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, data, { mode });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** The parsed JSON in `file`, or undefined when it is missing or damaged (caches that start over when unreadable). */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Every entry below `dir` (depth first), with its path relative to `dir` using `/`. Unreadable dirs are skipped. */
export function walkTree(dir: string, visit: (rel: string, entry: fs.Dirent, abs: string) => void, prefix = ''): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) walkTree(abs, visit, rel);
    else visit(rel, e, abs);
  }
}
