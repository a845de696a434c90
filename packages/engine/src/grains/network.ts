/**
 * Network grains as Salt 3006.1 computes them on Linux, without running `ip`: interfaces from /sys/class/net (every
 * link, in ifindex order, like `ip link show`), addresses from the kernel (node's getifaddrs, plus /proc/net/if_inet6
 * for links that are down), default gateways from /proc/net/route and /proc/net/ipv6_route, `dns` from resolv.conf
 * (salt.utils.dns.parse_resolv), and fqdn/host/domain/fqdn_ip4/fqdn_ip6/fqdns resolved through /etc/hosts.
 */
import * as os from 'os';
import type { Dict } from '@brine/core';
import { exists, listDir, readText, readTrim } from './util';

// ---- addresses -----------------------------------------------------------------------------------------------------

/** Python's `ipaddress.IPv4Address` parse (no leading zeros). */
export function parseIPv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export const formatIPv4 = (n: number): string => [24, 16, 8, 0].map((s) => (Math.floor(n / 2 ** s) % 256).toString()).join('.');

/** An IPv6 address (zone id stripped) as a 128-bit integer, or null. */
export function parseIPv6(input: string): bigint | null {
  let s = input.split('%')[0]!;
  if (!s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const grp = (h: string) => (h === '' ? [] : h.split(':'));
  const head = grp(halves[0]!);
  const back = halves.length === 2 ? grp(halves[1]!) : [];
  let groups: string[];
  if (halves.length === 2) {
    const fill = 8 - head.length - back.length;
    if (fill < 1) return null;
    groups = [...head, ...Array<string>(fill).fill('0'), ...back];
  } else groups = head;
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** Python's `str(IPv6Address)`: lower case, no leading zeros, the longest (first) run of ≥2 zero groups as `::`. */
export function formatIPv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** `str(ipaddress.ip_address(s))`, or null when Python would raise ValueError. */
export function normalizeIp(s: string): { addr: string; version: 4 | 6 } | null {
  const v4 = parseIPv4(s);
  if (v4 !== null) return { addr: formatIPv4(v4), version: 4 };
  const v6 = parseIPv6(s);
  if (v6 === null) return null;
  const zone = s.includes('%') ? s.slice(s.indexOf('%')) : '';
  return { addr: formatIPv6(v6) + zone, version: 6 };
}

const hexToV6 = (hex: string): string => formatIPv6(BigInt(`0x${hex}`));

/** Sorted, de-duplicated like `salt.utils.network.ip_addrs` (numeric order). */
function sortAddrs(addrs: string[], version: 4 | 6): string[] {
  const key = new Map<string, bigint>();
  for (const a of addrs) {
    if (version === 4) {
      const v = parseIPv4(a);
      if (v !== null) key.set(a, BigInt(v));
    } else {
      const v = parseIPv6(a);
      if (v !== null) key.set(formatIPv6(v), v);
    }
  }
  return [...key.entries()].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)).map(([a]) => a);
}

// ---- interfaces ----------------------------------------------------------------------------------------------------

export interface Iface {
  name: string;
  index: number;
  hwaddr?: string;
  inet: string[];
  inet6: string[];
  /** Secondary IPv4 addresses (`ip addr` marks them `secondary`; Salt lists them after the primaries). */
  secondary: string[];
}

/** `ip link` prints tunnel link addresses as IP addresses, others as the colon-separated bytes sysfs shows. */
function linkAddress(dir: string): string | undefined {
  const addr = readTrim(`${dir}/address`);
  if (!addr) return undefined;
  const bytes = addr.split(':');
  const type = Number(readTrim(`${dir}/type`));
  if (bytes.length === 4 && [768, 776, 778].includes(type)) return bytes.map((b) => parseInt(b, 16)).join('.');
  if (bytes.length === 16 && [769, 823].includes(type)) return hexToV6(bytes.join(''));
  return addr;
}

/** An IPv4 address's subnet key: a second address on the same subnet is what the kernel marks `secondary`. */
function v4Network(cidr: string | null | undefined): string | undefined {
  if (!cidr) return undefined;
  const [a, len] = cidr.split('/');
  const n = parseIPv4(a ?? '');
  const l = Number(len);
  if (n === null || !Number.isInteger(l)) return undefined;
  const mask = l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
  return `${(n & mask) >>> 0}/${l}`;
}

