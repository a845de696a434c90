/**
 * `test.provider(module)`: the name of the Salt module file that provides `module` on this minion, as Salt 3006's
 * salt/modules/test.py reports it (the file of the first loaded `module.*` function): the virtual modules by the
 * rules of their `__virtual__` (service: systemd when booted with it, else the distribution's own, else systemd
 * offline when systemctl is installed; pkg: by os_family), the others by the file Salt keeps them in. "" when the
 * minion has no such module.
 */
import * as fs from 'fs';
import type { Dict } from '@brine/core';
import { which } from './pypath';

/** Salt modules kept in a file of another name (salt/modules/<file>.py with __virtualname__ = module). */
const FILE_OF: Record<string, string> = {
  cmd: 'cmdmod',
  sys: 'sysmod',
  user: 'useradd',
  group: 'groupadd',
  sysctl: 'linux_sysctl',
  random: 'mod_random',
  ip: 'linux_ip',
  lvm: 'linux_lvm',
  acl: 'linux_acl',
  kernelpkg: 'kernelpkg_linux_apt',
};

/** Package modules by os_family (aptpkg, yumpkg... `__virtual__`). */
const PKG_OF: Record<string, string> = {
  Debian: 'aptpkg',
  RedHat: 'yumpkg',
  Suse: 'zypperpkg',
  Arch: 'pacmanpkg',
  Alpine: 'apkpkg',
  Gentoo: 'ebuildpkg',
  FreeBSD: 'pkgng',
  MacOS: 'mac_brew_pkg',
};

/** debian_service and rh_service load on these `os` grains when the host was not booted with systemd. */
const DEBIAN_SERVICE_OS = new Set(['Debian', 'Raspbian', 'Devuan', 'NILinuxRT']);
const RH_SERVICE_OS = new Set(['XenServer', 'XCP-ng', 'RedHat', 'CentOS', 'ScientificLinux', 'CloudLinux', 'Amazon', 'Fedora', 'ALT', 'OEL', 'SUSE', 'VirtuozzoLinux']);

function serviceProvider(grains: Dict): string {
  // salt.utils.systemd.booted: /run/systemd/system is a directory.
  let booted = false;
  try {
    booted = fs.statSync('/run/systemd/system').isDirectory();
  } catch {
    /* not booted with systemd */
  }
  if (booted) return 'systemd_service';
  const os = String(grains['os'] ?? '');
  if (DEBIAN_SERVICE_OS.has(os)) return 'debian_service';
  if (RH_SERVICE_OS.has(os)) return 'rh_service';
  if (grains['kernel'] === 'Linux' && which('systemctl') !== null) return 'systemd_service'; // systemd offline
  return 'service';
}

export function provider(module: string, grains: Dict, has: (module: string) => boolean): string {
  if (module === 'service') return serviceProvider(grains);
  if (module === 'pkg') return PKG_OF[String(grains['os_family'] ?? '')] ?? '';
  if (!has(module)) return '';
  return FILE_OF[module] ?? module;
}
