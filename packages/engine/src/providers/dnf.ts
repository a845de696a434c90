/** Fedora/RHEL packages: rpm -q for what is installed, dnf repoquery for candidates, dnf to change. */
import type { HostReader, HostWriter, PkgProvider } from '../types';

const QF = '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n';

export function rpmQueryArgv(names: string[]): string[] {
  return ['rpm', '-q', '--qf', QF, ...names];
}
export function dnfCandidateArgv(names: string[]): string[] {
  return ['dnf', 'repoquery', '-q', '--latest-limit', '1', '--qf', QF, ...names];
}
export function dnfInstallArgv(pkgs: { name: string; version?: string }[]): string[] {
  return ['dnf', 'install', '-y', '-q', ...pkgs.map((p) => (p.version ? `${p.name}-${p.version.replace(/^0:/, '')}` : p.name))];
}
export function dnfRemoveArgv(names: string[]): string[] {
  return ['dnf', 'remove', '-y', '-q', ...names];
}

/** `NAME\tEPOCH:VERSION-RELEASE` lines (EPOCH `(none)` dropped); "package x is not installed" lines are skipped. */
export function parseRpmLines(out: string, names: string[]): Record<string, string | null> {
  const res: Record<string, string | null> = Object.fromEntries(names.map((n) => [n, null]));
  for (const line of out.split('\n')) {
    const [name, evr] = line.split('\t');
    if (!evr || !(name in res)) continue;
    const v = evr.replace(/^(\(none\)|0):/, '');
    // Several installed versions (kernels): keep the last one listed.
    res[name] = v;
  }
  return res;
}

export class DnfPkgProvider implements PkgProvider {
  readonly name = 'dnf';
  async installed(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    return parseRpmLines((await host.probe(rpmQueryArgv(names))).stdout, names);
  }
  async candidate(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    const r = await host.probe(dnfCandidateArgv(names));
    if (r.code !== 0) throw new Error(`dnf repoquery failed with exit code ${r.code}: ${r.stderr.trim()}`);
    return parseRpmLines(r.stdout, names);
  }
  async install(pkgs: { name: string; version?: string }[], host: HostWriter): Promise<void> {
    if (!pkgs.length) return;
    const r = await host.run(dnfInstallArgv(pkgs));
    if (r.code !== 0) throw new Error(`dnf install failed with exit code ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  /** rpm keeps no configuration of a removed package (changed files are saved as .rpmsave): nothing is residual. */
  async residual(names: string[]): Promise<Record<string, string | null>> {
    return Object.fromEntries(names.map((n) => [n, null]));
  }
  /** Salt's yumpkg.purge is its remove. */
  purge(names: string[], host: HostWriter): Promise<void> {
    return this.remove(names, host);
  }
  async remove(names: string[], host: HostWriter): Promise<void> {
    if (!names.length) return;
    const r = await host.run(dnfRemoveArgv(names));
    if (r.code !== 0) throw new Error(`dnf remove failed with exit code ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
}