/** Salt's `_get_interfaces()` on Linux, read from sysfs and the kernel's address list. */
export function linuxInterfaces(): Iface[] {
  const nodeIfs = os.networkInterfaces();
  const byName = new Map<string, Iface>();
  const names = listDir('/sys/class/net');
  for (const name of names.length ? names : Object.keys(nodeIfs)) {
    const dir = `/sys/class/net/${name}`;
    const index = Number(readTrim(`${dir}/ifindex`) ?? NaN);
    const hw = names.length ? linkAddress(dir) : nodeIfs[name]?.[0]?.mac;
    byName.set(name, { name, index: Number.isFinite(index) ? index : Number.MAX_SAFE_INTEGER, hwaddr: hw, inet: [], inet6: [], secondary: [] });
  }
  for (const [name, addrs] of Object.entries(nodeIfs)) {
    const i = byName.get(name) ?? { name, index: Number.MAX_SAFE_INTEGER, inet: [], inet6: [], secondary: [] };
    byName.set(name, i);
    const primaries = new Set<string>();
    for (const a of addrs ?? []) {
      const fam = a.family as unknown;
      if (fam === 'IPv4' || fam === 4) {
        const net = v4Network(a.cidr);
        if (net !== undefined && primaries.has(net)) i.secondary.push(a.address);
        else {
          if (net !== undefined) primaries.add(net);
          i.inet.push(a.address);
        }
      } else i.inet6.push(a.address.split('%')[0]!);
    }
  }
  // node (libuv) skips links that are not up; the kernel still lists their IPv6 addresses here.
  for (const line of (readText('/proc/net/if_inet6') ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0]!.length !== 32) continue;
    const i = byName.get(f[5]!);
    if (!i || nodeIfs[f[5]!]) continue;
    const a = hexToV6(f[0]!);
    if (!i.inet6.includes(a)) i.inet6.push(a);
  }
  return [...byName.values()].sort((a, b) => a.index - b.index);
}

export function interfaceGrains(ifaces: Iface[]): {
  ip_interfaces: Record<string, string[]>;
  ip4_interfaces: Record<string, string[]>;
  ip6_interfaces: Record<string, string[]>;
  hwaddr_interfaces: Record<string, string>;
  ipv4: string[];
  ipv6: string[];
} {
  const ip: Record<string, string[]> = {};
  const ip4: Record<string, string[]> = {};
  const ip6: Record<string, string[]> = {};
  const hw: Record<string, string> = {};
  for (const i of ifaces) {
    ip[i.name] = [...i.inet, ...i.inet6, ...i.secondary];
    ip4[i.name] = [...i.inet, ...i.secondary];
    ip6[i.name] = [...i.inet6];
    if (i.hwaddr !== undefined) hw[i.name] = i.hwaddr;
  }
  return {
    ip_interfaces: ip,
    ip4_interfaces: ip4,
    ip6_interfaces: ip6,
    hwaddr_interfaces: hw,
    ipv4: sortAddrs(Object.values(ip4).flat(), 4),
    ipv6: sortAddrs(Object.values(ip6).flat(), 6),
  };
}

// ---- default gateways ----------------------------------------------------------------------------------------------

/** The first default route of /proc/net/route: its gateway, `true` for a gateway-less default, `false` for none. */
export function parseProcRoute(text: string | undefined): string | boolean {
  for (const line of (text ?? '').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, dest, gw, flags, , , , mask] = f;
    if (dest !== '00000000' || mask !== '00000000' || !(parseInt(flags!, 16) & 1)) continue;
    const n = parseInt(gw!, 16);
    if (!n) return true;
    return [0, 8, 16, 24].map((s) => (n >>> s) & 0xff).join('.');
  }
  return false;
}

/** The first default route of /proc/net/ipv6_route (reject routes, shown by `ip` as "unreachable", skipped). */
export function parseIpv6Route(text: string | undefined): string | boolean {
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dest, plen, , , nexthop, , , , flagsHex] = f;
    const flags = parseInt(flagsHex!, 16);
    if (!/^0{32}$/.test(dest!) || plen !== '00' || !(flags & 0x1) || flags & 0x200) continue;
    return /^0{32}$/.test(nexthop!) ? true : hexToV6(nexthop!);
  }
  return false;
}

// ---- dns -----------------------------------------------------------------------------------------------------------

function naturalV4Prefix(n: number): number {
  const first = Math.floor(n / 2 ** 24);
  return first >= 192 ? 24 : first >= 128 ? 16 : 8;
}

function v4Mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** `ipaddress.ip_network(raw)` (strict) → `with_netmask`, or null. */
function sortlistEntry(raw: string): string | null {
  const [addrPart, maskPart] = raw.split('/');
  const a = parseIPv4(addrPart ?? '');
  if (a !== null) {
    let len: number;
    if (maskPart === undefined) len = 32;
    else if (/^\d+$/.test(maskPart)) len = Number(maskPart);
    else {
      const m = parseIPv4(maskPart);
      if (m === null) return null;
      len = m.toString(2).replace(/0+$/, '').length;
      if (v4Mask(len) !== m) return null;
    }
    if (len > 32 || (a & ~v4Mask(len)) >>> 0) return null; // strict: host bits set
    if (maskPart === undefined) len = naturalV4Prefix(a);
    return `${formatIPv4((a & v4Mask(len)) >>> 0)}/${formatIPv4(v4Mask(len))}`;
  }
  const b = parseIPv6(addrPart ?? '');
  if (b === null) return null;
  const len = maskPart === undefined ? 128 : Number(maskPart);
  if (!Number.isInteger(len) || len > 128) return null;
  const mask = len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
  if (b & ~mask & ((1n << 128n) - 1n)) return null;
  return `${formatIPv6(b)}/${formatIPv6(mask)}`;
}

