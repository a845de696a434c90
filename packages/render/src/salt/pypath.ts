/** Python's posixpath (normpath, join, dirname, basename, expanduser) and salt.utils.path.which. */
import * as fs from 'fs';
import * as os from 'os';

export function normpath(path: string): string {
  if (path === '') return '.';
  let initial = path.startsWith('/') ? 1 : 0;
  if (initial && path.startsWith('//') && !path.startsWith('///')) initial = 2;
  const out: string[] = [];
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (!initial && !out.length) || (out.length && out[out.length - 1] === '..')) out.push(comp);
    else if (out.length) out.pop();
  }
  const p = '/'.repeat(initial) + out.join('/');
  return p || '.';
}

export function join(a: string, ...rest: string[]): string {
  let path = a;
  for (const b of rest) {
    if (b.startsWith('/')) path = b;
    else if (!path || path.endsWith('/')) path += b;
    else path += '/' + b;
  }
  return path;
}

/** salt.utils.path.join (the `path_join` filter): each part normalised, later parts made relative, the whole normalised. */
export function saltPathJoin(partsIn: string[]): string {
  const parts = partsIn.map(normpath);
  if (!parts.length) return '';
  const [root, ...others] = parts;
  if (!others.length) return root!;
  return normpath(join(root!, ...others.map((p) => p.replace(/^\/+/, ''))));
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function expanduser(p: string): string {
  if (!p.startsWith('~')) return p;
  const i = p.indexOf('/', 1);
  const user = p.slice(1, i < 0 ? undefined : i);
  let home: string | undefined;
  if (!user) home = process.env['HOME'] ?? os.homedir();
  else {
    try {
      const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[0] === user);
      home = line?.split(':')[5];
    } catch {
      home = undefined;
    }
  }
  if (home === undefined) return p;
  home = home.replace(/\/+$/, '');
  return (home + (i < 0 ? '' : p.slice(i))) || '/';
}

function isExecutable(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** salt.utils.path.which: the command itself when executable, else the first PATH entry (plus the sbin dirs) that has it. */
export function which(exe: string): string | null {
  if (!exe) return null;
  const systemPath = (process.env['PATH'] ?? '').split(':');
  const seen = new Set(systemPath);
  for (const p of ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) if (!seen.has(p)) systemPath.push(p);
  if (isExecutable(exe)) return exe;
  for (const dir of systemPath) {
    const p = join(dir, exe);
    let real = p;
    try {
      real = fs.realpathSync(p);
    } catch {
      /* a dangling link is not executable */
    }
    if (isExecutable(real)) return p;
  }
  return null;
}
