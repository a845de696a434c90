/**
 * Hardware grains as salt/grains/core.py (3006.1) reads them on Linux: /proc/cpuinfo (num_cpus, cpu_model, cpu_flags),
 * /proc/meminfo (mem_total, swap_total in MiB), /sys/class/dmi/id (bios*, manufacturer, productname, serialnumber,
 * uuid, boardname), the device tree, `lspci -vmm` (gpus), plus disks.py (disks, ssds) and mdadm.py.
 */
import * as fs from 'fs';
import type { Dict } from '@brine/core';
import { isDir, isFile, listDir, readText } from './util';

/** Salt's `_linux_cpudata`. */
export function parseCpuinfo(text: string | undefined): { num_cpus: number; cpu_model: string; cpu_flags: string[] } {
  let num: number | undefined;
  let model: string | undefined;
  let flags: string[] | undefined;
  if (text !== undefined) {
    num = 0;
    for (const line of text.split('\n')) {
      const comps = line.split(':');
      if (comps.length < 2) continue;
      const key = comps[0]!.trim();
      const val = comps[1]!.trim();
      if (key === 'processor') num += 1;
      else if (key === '# processors') num = parseInt(val, 10);
      else if (key === 'vendor_id' || key === 'model name' || key === 'cpu') model = val;
      else if (key === 'flags' || key === 'Features') flags = val.split(/\s+/).filter(Boolean);
      else if (key === 'Processor') {
        model = val.split('-')[0]!;
        num = 1;
      }
    }
  }
  return { num_cpus: num ?? 0, cpu_model: model ?? 'Unknown', cpu_flags: flags ?? [] };
}

/** Salt's `_linux_memdata`: MemTotal and SwapTotal, floor-divided to MiB. */
export function parseMeminfo(text: string | undefined): { mem_total: number; swap_total: number } {
  const g = { mem_total: 0, swap_total: 0 };
  for (const line of (text ?? '').split('\n')) {
    const comps = line.split(':');
    if (comps.length < 2) continue;
    const kb = parseInt(comps[1]!.trim().split(/\s+/)[0] ?? '', 10);
    if (Number.isNaN(kb)) continue;
    if (comps[0]!.trim() === 'MemTotal') g.mem_total = Math.floor(kb / 1024);
    if (comps[0]!.trim() === 'SwapTotal') g.swap_total = Math.floor(kb / 1024);
  }
  return g;
}

const DMI_FILES: [string, string][] = [
  ['biosversion', 'bios_version'],
  ['biosvendor', 'bios_vendor'],
  ['boardname', 'board_name'],
  ['productname', 'product_name'],
  ['manufacturer', 'sys_vendor'],
  ['biosreleasedate', 'bios_date'],
  ['uuid', 'product_uuid'],
  ['serialnumber', 'product_serial'],
];

/** Salt's `_hw_data` (Linux sysfs branch); unreadable files (product_serial/uuid for non-root) are skipped like Salt. */
export function dmiHwData(dir = '/sys/class/dmi/id'): Dict {
  const g: Dict = {};
  if (!isDir(dir)) return g;
  for (const [key, file] of DMI_FILES) {
    const t = readText(`${dir}/${file}`);
    if (t === undefined) continue;
    g[key] = key === 'uuid' ? t.trim().toLowerCase() : t.trim();
  }
  return g;
}

/** Salt's `_linux_devicetree_platform_data`. */
export function devicetreeData(dir = '/proc/device-tree'): Dict {
  const g: Dict = {};
  if (!isDir(dir)) return g;
  const read = (name: string) => (isFile(`${dir}/${name}`) ? readText(`${dir}/${name}`)?.replace(/\0+$/, '') : undefined);
  const model = read('model');
  if (model) {
    const i = model.indexOf(',');
    if (i >= 0) {
      g['manufacturer'] = model.slice(0, i);
      g['productname'] = model.slice(i + 1);
    } else g['productname'] = model;
  }
  const systemId = read('system-id');
  if (systemId) g['serialnumber'] = systemId;
  const serial = read('serial-number');
  if (serial) g['serialnumber'] = serial;
  return g;
}

const GPU_VENDORS = ['nvidia', 'amd', 'ati', 'intel', 'cirrus logic', 'vmware', 'matrox', 'aspeed'];
const GPU_CLASSES = ['vga compatible controller', '3d controller', 'display controller'];

/** Salt's `_linux_gpu_data` over `lspci -vmm` output. */
export function parseLspciVmm(out: string): { num_gpus: number; gpus: { vendor: string; model: string }[] } {
  const devs: Record<string, string>[] = [];
  let cur: Record<string, string> = {};
  for (const line of [...out.split('\n'), '']) {
    if (line === '') {
      if (GPU_CLASSES.includes((cur['Class'] ?? '').toLowerCase())) devs.push(cur);
      cur = {};
      continue;
    }
    if (/^\w+:\s+.*/.test(line)) {
      const i = line.indexOf(':');
      cur[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
  }
  const gpus = devs.map((d) => {
    const tokens = (d['Vendor'] ?? '').toLowerCase().split(/[^A-Za-z0-9]/);
    return { vendor: GPU_VENDORS.find((v) => tokens.includes(v)) ?? 'unknown', model: d['Device'] ?? '' };
  });
  return { num_gpus: gpus.length, gpus };
}

/** disks.py `_linux_disks`: non-virtual block devices split by /sys/block/X/queue/rotational. */
export function linuxDisks(): { disks: string[]; ssds: string[] } {
  const ret = { disks: [] as string[], ssds: [] as string[] };
  for (const dev of listDir('/sys/block').sort()) {
    let link = '';
    try {
      link = fs.readlinkSync(`/sys/block/${dev}`);
    } catch {
      /* not a link */
    }
    if (link.startsWith('../devices/virtual/')) continue;
    const flag = readText(`/sys/block/${dev}/queue/rotational`)?.charAt(0);
    if (flag === '0') ret.ssds.push(dev);
    else if (flag === '1') ret.disks.push(dev);
  }
  return ret;
}

/** mdadm.py: the md devices named in /proc/mdstat (no grain when the file is missing). */
export function parseMdstat(text: string | undefined): Dict {
  if (text === undefined) return {};
  const devs = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('Personalities : ') || line.startsWith('unused devices:')) continue;
    if (line.includes(' : ')) devs.add(line.split(' : ')[0]!);
  }
  return { mdadm: [...devs].sort() };
}
