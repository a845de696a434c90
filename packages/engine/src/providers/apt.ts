/** Debian/Ubuntu packages: dpkg-query for what is installed, apt-cache policy for candidates, apt-get to change. */
import type { ExecResult, HostReader, HostWriter, PkgProvider } from '../types';

export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none' };

/** Wait for the dpkg lock (another apt run, unattended-upgrades) instead of failing at once. */
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=300'];

export function aptInstallArgv(pkgs: { name: string; version?: string }[]): string[] {
  return [
    'apt-get', 'install', '-y', '--no-install-recommends', '-q', ...LOCK_WAIT,
    '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
    // Pinning to an older version is a downgrade for apt.
    ...(pkgs.some((p) => p.version) ? ['--allow-downgrades'] : []),
    ...pkgs.map((p) => (p.version ? `${p.name}=${p.version}` : p.name)),
  ];
}

export function aptRemoveArgv(names: string[], action: 'remove' | 'purge' = 'remove'): string[] {
  return ['apt-get', action, '-y', '-q', ...LOCK_WAIT, ...names];
}

export function dpkgQueryArgv(names: string[]): string[] {
  return ['dpkg-query', '-W', '-f', '${Package}\\t${Status}\\t${Version}\\n', ...names];
}

/** dpkg-query output -> installed versions (only packages whose status is `install ok installed`). */
export function parseDpkgQuery(out: string, names: string[]): Record<string, string | null> {
  const res: Record<string, string | null> = Object.fromEntries(names.map((n) => [n, null]));
  for (const line of out.split('\n')) {
    const [pkg, status, version] = line.split('\t');
    if (!pkg || !(pkg in res)) continue;
    if (status?.endsWith(' installed') && !status.includes('not-installed') && version) res[pkg] = version;
  }
  return res;
}

/**
 * dpkg-query output -> versions of packages removed with their configuration files left (`deinstall ok
 * config-files`; Salt's list_pkgs(removed=True)).
 */
export function parseDpkgResidual(out: string, names: string[]): Record<string, string | null> {
  const res: Record<string, string | null> = Object.fromEntries(names.map((n) => [n, null]));
  for (const line of out.split('\n')) {
    const [pkg, status, version] = line.split('\t');
    if (!pkg || !(pkg in res) || !version || !status) continue;
    const [want, , state] = status.split(' ');
    if (want === 'deinstall' && state !== 'installed') res[pkg] = version;
  }
  return res;
}

/** `apt-cache policy a b` -> candidate versions. */
export function parseAptPolicy(out: string, names: string[]): Record<string, string | null> {
  const res: Record<string, string | null> = Object.fromEntries(names.map((n) => [n, null]));
  let cur: string | null = null;
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      const bare = head[1].replace(/:[a-z0-9]+$/, ''); // `name:arch` on multiarch hosts
      cur = head[1] in res ? head[1] : bare;
      continue;
    }
    const cand = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (cand && cur !== null && cur in res) res[cur] = cand[1] === '(none)' ? null : cand[1];
  }
  return res;
}

function fail(what: string, r: ExecResult): Error {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n');
  return new Error(`${what} failed with exit code ${r.code}${tail ? `:\n${tail}` : ''}`);
}

export class AptPkgProvider implements PkgProvider {
  readonly name = 'apt';

  async installed(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    // dpkg-query exits 1 when some package is unknown; its output for the others is still valid.
    const r = await host.probe(dpkgQueryArgv(names));
    return parseDpkgQuery(r.stdout, names);
  }

  async candidate(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    const r = await host.probe(['apt-cache', 'policy', ...names], { env: { LANG: 'C', LC_ALL: 'C' } });
    if (r.code !== 0) throw fail('apt-cache policy', r);
    return parseAptPolicy(r.stdout, names);
  }

  async install(pkgs: { name: string; version?: string }[], host: HostWriter): Promise<void> {
    if (pkgs.length === 0) return;
    const r = await host.run(aptInstallArgv(pkgs), { env: APT_ENV });
    if (r.code !== 0) throw fail(`apt-get install ${pkgs.map((p) => p.name).join(' ')}`, r);
  }

  async residual(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    return parseDpkgResidual((await host.probe(dpkgQueryArgv(names))).stdout, names);
  }

  remove(names: string[], host: HostWriter): Promise<void> {
    return this.uninstall('remove', names, host);
  }

  purge(names: string[], host: HostWriter): Promise<void> {
    return this.uninstall('purge', names, host);
  }

  private async uninstall(action: 'remove' | 'purge', names: string[], host: HostWriter): Promise<void> {
    if (names.length === 0) return;
    const r = await host.run(aptRemoveArgv(names, action), { env: APT_ENV });
    if (r.code !== 0) throw fail(`apt-get ${action} ${names.join(' ')}`, r);
  }
}
