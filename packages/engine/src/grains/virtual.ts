/**
 * `virtual` / `virtual_subtype` exactly as salt/grains/core.py `_virtual` (3006.1) decides them on Linux: the first
 * helper that answers (systemd-detect-virt, virt-what, dmidecode, lspci — whichever exist, in Salt's order), then
 * the file checks (chroot, OpenVZ, Xen, QEMU CPU, DMI product name, /proc/1/cgroup, /proc/1/environ), then the EC2
 * refinement. One addition from later 3006.x releases (saltstack/salt#67906, #67734): systemd-detect-virt or
 * virt-what answering `docker`/`podman` means a container (3006.1 reported such containers as `physical`).
 * detectVirtual is pure; gatherVirtualFacts reads the files.
 */
import * as fs from 'fs';
import type { Dict } from '@brine/core';
import { exists, isDir, isFile, readText, readTrim } from './util';

export type VirtCommandName = 'systemd-detect-virt' | 'virt-what' | 'dmidecode' | 'lspci';

export interface VirtCommand {
  name: VirtCommandName;
  rc: number;
  /** stdout, trailing whitespace stripped (Salt's cmd.run_all). */
  out: string;
}

export interface VirtFacts {
  /** The helpers Salt would run, in its order, restricted to those found on PATH. */
  commands: VirtCommand[];
  kernelversion?: string;
  /** `/` and `/proc/1/root` differ (readable only as root). */
  chroot?: boolean;
  procVz?: { version: boolean; veinfo: boolean };
  selfStatus?: string;
  xen?: { present: boolean; xsdKva: boolean; capabilities?: string; sysBusXen: boolean; xenconsole: boolean; dmesg?: string };
  /** The productname grain (DMI), used for Xen HVM. */
  productname?: string;
  cpuinfo?: string;
  dmiProductName?: string;
  cgroup1?: string;
  environ1?: string;
  /** `dmidecode -t system` output, when dmidecode exists. */
  dmidecodeSystem?: string;
}

export interface VirtualGrains {
  virtual: string;
  virtual_subtype?: string;
}

/** Salt's command order: virt-what alone when installed, else systemd-detect-virt, virt-what, dmidecode; lspci last when /proc/bus/pci exists. */
export function virtCommandOrder(have: (n: string) => boolean, lspci: boolean): VirtCommandName[] {
  const cmds: VirtCommandName[] = have('virt-what') ? ['virt-what'] : ['systemd-detect-virt', 'virt-what', 'dmidecode'];
  if (lspci) cmds.push('lspci');
  return cmds.filter(have);
}

