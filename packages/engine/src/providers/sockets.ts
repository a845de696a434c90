/**
 * Who listens on a TCP port, from /proc (Linux): LISTEN sockets of /proc/net/tcp and tcp6 (the reader's network
 * namespace) by inode, matched against /proc/PID/fd links `socket:[INODE]`. The supervisor's `tcp:` ready check
 * counts only a socket owned by the service's own process tree, so an orphan holding the port cannot fool it.
 */
import * as fs from 'fs';

const LISTEN = '0A';

/** Inodes of the LISTEN sockets on `port` (any local address). */
export function listeningInodes(port: number, procRoot = '/proc'): Set<string> {
  const out = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(`${procRoot}/net/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1]!;
      if (cols[3] === LISTEN && local.slice(local.lastIndexOf(':') + 1) === hexPort && cols[9] !== '0') out.add(cols[9]!);
    }
  }
  return out;
}

function numericDirs(dir: string): number[] {
  try {
    return fs.readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** ppid and session id of a live process (null: gone or a zombie). */
function statOf(pid: number, procRoot: string): { ppid: number; sid: number } | null {
  try {
    const s = fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') return null;
    return { ppid: Number(f[1]), sid: Number(f[3]) };
  } catch {
    return null;
  }
}

/** `root` and every descendant, plus every process of the session `root` leads (a daemon's own session). */
export function processTree(root: number, procRoot = '/proc'): Set<number> {
  const all = numericDirs(procRoot).map((pid) => ({ pid, st: statOf(pid, procRoot) }));
  const tree = new Set<number>([root]);
  for (const p of all) if (p.st && p.st.sid === root) tree.add(p.pid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (p.st && !tree.has(p.pid) && tree.has(p.st.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Pids (among `pids`, or all) holding one of `inodes`. */
export function socketOwners(inodes: Set<string>, pids?: Iterable<number>, procRoot = '/proc'): number[] {
  if (!inodes.size) return [];
  const owners: number[] = [];
  for (const pid of pids ?? numericDirs(procRoot)) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        owners.push(pid);
        break;
      }
    }
  }
  return owners;
}

export function describePid(pid: number, procRoot = '/proc'): string {
  try {
    const cmd = fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return `pid ${pid} (${cmd.slice(0, 80) || '?'})`;
  } catch {
    return `pid ${pid}`;
  }
}

export interface PortCheck {
  /** A LISTEN socket on the port belongs to the tree of `root`. */
  ours: boolean;
  /** Processes outside that tree listening on the port. */
  foreign: number[];
}

export function whoListens(port: number, root: number, procRoot = '/proc'): PortCheck {
  const inodes = listeningInodes(port, procRoot);
  if (!inodes.size) return { ours: false, foreign: [] };
  const tree = processTree(root, procRoot);
  if (socketOwners(inodes, tree, procRoot).length) return { ours: true, foreign: [] };
  return { ours: false, foreign: socketOwners(inodes, undefined, procRoot).filter((p) => !tree.has(p)) };
}
