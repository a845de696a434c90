/**
 * The full grain computation (what salt/grains/core.py & co. do at minion start). index.ts loads this module only
 * when its cached snapshot is missing or stale, so a warm `brine call --local` never compiles or runs it.
 * Two groups: `systemGrains` (static for a boot: OS, CPU, memory, hardware, virtualisation, probes, user) and
 * `networkGrains` (host names, addresses, gateways, dns — re-read whenever the network fingerprint changes).
 */
import * as os from 'os';
import * as path from 'path';
import type { Dict } from '@brine/core';
import { dmiHwData, devicetreeData, linuxDisks, parseCpuinfo, parseLspciVmm, parseMdstat, parseMeminfo } from './hardware';
import { dnsGrain, fqdnIps, fqdnsFromHosts, hostnameGrains, interfaceGrains, isLoopback, linuxInterfaces, parseHosts, parseIpv6Route, parseProcRoute } from './network';
import {
  efiGrains,
  linuxDistributionData,
  linuxInitSystem,
  localeInfo,
  osarchFallback,
  osreleaseData,
  parseKernelParams,
  processGrains,
  psGrain,
  readOsRelease,
  selinuxGrain,
} from './os';
import { q, runProbes, type ProbeCache, type ProbeResults, type ProbeSpec } from './probe';
import { isDir, readText, readTrim, which } from './util';
import { detectVirtual, gatherVirtualFacts, virtCommandOrder, virtualHv, type VirtCommand } from './virtual';

/** sys.version_info of the Python in Salt 3006.1's onedir packages (used when the host has no python3). */
export const EMULATED_PYTHON_VERSION: (number | string)[] = [3, 10, 11, 'final', 0];

const LVS_SEP = '--lvs--';
const PY_CODE = 'import sys,json;print(json.dumps([list(sys.version_info),sys.executable,sys.path]))';

/** The programs to run for this host (only those installed), each as one probe of the single /bin/sh pass. */
export function planProbes(opts: Dict, osFamily: string): ProbeSpec[] {
  const specs: ProbeSpec[] = [];
  const add = (name: string, bin: string | undefined, args: string, more: (string | undefined)[] = []) => {
    if (bin) specs.push({ name, bins: [bin, ...more.filter((b): b is string => !!b)], cmd: `${q(bin)}${args ? ` ${args}` : ''}` });
  };
  const lspciOn = opts['enable_lspci'] !== false;
  if (which('localectl')) add('systemctl', which('systemctl'), '--version', [which('localectl')]);
  add('python', which('python3'), `-c ${q(PY_CODE)}`);
  if (lspciOn && opts['enable_gpu_grains'] !== false) add('lspci_vmm', which('lspci'), '-vmm');
  for (const c of virtCommandOrder((n) => which(n) !== undefined, lspciOn && isDir('/proc/bus/pci'))) add(`virt:${c}`, which(c), '');
  add('dmidecode_system', which('dmidecode'), '-t system');
  if (isDir('/sys/bus/xen') && !isDir('/sys/bus/xen/drivers/xenconsole')) add('dmesg', which('dmesg'), '');
  if (osFamily === 'Debian') add('osarch', which('dpkg'), '--print-architecture');
  else if (osFamily === 'RedHat' || osFamily === 'Suse') add('osarch', which('rpm'), `--eval ${q('%{_host_cpu}')}`);
  const man = which('man');
  if (man) specs.push({ name: 'zfs_feature_flags', bins: [man], cmd: `${q(man)} zpool-features >/dev/null` });
  const lvm = which('lvm');
  if (lvm) specs.push({ name: 'lvm', bins: [lvm], cmd: `${q(lvm)} vgs -o vg_name --noheadings; echo ${LVS_SEP}; ${q(lvm)} lvs -o vg_name,lv_name --noheadings` });
  return specs;
}

function pythonGrains(r: ProbeResults): Dict {
  const p = r['python'];
  if (p && p.rc === 0) {
    try {
      const [info, exe, sysPath] = JSON.parse(p.out.split('\n').pop() ?? '') as [unknown[], string, string[]];
      if (Array.isArray(info) && info.length === 5) return { pythonversion: info, pythonexecutable: exe, pythonpath: sysPath };
    } catch {
      /* not the JSON we asked for */
    }
  }
  return { pythonversion: [...EMULATED_PYTHON_VERSION] };
}

function systemdGrain(r: ProbeResults): Dict {
  const s = r['systemctl'];
  if (!s) return {};
  const lines = s.out.split('\n');
  const version = lines[0]?.split(/\s+/)[1];
  return version !== undefined && lines[1] !== undefined ? { systemd: { version, features: lines[1] } } : {};
}

function lvmGrain(r: ProbeResults): Dict {
  const l = r['lvm'];
  if (!l) return {};
  const [vgsOut = '', lvsOut = ''] = l.out.split(LVS_SEP);
  const ret: Record<string, string[]> = {};
  for (const vg of vgsOut.split('\n').map((s) => s.trim()).filter(Boolean)) ret[vg] = [];
  for (const line of lvsOut.split('\n')) {
    const [vg, lv] = line.trim().split(/\s+/);
    if (vg && lv && ret[vg]) ret[vg]!.push(lv);
  }
  return { lvm: ret };
}

