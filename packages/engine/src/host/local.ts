/**
 * The local host: a read-only view (`LocalHostReader`) for checks and a mutating one (`LocalHostWriter`)
 * that only the engine constructs for a real run.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { promises as fsp, Stats } from 'fs';
import * as path from 'path';
import execa from 'execa';
import type { ExecOptions, ExecResult, FileInfo, GroupInfo, HostReader, HostWriter, UserInfo } from '../types';

function toInfo(st: Stats): FileInfo {
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';
  return { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size };
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ESRCH'; // ESRCH: a /proc/<pid> entry whose process just exited
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

function infoOrNull(stat: (p: string, o: { throwIfNoEntry: false }) => Stats | undefined, p: string): FileInfo | null {
  try {
    const st = stat(p, { throwIfNoEntry: false });
    return st ? toInfo(st) : null;
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** Runs a command without ever throwing on a non-zero exit; throws only when it cannot be spawned. */
export async function execCommand(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
  let file: string;
  let args: string[];
  if (typeof cmd === 'string') {
    file = opts.shell ?? '/bin/sh';
    args = ['-c', cmd];
  } else {
    if (cmd.length === 0) throw new Error('exec: empty command (give a string or a non-empty argv list)');
    [file, ...args] = cmd;
  }
  if (opts.runas) {
    const me = process.getuid?.();
    if (me !== 0) throw new Error(`exec: cannot run as ${opts.runas}: not running as root (run the minion as root or drop runas)`);
    args = ['-u', opts.runas, '--', file, ...args];
    file = 'runuser';
  }
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    input: opts.input,
    timeout: opts.timeoutMs,
    reject: false,
    stripFinalNewline: true,
    stdin: opts.input === undefined ? 'ignore' : undefined,
  });
  const pid = child.pid;
  // Our own clock too: on a loaded host execa can report the kill its timeout made as a plain SIGTERM (seen once in
  // a test: 143 instead of 124).
  let expired = false;
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => (expired = true), opts.timeoutMs);
  const r = await child;
  clearTimeout(timer);
  if (typeof r.exitCode === 'number') return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, pid };
  if (r.timedOut || (expired && r.signal === 'SIGTERM')) {
    return { code: 124, stdout: r.stdout, stderr: `${r.stderr}${r.stderr ? '\n' : ''}timed out after ${opts.timeoutMs} ms`, pid };
  }
  if (r.signal) return { code: 128 + (SIGNALS[r.signal] ?? 0), stdout: r.stdout, stderr: r.stderr, pid };
  const shown = typeof cmd === 'string' ? cmd : cmd.join(' ');
  throw new Error(`exec: cannot run ${JSON.stringify(shown)}: ${(r as { shortMessage?: string }).shortMessage || 'spawn failed'}`);
}

export function parsePasswd(text: string): UserInfo[] {
  const out: UserInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    out.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), gecos: f[4], home: f[5], shell: f[6] });
  }
  return out;
}

export function parseGroup(text: string): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',').filter(Boolean) : [] });
  }
  return out;
}

/**
 * Metadata calls are synchronous: a run does several per state, and a trip through libuv's thread pool costs ten
 * times the system call (a 100,000-state run waited seconds on it). Runs never share a minion's event loop.
 */
export class LocalHostReader implements HostReader {
  async readFile(p: string): Promise<Buffer | null> {
    return orNull(fsp.readFile(p));
  }
  async lstat(p: string): Promise<FileInfo | null> {
    return infoOrNull(fs.lstatSync, p);
  }
  async stat(p: string): Promise<FileInfo | null> {
    return infoOrNull(fs.statSync, p);
  }
  async readlink(p: string): Promise<string | null> {
    try {
      return fs.readlinkSync(p);
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'EINVAL') return null;
      throw e;
    }
  }
  async readdir(p: string): Promise<string[] | null> {
    const r = await orNull(fsp.readdir(p));
    return r && r.sort();
  }
  probe(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    return execCommand(cmd, opts);
  }
  async user(name: string): Promise<UserInfo | null> {
    const text = (await this.readFile('/etc/passwd'))?.toString('utf8') ?? '';
    return parsePasswd(text).find((u) => u.name === name) ?? null;
  }
  async group(name: string): Promise<GroupInfo | null> {
    const text = (await this.readFile('/etc/group'))?.toString('utf8') ?? '';
    return parseGroup(text).find((g) => g.name === name) ?? null;
  }
}

function tempName(p: string, tag = 'brine-tmp'): string {
  return path.join(path.dirname(p), `.${path.basename(p)}.${tag}-${randomBytes(6).toString('hex')}`);
}

export class LocalHostWriter extends LocalHostReader implements HostWriter {
  async writeFileAtomic(p: string, data: Buffer | string, opts: { mode?: number; uid?: number; gid?: number } = {}): Promise<void> {
    const old = await this.stat(p);
    const tmp = tempName(p);
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, 'wx', 0o600);
      await fh.writeFile(data);
      await fh.sync();
      await fh.close();
      fh = undefined;
      await fsp.chmod(tmp, opts.mode ?? old?.mode ?? 0o644);
      const uid = opts.uid ?? old?.uid;
      const gid = opts.gid ?? old?.gid;
      if (uid !== undefined || gid !== undefined) await fsp.chown(tmp, uid ?? -1, gid ?? -1);
      await fsp.rename(tmp, p);
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw new Error(`write ${p}: ${(e as Error).message}`, { cause: e });
    }
    // Best effort: persist the rename itself.
    const dir = await fsp.open(path.dirname(p), 'r').catch(() => undefined);
    if (dir) await dir.sync().catch(() => undefined).finally(() => dir.close());
  }

  async mkdir(p: string, opts: { mode?: number; recursive?: boolean; uid?: number; gid?: number } = {}): Promise<void> {
    // Collect the directories we are about to create, so mode and owner apply to each of them.
    const created: string[] = [];
    let cur = path.resolve(p);
    while (!(await this.lstat(cur))) {
      created.unshift(cur);
      if (!opts.recursive) break;
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
    for (const d of created) {
      try {
        await fsp.mkdir(d);
      } catch (e) {
        // Another process made it since we looked (os.makedirs' exist_ok): fine if it is a directory now.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || (await this.stat(d))?.type !== 'directory') throw e;
      }
      if (opts.mode !== undefined) await fsp.chmod(d, opts.mode);
      if (opts.uid !== undefined || opts.gid !== undefined) await fsp.chown(d, opts.uid ?? -1, opts.gid ?? -1);
    }
  }
  async chmod(p: string, mode: number): Promise<void> {
    await fsp.chmod(p, mode);
  }
  async chown(p: string, uid: number, gid: number): Promise<void> {
    await fsp.lchown(p, uid, gid);
  }
  async remove(p: string): Promise<void> {
    await fsp.rm(p, { recursive: true, force: true });
  }
  async symlink(target: string, p: string): Promise<void> {
    const tmp = tempName(p, 'brine-lnk');
    await fsp.symlink(target, tmp);
    try {
      await fsp.rename(tmp, p);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw new Error(`symlink ${p} -> ${target}: ${(e as Error).message}`, { cause: e });
    }
  }
  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(from, to);
  }
  run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    return execCommand(cmd, opts);
  }
}