/** salt.utils.dns.parse_resolv (note: Salt keeps only the first word of each `options` line). */
export function parseResolv(text: string | undefined): Dict {
  if (text === undefined) return {};
  const nameservers: string[] = [];
  const ip4: string[] = [];
  const ip6: string[] = [];
  let search: string[] = [];
  const sortlist: string[] = [];
  let domain = '';
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim().split(/\s+/).filter(Boolean);
    if (line.length === 0) continue;
    const directive = line[0]!.toLowerCase();
    const args: string[] = [];
    for (const x of line.slice(1)) {
      if (x[0] === '#' || x[0] === ';') break;
      args.push(x);
    }
    if (directive === 'nameserver') {
      if (args[0] === undefined) continue;
      const ip = normalizeIp(args[0]);
      if (!ip) continue;
      if (!nameservers.includes(ip.addr)) nameservers.push(ip.addr);
      const list = ip.version === 4 ? ip4 : ip6;
      if (!list.includes(ip.addr)) list.push(ip.addr);
    } else if (directive === 'domain') {
      if (args[0] !== undefined) domain = args[0];
    } else if (directive === 'search') {
      search = args;
    } else if (directive === 'sortlist') {
      for (const r of args) {
        const n = sortlistEntry(r);
        if (n !== null && !sortlist.includes(n)) sortlist.push(n);
      }
    } else if (directive === 'options') {
      if (args[0] !== undefined && !options.includes(args[0])) options.push(args[0]);
    }
  }
  return { nameservers, ip4_nameservers: ip4, ip6_nameservers: ip6, sortlist, domain, search, options };
}

/** Salt's `dns` grain: systemd-resolved's upstream file when present, else /etc/resolv.conf. */
export function dnsGrain(): Dict {
  const file = exists('/run/systemd/resolve/resolv.conf') ? '/run/systemd/resolve/resolv.conf' : '/etc/resolv.conf';
  const resolv = parseResolv(readText(file));
  return Object.keys(resolv).length ? { dns: resolv } : {};
}

// ---- host names ----------------------------------------------------------------------------------------------------

export interface HostsEntry {
  addr: string;
  version: 4 | 6;
  names: string[];
}

export function parseHosts(text: string | undefined): HostsEntry[] {
  const out: HostsEntry[] = [];
  for (const raw of (text ?? '').split('\n')) {
    const f = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (f.length < 2) continue;
    const ip = normalizeIp(f[0]!);
    if (ip) out.push({ addr: ip.addr, version: ip.version, names: f.slice(1) });
  }
  return out;
}

const hasName = (e: HostsEntry, n: string) => e.names.some((x) => x.toLowerCase() === n.toLowerCase());

/**
 * Salt's `hostname()` grains: `get_fqhostname()` is the canonical name getaddrinfo(AI_CANONNAME) gives for the host
 * name, i.e. the first name of its /etc/hosts line. Brine does not ask DNS (a blocking, possibly slow look-up); a host
 * name that /etc/hosts does not know is its own fqdn.
 */
export function hostnameGrains(hostname: string, hosts: HostsEntry[]): { localhost: string; fqdn: string; host: string; domain: string } {
  const line = hosts.find((e) => hasName(e, hostname));
  const fqdn = (line ? line.names[0]! : hostname) || 'localhost.localdomain';
  const dot = fqdn.indexOf('.');
  return { localhost: hostname, fqdn, host: dot >= 0 ? fqdn.slice(0, dot) : fqdn, domain: dot >= 0 ? fqdn.slice(dot + 1) : '' };
}

/** Salt's fqdn_ip4/fqdn_ip6 (getaddrinfo of the fqdn, per family), from /etc/hosts. */
export function fqdnIps(fqdn: string, hosts: HostsEntry[], ipv4: string[], ipv6: string[]): { fqdn_ip4: string[]; fqdn_ip6: string[] } {
  const pick = (v: 4 | 6) => [...new Set(hosts.filter((e) => e.version === v && hasName(e, fqdn)).map((e) => e.addr))];
  return { fqdn_ip4: ipv4.length ? pick(4) : [], fqdn_ip6: ipv6.length ? pick(6) : [] };
}

/** network.fqdns: reverse look-up of every non-loopback address (here: in /etc/hosts), then getfqdn. */
export function fqdnsFromHosts(addresses: string[], hosts: HostsEntry[]): string[] {
  const out = new Set<string>();
  for (const a of addresses) {
    const ip = normalizeIp(a);
    const e = ip && hosts.find((h) => h.addr === ip.addr);
    if (!e) continue;
    out.add(e.names.find((n) => n.includes('.')) ?? e.names[0]!);
  }
  return [...out].sort();
}

export const isLoopback = (a: string): boolean => a.startsWith('127.') || a === '::1';
