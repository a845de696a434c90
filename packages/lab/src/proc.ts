/** Process helpers: run a command, check a pid, kill by pid (never by name). */
import execa from 'execa';
import * as fs from 'fs';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  const r = await execa(argv[0], argv.slice(1), {
    reject: false,
    input: opts.input,
    timeout: opts.timeoutMs ?? 30000,
    env: opts.env,
    stripFinalNewline: false,
  });
  return { code: r.exitCode ?? (r.timedOut ? 124 : 1), stdout: r.stdout, stderr: r.stderr };
}

export async function mustRun(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`lab: ${argv.join(' ')} failed with exit code ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks): tells a live pid from a reused one. */
export function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return null;
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

export function alive(pid: number, start?: string): boolean {
  const st = startTime(pid);
  return st !== null && (start === undefined || st === start);
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Only the given pid (it must still have `start` as start time). */
export async function killPid(pid: number, start?: string, graceMs = 3000, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid, start)) return;
  try {
    process.kill(pid, sig);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid, start) && Date.now() < deadline) await sleep(25);
  if (alive(pid, start)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    const hard = Date.now() + 2000;
    while (alive(pid, start) && Date.now() < hard) await sleep(25);
  }
}