export function detectVirtual(f: VirtFacts): VirtualGrains {
  const g: VirtualGrains = { virtual: 'physical' };
  if (f.kernelversion === 'BrandZ virtual linux') return { virtual: 'zone' };
  for (const c of f.commands) {
    if (c.rc > 0) continue;
    const output = c.out;
    if (c.name === 'systemd-detect-virt') {
      if (['qemu', 'kvm', 'oracle', 'xen', 'bochs', 'chroot', 'uml', 'systemd-nspawn'].includes(output)) {
        g.virtual = output;
        break;
      } else if (output.includes('vmware')) {
        g.virtual = 'VMware';
        break;
      } else if (output.includes('microsoft')) {
        g.virtual = 'VirtualPC';
        break;
      } else if (output.includes('lxc')) {
        Object.assign(g, { virtual: 'container', virtual_subtype: 'LXC' });
        break;
      } else if (output.includes('amazon')) {
        Object.assign(g, { virtual: 'Nitro', virtual_subtype: 'Amazon EC2' });
        break;
      } else if (output.includes('docker')) {
        Object.assign(g, { virtual: 'container', virtual_subtype: 'Docker' });
        break;
      } else if (output.includes('podman')) {
        Object.assign(g, { virtual: 'container', virtual_subtype: 'Podman' });
        break;
      }
    } else if (c.name === 'virt-what') {
      for (const line of output.split('\n')) {
        if (['kvm', 'qemu', 'uml', 'xen'].includes(line)) g.virtual = line;
        else if (line.includes('lxc')) Object.assign(g, { virtual: 'container', virtual_subtype: 'LXC' });
        else if (line.includes('docker')) Object.assign(g, { virtual: 'container', virtual_subtype: 'Docker' });
        else if (line.includes('podman')) Object.assign(g, { virtual: 'container', virtual_subtype: 'Podman' });
        else if (line.includes('vmware')) g.virtual = 'VMware';
        else if (line.includes('parallels')) g.virtual = 'Parallels';
        else if (line.includes('hyperv')) g.virtual = 'HyperV';
        else if (line === 'ibm_power-kvm') g.virtual = 'kvm';
        else if (line === 'ibm_power-lpar_shared') Object.assign(g, { virtual: 'LPAR', virtual_subtype: 'shared' });
        else if (line === 'ibm_power-lpar_dedicated') Object.assign(g, { virtual: 'LPAR', virtual_subtype: 'dedicated' });
        else continue;
        break;
      }
      break;
    } else if (c.name === 'dmidecode') {
      if (output.includes('Vendor: QEMU')) g.virtual = 'kvm';
      if (output.includes('Manufacturer: QEMU')) g.virtual = 'kvm';
      if (output.includes('Vendor: Bochs')) g.virtual = 'kvm';
      if (output.includes('Manufacturer: Bochs')) g.virtual = 'kvm';
      if (output.includes('BHYVE')) g.virtual = 'bhyve';
      else if (output.includes('Manufacturer: oVirt')) Object.assign(g, { virtual: 'kvm', virtual_subtype: 'ovirt' });
      else if (output.includes('Product Name: RHEV Hypervisor')) Object.assign(g, { virtual: 'kvm', virtual_subtype: 'rhev' });
      else if (output.includes('VirtualBox')) g.virtual = 'VirtualBox';
      else if (output.includes('VMware')) g.virtual = 'VMware';
      else if (output.includes(': Microsoft') && output.includes('Virtual Machine')) g.virtual = 'VirtualPC';
      else if (output.includes('Parallels Software')) g.virtual = 'Parallels';
      else if (output.includes('Manufacturer: Google')) g.virtual = 'kvm';
      else if (output.includes('Vendor: SeaBIOS')) g.virtual = 'kvm';
      break;
    } else if (c.name === 'lspci') {
      const model = output.toLowerCase();
      if (model.includes('vmware')) g.virtual = 'VMware';
      else if (model.includes('virtualbox')) g.virtual = 'VirtualBox';
      else if (model.includes('qemu')) g.virtual = 'kvm';
      else if (model.includes('virtio')) g.virtual = 'kvm';
      break;
    }
  }

  if (f.chroot) g.virtual_subtype = 'chroot';
  if (f.procVz) {
    if (f.procVz.version) g.virtual = 'openvzhn';
    else if (f.procVz.veinfo) g.virtual = 'openvzve';
  }
  for (const line of (f.selfStatus ?? '').split('\n')) {
    const m = /^envID:\s+(\d+)$/.exec(line);
    if (m) g.virtual = Number(m[1]) !== 0 ? 'openvzve' : 'openvzhn';
  }
  const x = f.xen;
  if (x?.present) {
    if (x.xsdKva) g.virtual_subtype = 'Xen Dom0';
    else if (f.productname === 'HVM domU') g.virtual_subtype = 'Xen HVM DomU';
    else if (x.capabilities !== undefined) g.virtual_subtype = x.capabilities.includes('control_d') ? 'Xen Dom0' : 'Xen PV DomU';
    else if (x.sysBusXen) {
      if (x.xenconsole) g.virtual_subtype = 'Xen PV DomU';
      else if ((x.dmesg ?? '').toLowerCase().includes('xen:')) g.virtual_subtype = 'Xen PV DomU';
    }
    if ((g.virtual_subtype ?? '').toLowerCase().includes('dom')) g.virtual = 'xen';
  }
  if ((f.cpuinfo ?? '').includes('QEMU Virtual CPU')) g.virtual = 'kvm';
  const pn = f.dmiProductName;
  if (pn !== undefined) {
    if (pn.includes('VirtualBox')) g.virtual = 'VirtualBox';
    else if (pn.includes('RHEV Hypervisor')) Object.assign(g, { virtual: 'kvm', virtual_subtype: 'rhev' });
    else if (pn.includes('oVirt Node')) Object.assign(g, { virtual: 'kvm', virtual_subtype: 'ovirt' });
    else if (pn.includes('Google')) g.virtual = 'gce';
    else if (pn.includes('BHYVE')) g.virtual = 'bhyve';
  }
  const cg = f.cgroup1;
  if (cg !== undefined) {
    if (cg.includes(':/lxc/')) Object.assign(g, { virtual: 'container', virtual_subtype: 'LXC' });
    else if (cg.includes(':/kubepods/')) g.virtual_subtype = 'kubernetes';
    else if (cg.includes(':/libpod_parent/')) g.virtual_subtype = 'libpod';
    else if ([':/system.slice/docker', ':/docker/', ':/docker-ce/'].some((s) => cg.includes(s))) Object.assign(g, { virtual: 'container', virtual_subtype: 'Docker' });
  }
  if (g.virtual_subtype !== 'LXC' && (f.environ1 ?? '').includes('container=lxc')) Object.assign(g, { virtual: 'container', virtual_subtype: 'LXC' });

  if (g.virtual_subtype && g.virtual === 'physical') g.virtual = 'virtual';

  if (['qemu', 'kvm', 'xen', 'amazon'].includes(g.virtual) && f.dmidecodeSystem !== undefined) {
    const out = f.dmidecodeSystem;
    if (out.includes('Manufacturer: Amazon EC2')) {
      if (g.virtual !== 'xen') g.virtual = 'Nitro';
      g.virtual_subtype = 'Amazon EC2';
      const all = [...out.matchAll(/Product Name: ([^\r\n]*)/g)];
      const last = all[all.length - 1];
      if (last) g.virtual_subtype = `Amazon EC2 (${last[1]})`;
    } else if (/Version: [^\r\n]+\.amazon/.test(out)) g.virtual_subtype = 'Amazon EC2';
  }
  return g;
}