/** The zeromq (libzmq) version Brine's transport links: loads zeromq when the process has not (cache misses only). */
export function computeZmqVersion(): string | null {
  try {
    const pj = require.resolve('zeromq/package.json', { paths: [require.main?.path ?? process.cwd(), __dirname] });
    const v = (require(path.dirname(pj)) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Run (or reuse) the probes: `cached` when its answers are still valid, else one /bin/sh pass now. */
export function probeAnswers(opts: Dict, cached: ProbeCache | undefined): ProbeCache {
  if (cached) return cached;
  const osFamily = String(linuxDistributionData(readOsRelease(), { lsbRelease: readText('/etc/lsb-release') })['os_family'] ?? '');
  return { which: {}, results: runProbes(planProbes(opts, osFamily)), extras: { zmqversion: computeZmqVersion() } };
}

/** Everything that is fixed for a boot (given the options, $PATH, euid and locale environment). */
export function systemGrains(opts: Dict, probe: ProbeCache): Dict {
  const g: Dict = { num_gpus: 0, gpus: [] };
  const r = probe.results;

  // os_data(): platform.uname()
  g['kernel'] = os.type();
  g['kernelrelease'] = os.release();
  g['kernelversion'] = os.version();
  g['cpuarch'] = os.machine();

  const osRelease = readOsRelease();
  const releaseFile = ['/etc/centos-release', '/etc/redhat-release', '/etc/system-release'].map((f) => readText(f)).find((t) => t !== undefined);
  Object.assign(g, linuxDistributionData(osRelease, { lsbRelease: readText('/etc/lsb-release'), releaseFile: releaseFile?.split('\n')[0] }));
  const osFamily = String(g['os_family'] ?? '');

  const selinux = selinuxGrain();
  if (selinux) g['selinux'] = selinux;
  Object.assign(g, systemdGrain(r));
  g['init'] = linuxInitSystem();
  const cpuinfo = readText('/proc/cpuinfo');
  Object.assign(g, parseCpuinfo(cpuinfo));
  if (r['lspci_vmm']) Object.assign(g, parseLspciVmm(r['lspci_vmm'].out));
  Object.assign(g, devicetreeData());

  const osarch = r['osarch'];
  g['osarch'] = osarch && osarch.rc === 0 && osarch.out ? osarch.out.trim() : osarchFallback(osFamily, String(g['cpuarch']));
  Object.assign(g, parseMeminfo(readText('/proc/meminfo')));
  Object.assign(g, dmiHwData());

  const virtCmds = virtCommandOrder((n) => which(n) !== undefined, opts['enable_lspci'] !== false && isDir('/proc/bus/pci'));
  const virtCommands: VirtCommand[] = virtCmds.map((name) => ({ name, rc: r[`virt:${name}`]?.rc ?? 127, out: r[`virt:${name}`]?.out ?? '' }));
  const virt = detectVirtual(
    gatherVirtualFacts(virtCommands, {
      cpuinfo,
      kernelversion: String(g['kernelversion']),
      productname: typeof g['productname'] === 'string' ? g['productname'] : undefined,
      dmidecodeSystem: r['dmidecode_system']?.out,
      dmesg: r['dmesg']?.out,
    }),
  );
  Object.assign(g, virt);
  Object.assign(g, virtualHv(virt.virtual));
  g['ps'] = psGrain(String(g['os']), osFamily, virt.virtual);
  if (g['osrelease']) Object.assign(g, osreleaseData(String(g['os']), String(g['osfullname']), String(g['osrelease'])));

  g['locale_info'] = localeInfo();
  const machineId = readTrim('/etc/machine-id') ?? readTrim('/var/lib/dbus/machine-id');
  if (machineId !== undefined) g['machine_id'] = machineId;
  Object.assign(g, pythonGrains(r));
  if (probe.extras['zmqversion']) g['zmqversion'] = probe.extras['zmqversion'];
  const cmdline = readText('/proc/cmdline');
  if (cmdline !== undefined) g['kernelparams'] = parseKernelParams(cmdline);

  // extra.py, minion_process.py, disks.py, mdadm.py, lvm.py, zfs.py
  Object.assign(g, efiGrains());
  g['transactional'] = which('transactional-update') !== undefined;
  Object.assign(g, processGrains());
  delete g['pid'];
  Object.assign(g, linuxDisks());
  Object.assign(g, parseMdstat(readText('/proc/mdstat')));
  Object.assign(g, lvmGrain(r));
  g['zfs_support'] = which('zpool') !== undefined && (isDir('/sys/module/zfs') || which('zfs-fuse') !== undefined);
  g['zfs_feature_flags'] = r['zfs_feature_flags'] ? r['zfs_feature_flags'].rc === 0 : false;
  return g;
}

/** Host names, interfaces, addresses, gateways and resolver settings (core.py hostname/ip_fqdn/ip*_interfaces/dns/default_gateway). */
export function networkGrains(opts: Dict): Dict {
  const g: Dict = {};
  const hostname = os.hostname();
  g['nodename'] = hostname;
  const hosts = parseHosts(readText('/etc/hosts'));
  Object.assign(g, hostnameGrains(hostname, hosts));
  const net = interfaceGrains(linuxInterfaces());
  Object.assign(g, net);
  Object.assign(g, fqdnIps(String(g['fqdn']), hosts, net.ipv4, net.ipv6));
  g['fqdns'] = opts['enable_fqdns_grains'] !== false ? fqdnsFromHosts([...net.ipv4, ...net.ipv6].filter((a) => !isLoopback(a)), hosts) : [];
  if (which('ip')) {
    const gw4 = parseProcRoute(readText('/proc/net/route'));
    const gw6 = parseIpv6Route(readText('/proc/net/ipv6_route'));
    Object.assign(g, { ip4_gw: gw4, ip6_gw: gw6, ip_gw: gw4 !== false || gw6 !== false });
  }
  Object.assign(g, dnsGrain());
  return g;
}
