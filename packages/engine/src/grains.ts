/**
 * Core grains, gathered from node's `os` module, /etc/os-release and /proc (no subprocesses, so a
 * `brine call --local` stays fast). `systeminformation` adds the slower hardware grains only on request
 * (`grains.items` with `full=True`, and the minion daemon once at start).
 */
import * as fs from 'fs';
import * as os from 'os';
import { deepMerge, type Dict } from '@brine/core';

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of fs.readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  } catch {
    /* not Linux, or a minimal container */
  }
  return out;
}

const FAMILY: Record<string, string> = { debian: 'Debian', ubuntu: 'Debian', rhel: 'RedHat', centos: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', alpine: 'Alpine', arch: 'Arch' };

export function interfaceAddrs(): { ipv4: string[]; ipv6: string[]; ip4_interfaces: Record<string, string[]>; ip6_interfaces: Record<string, string[]>; hwaddr_interfaces: Record<string, string> } {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  const ip4: Record<string, string[]> = {};
  const ip6: Record<string, string[]> = {};
  const hw: Record<string, string> = {};
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    ip4[name] = [];
    ip6[name] = [];
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4') {
        ipv4.push(a.address);
        ip4[name]!.push(a.address);
      } else {
        ipv6.push(a.address);
        ip6[name]!.push(a.address);
      }
      hw[name] = a.mac;
    }
  }
  return { ipv4, ipv6, ip4_interfaces: ip4, ip6_interfaces: ip6, hwaddr_interfaces: hw };
}

export interface GrainOptions {
  id: string;
  /** Custom grains from the minion config (`grains:`), merged over the core ones. */
  custom?: Dict;
}

export function coreGrains(o: GrainOptions): Dict {
  const rel = osRelease();
  const osId = rel['ID'] ?? os.platform();
  const name = rel['NAME'] ?? os.type();
  const osName = osId === 'debian' ? 'Debian' : osId === 'ubuntu' ? 'Ubuntu' : name.split(' ')[0] ?? name;
  const family = FAMILY[osId] ?? FAMILY[(rel['ID_LIKE'] ?? '').split(' ')[0] ?? ''] ?? osName;
  const net = interfaceAddrs();
  const cpus = os.cpus();
  const g: Dict = {
    id: o.id,
    host: os.hostname().split('.')[0],
    nodename: os.hostname(),
    fqdn: os.hostname(),
    localhost: os.hostname(),
    kernel: os.type(),
    kernelrelease: os.release(),
    os: osName,
    os_family: family,
    osfullname: name,
    osrelease: rel['VERSION_ID'] ?? '',
    osmajorrelease: Number((rel['VERSION_ID'] ?? '0').split('.')[0]) || 0,
    oscodename: rel['VERSION_CODENAME'] ?? '',
    osarch: os.arch() === 'x64' ? 'amd64' : os.arch(),
    cpuarch: os.arch() === 'x64' ? 'x86_64' : os.arch(),
    num_cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? '',
    mem_total: Math.round(os.totalmem() / 1024 / 1024),
    ...net,
    init: fs.existsSync('/run/systemd/system') ? 'systemd' : 'unknown',
    virtual: fs.existsSync('/.dockerenv') ? 'container' : 'physical',
    path: process.env['PATH'] ?? '',
    brineversion: '0.1.0',
    saltversion: '3006.0-brine',
    nodejs_version: process.versions.node,
    pid: process.pid,
  };
  return (o.custom ? deepMerge(g, o.custom) : g) as Dict;
}

/** Hardware grains via systeminformation (spawns dmidecode and friends; a few hundred ms). */
export async function hardwareGrains(): Promise<Dict> {
  const si = await import('systeminformation');
  const [sys, cpu, osInfo] = await Promise.all([si.system(), si.cpu(), si.osInfo()]);
  return {
    manufacturer: sys.manufacturer,
    productname: sys.model,
    serialnumber: sys.serial,
    virtual: sys.virtual ? (sys.virtualHost || 'virtual') : 'physical',
    cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim(),
    num_cpus_physical: cpu.physicalCores,
    osbuild: osInfo.build,
  };
}