function chrooted(): boolean {
  try {
    const a = fs.statSync('/');
    const b = fs.statSync('/proc/1/root/.');
    return a.dev !== b.dev || a.ino !== b.ino;
  } catch {
    return false;
  }
}

/** Read the files `_virtual` looks at; `commands` come from the probe (see probe.ts). */
export function gatherVirtualFacts(
  commands: VirtCommand[],
  extra: { cpuinfo?: string; kernelversion?: string; productname?: string; dmidecodeSystem?: string; dmesg?: string },
): VirtFacts {
  const xenPresent = isDir('/proc/sys/xen') || isDir('/sys/bus/xen') || isDir('/proc/xen');
  return {
    commands,
    kernelversion: extra.kernelversion,
    chroot: exists('/proc') ? chrooted() : false,
    procVz: isDir('/proc/vz') ? { version: isFile('/proc/vz/version'), veinfo: isFile('/proc/vz/veinfo') } : undefined,
    selfStatus: readText('/proc/self/status'),
    xen: xenPresent
      ? {
          present: true,
          xsdKva: isFile('/proc/xen/xsd_kva'),
          capabilities: isFile('/proc/xen/capabilities') ? readText('/proc/xen/capabilities') : undefined,
          sysBusXen: isDir('/sys/bus/xen'),
          xenconsole: isDir('/sys/bus/xen/drivers/xenconsole'),
          dmesg: extra.dmesg,
        }
      : undefined,
    productname: extra.productname,
    cpuinfo: extra.cpuinfo ?? readText('/proc/cpuinfo'),
    dmiProductName: readText('/sys/devices/virtual/dmi/id/product_name'),
    cgroup1: readText('/proc/1/cgroup'),
    environ1: readText('/proc/1/environ'),
    dmidecodeSystem: extra.dmidecodeSystem,
  };
}

/** Salt's `_virtual_hv` (Xen only): hypervisor version and feature bits from sysfs. */
export function virtualHv(virtual: string): Dict {
  const g: Dict = {};
  if (!virtual.includes('xen')) return g;
  const major = readTrim('/sys/hypervisor/version/major');
  const minor = readTrim('/sys/hypervisor/version/minor');
  const extra = readTrim('/sys/hypervisor/version/extra');
  if (major !== undefined && minor !== undefined && extra !== undefined) {
    g['virtual_hv_version'] = `${major}.${minor}${extra}`;
    g['virtual_hv_version_info'] = [major, minor, extra];
  }
  const features = readTrim('/sys/hypervisor/properties/features');
  if (features !== undefined) {
    const table: Record<number, string> = {
      0: 'writable_page_tables', 1: 'writable_descriptor_tables', 2: 'auto_translated_physmap', 3: 'supervisor_mode_kernel',
      4: 'pae_pgdir_above_4gb', 5: 'mmu_pt_update_preserve_ad', 7: 'gnttab_map_avail_bits', 8: 'hvm_callback_vector',
      9: 'hvm_safe_pvclock', 10: 'hvm_pirqs', 11: 'dom0', 12: 'grant_map_identity', 13: 'memory_op_vnode_supported', 14: 'ARM_SMCCC_supported',
    };
    const bits = parseInt(features, 16);
    g['virtual_hv_features'] = features;
    g['virtual_hv_features_list'] = Object.entries(table).filter(([b]) => bits & (1 << Number(b))).map(([, n]) => n);
  }
  return g;
}
