/**
 * The host's interfaces as Salt 3006 reads them on Linux (salt/utils/network.py linux_interfaces / _interfaces_ip):
 * `ip link show` and `ip addr show` parsed into {name: {up, [parent], hwaddr, inet: [{address, netmask, broadcast,
 * label}], inet6: [{address, prefixlen, scope}], secondary: [...]}}, keys in the order of the lines, links that are
 * down included. Synchronous, as templates call it. Without `ip`, Node's own table (up interfaces only).
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import { ipAddress, ipNetwork, ipProperty, ipText } from '@brine/render';

export type Iface = Record<string, unknown>;

const v4Mask = (bits: number): string => [0, 1, 2, 3].map((i) => (((0xffffffff << (32 - bits)) >>> 0) >>> (24 - i * 8)) & 255).join('.');

/** _interfaces_ip over the text of `ip link show` and `ip addr show`. */
export function parseIpAddr(out: string): Record<string, Iface> {
  const ret: Record<string, Iface> = {};
  for (const group of out.split(/\r?\n\d/)) {
    let iface: string | null = null;
    const data: Iface = {};
    for (const line of group.split(/\r?\n/)) {
      if (!line.includes(' ')) continue;
      const head = /^\d*:\s+([\w.-]+)(?:@)?([\w.-]+)?:\s+<(.+)>/.exec(line);
      if (head) {
        iface = head[1]!;
        data['up'] = head[3]!.split(',').includes('UP');
        if (head[2]) data['parent'] = head[2];
        continue;
      }
      const cols = line.trim().split(/\s+/);
      if (cols.length < 2) continue;
      const [type, value] = [cols[0]!, cols[1]!];
      if (type === 'inet' || type === 'inet6') {
        const [ip, cidr] = value.includes('/') ? value.split('/') : [value, '32'];
        const brd = type === 'inet' && cols.includes('brd') ? cols[cols.indexOf('brd') + 1] ?? null : null;
        const scope = type === 'inet6' && cols.includes('scope') ? cols[cols.indexOf('scope') + 1] ?? null : null;
        const addr: Iface = type === 'inet' ? { address: ip, netmask: v4Mask(Number(cidr)), broadcast: brd, label: cols[cols.length - 1] } : { address: ip, prefixlen: cidr, scope };
        const key = cols.includes('secondary') ? 'secondary' : type;
        ((data[key] ??= []) as Iface[]).push(key === 'secondary' ? { type, ...addr } : addr);
      } else if (type.startsWith('link')) data['hwaddr'] = value;
    }
    if (iface) ret[iface] = data;
  }
  return ret;
}

export function linuxInterfaces(): Record<string, Iface> {
  const link = spawnSync('ip', ['link', 'show'], { encoding: 'utf8' });
  const addr = spawnSync('ip', ['addr', 'show'], { encoding: 'utf8' });
  if (!link.error && !addr.error) return parseIpAddr(`${link.stdout}\n${addr.stdout}`);
  const out: Record<string, Iface> = {};
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    const inet = (list ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ address: a.address, netmask: a.netmask, broadcast: null, label: name }));
    const inet6 = (list ?? []).filter((a) => a.family === 'IPv6').map((a) => ({ address: a.address.replace(/%.*$/, ''), prefixlen: String(a.cidr?.split('/')[1] ?? ''), scope: null }));
    out[name] = { up: true, hwaddr: list?.[0]?.mac ?? '', ...(inet.length ? { inet } : {}), ...(inet6.length ? { inet6 } : {}) };
  }
  return out;
}

/** _get_iface_info: the interface's data, or Salt's error text (which network.interface* return as their value). */
export function ifaceInfo(name: string, table = linuxInterfaces()): { info: Iface } | { error: string } {
  if (Object.prototype.hasOwnProperty.call(table, name)) return { info: table[name]! };
  return { error: `Interface "${name}" not in available interfaces: "${Object.keys(table).join('", "')}"` };
}

/** salt.utils.network._subnets: the networks of the interfaces' addresses (loopback left out), sorted as Python sorts them. */
export function subnetsOf(proto: 'inet' | 'inet6', only: string[] | string | null, table = linuxInterfaces()): string[] {
  const picked = only === null ? Object.values(table) : Array.isArray(only) ? Object.entries(table).filter(([k]) => only.includes(k)).map(([, v]) => v) : [table[only] ?? {}];
  const nets = new Map<string, { net: bigint; prefix: number }>();
  for (const info of picked) {
    const list = [...((info[proto] as Iface[] | undefined) ?? []), ...(((info['secondary'] as Iface[] | undefined) ?? []).filter((a) => a['type'] === proto))];
    for (const a of list) {
      const mask = a[proto === 'inet' ? 'netmask' : 'prefixlen'] ?? (proto === 'inet' ? 32 : 128);
      const ip = ipAddress(String(a['address']));
      const n = ipNetwork(`${String(a['address'])}/${String(mask)}`, false);
      if (!ip || !n || ipProperty(ip, 'is_loopback')) continue;
      const text = `${ipText({ version: n.version, ip: n.net, scope: null, prefix: null })}/${n.prefix}`;
      nets.set(text, { net: n.net, prefix: n.prefix });
    }
  }
  return [...nets].sort((x, y) => (x[1].net !== y[1].net ? (x[1].net < y[1].net ? -1 : 1) : x[1].prefix - y[1].prefix)).map(([t]) => t);
}
