/**
 * A throwaway PostgreSQL server for tests and `brine demo --cluster`: `initdb` into a temporary directory, `pg_ctl start` on a free port
 * (TCP on 127.0.0.1, its socket in the same directory), a role with a password and databases for the tests (or the demo).
 * Run as the `postgres` user when the tests run as root (PostgreSQL refuses root). The binaries are Debian's,
 * found under /usr/lib/postgresql/<version>/bin (not on PATH there); BRINE_PG_BIN overrides.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { freePort } from './fleet';

export interface PgServer {
  /** DSN of the test database (`brine`), as the test role with its password over TCP. */
  dsn: string;
  port: number;
  /** The test role's password. */
  password: string;
  /** A new empty database owned by the test role; its DSN. */
  newDatabase(name: string): Promise<string>;
  /** Stop the server, keeping its data (`pg_ctl stop -m fast`). */
  pause(): Promise<void>;
  /** Start it again on the same port after `pause()`. */
  resume(): Promise<void>;
  /** Stop the server (if running) and remove its directory. */
  stop(): Promise<void>;
}

/** The newest PostgreSQL server binaries installed (Debian: /usr/lib/postgresql/<major>/bin). */
export function pgBinDir(): string {
  const forced = process.env.BRINE_PG_BIN;
  if (forced) return forced;
  const root = '/usr/lib/postgresql';
  const versions = (fs.existsSync(root) ? fs.readdirSync(root) : [])
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no PostgreSQL server found under ${root}/*/bin (run scripts/install-deps.sh, which installs Debian's postgresql)`);
  return path.join(root, versions[0]!, 'bin');
}

/** Run a PostgreSQL program (as `asUser` when given) in `cwd`, a directory that user can enter. */
function run(cmd: string, args: string[], asUser: string | null, cwd: string, timeoutMs = 60_000): Promise<string> {
  const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: timeoutMs, encoding: 'utf8', cwd }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('the postgres user does not exist (install Debian\'s postgresql: scripts/install-deps.sh)');
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** Kill a server whose pg_ctl could not stop it (its pid is the first line of postmaster.pid). */
function killLeftover(data: string): void {
  try {
    const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    /* not running */
  }
}

/** Data directories of servers this process started and has not stopped: killed if the process exits first. */
const running = new Set<string>();
process.on('exit', () => {
  for (const data of running) killLeftover(data);
});

/** A parent directory the postgres user can reach (a root-only TMPDIR is not one). */
function tempRoot(asUser: string | null): string {
  const t = os.tmpdir();
  return asUser && (fs.statSync(t).mode & 0o001) === 0 ? '/tmp' : t;
}

export async function startPostgres(): Promise<PgServer> {
  const bin = pgBinDir();
  const asUser = process.getuid?.() === 0 ? 'postgres' : null;
  const dir = fs.mkdtempSync(path.join(tempRoot(asUser), 'brine-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  if (asUser) {
    const { uid, gid } = postgresIds();
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const ctl = (args: string[]) => run(path.join(bin, 'pg_ctl'), args, asUser, dir);
  let up = false;
  const start = async () => {
    running.add(data);
    await ctl(['start', '-w', '-t', '60', '-D', data, '-l', logFile, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`]);
    up = true;
  };
  const halt = async (mode: 'fast' | 'immediate') => {
    if (!up) return;
    try {
      await ctl(['stop', '-w', '-t', '30', '-D', data, '-m', mode]);
    } catch {
      killLeftover(data);
    }
    up = false;
    running.delete(data);
  };
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const admin = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ host: dir, port, user: 'postgres', database: 'postgres' });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const newDatabase = async (name: string): Promise<string> => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`test database name '${name}' is not a plain identifier`);
    await admin((c) => c.query(`CREATE DATABASE ${name} OWNER brine_test`));
    return `postgresql://brine_test:${password}@127.0.0.1:${port}/${name}`;
  };
  try {
    await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256'], asUser, dir);
    await start();
    await admin((c) => c.query(`CREATE ROLE brine_test LOGIN PASSWORD '${password}'`));
    const dsn = await newDatabase('brine');
    return {
      dsn,
      port,
      password,
      newDatabase,
      pause: () => halt('fast'),
      resume: start,
      stop: async () => {
        await halt('immediate');
        remove();
      },
    };
  } catch (e) {
    await halt('immediate');
    killLeftover(data);
    running.delete(data);
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    remove();
    throw new Error(`could not start a test PostgreSQL server: ${(e as Error).message}${log ? `\nserver log:\n${log}` : ''}`);
  }
}
