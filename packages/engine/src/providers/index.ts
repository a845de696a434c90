/** Provider selection: systemd or the supervisor for services; apt, dnf (or the fake) for packages. */
import { existsSync } from 'fs';
import * as path from 'path';
import type { PkgProvider, Providers, ServiceProvider } from '../types';
import { AptPkgProvider } from './apt';
import { DnfPkgProvider } from './dnf';
import { FakePkgProvider } from './fake-pkg';
import { SupervisorServiceProvider, type SupervisorOptions } from './supervisor';
import { SystemdServiceProvider } from './systemd';

export { AptPkgProvider, DnfPkgProvider, FakePkgProvider, SupervisorServiceProvider, SystemdServiceProvider };
export type { SupervisorOptions };

type Exists = (p: string) => boolean;

/** systemd when it is running (/run/systemd/system exists), else the supervisor. */
export function chooseServiceProvider(opts: SupervisorOptions = {}, exists: Exists = existsSync): ServiceProvider {
  return exists('/run/systemd/system') ? new SystemdServiceProvider() : new SupervisorServiceProvider(opts);
}

/** apt when /usr/bin/apt-get exists, dnf when /usr/bin/dnf exists; otherwise a clear error. */
export function choosePkgProvider(exists: Exists = existsSync): PkgProvider {
  if (exists('/usr/bin/apt-get')) return new AptPkgProvider();
  if (exists('/usr/bin/dnf')) return new DnfPkgProvider();
  throw new Error('No package provider for this host: neither /usr/bin/apt-get nor /usr/bin/dnf exists (set providers: {pkg: fake} for a lab)');
}

/**
 * Providers from minion options. `providers:` may force a choice, Salt-style:
 *   providers: {pkg: apt|dnf|fake, service: systemd|supervisor, pkg_db: /path/db.json, run_dir: /run/brine/services}
 * `services_dir` is the supervisor's definitions directory. The package provider is chosen lazily so a host
 * without apt/dnf can still run states that do not touch packages.
 */
export function chooseProviders(
  opts: { providers?: Record<string, unknown>; services_dir?: string; cachedir?: string } = {},
  exists: Exists = existsSync,
): Providers {
  const conf = opts.providers ?? {};
  const str = (k: string) => (typeof conf[k] === 'string' ? (conf[k] as string) : undefined);
  const sup: SupervisorOptions = { servicesDir: opts.services_dir, runDir: str('run_dir') };
  const svcName = str('service');
  let service: ServiceProvider;
  if (svcName === 'systemd') service = new SystemdServiceProvider();
  else if (svcName === 'supervisor') service = new SupervisorServiceProvider(sup);
  else if (svcName === undefined) service = chooseServiceProvider(sup, exists);
  else throw new Error(`providers.service: unknown provider ${JSON.stringify(svcName)} (systemd or supervisor)`);
  const pkgName = str('pkg');
  let pkg: PkgProvider;
  if (pkgName === 'apt') pkg = new AptPkgProvider();
  else if (pkgName === 'dnf') pkg = new DnfPkgProvider();
  else if (pkgName === 'fake') pkg = new FakePkgProvider(str('pkg_db') ?? path.join(opts.cachedir ?? '/var/cache/brine', 'fake-pkg.json'));
  else if (pkgName === undefined) pkg = lazyPkg(() => choosePkgProvider(exists));
  else throw new Error(`providers.pkg: unknown provider ${JSON.stringify(pkgName)} (apt, dnf or fake)`);
  return { pkg, service };
}

function lazyPkg(make: () => PkgProvider): PkgProvider {
  let p: PkgProvider | undefined;
  const get = () => (p ??= make());
  return {
    get name() {
      try {
        return get().name;
      } catch {
        return 'none';
      }
    },
    installed: (n, h) => get().installed(n, h),
    candidate: (n, h) => get().candidate(n, h),
    install: (x, h) => get().install(x, h),
    remove: (n, h) => get().remove(n, h),
    residual: (n, h) => get().residual(n, h),
    purge: (n, h) => get().purge(n, h),
  };
}
