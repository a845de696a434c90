/** Python 3.11's `ipaddress` for Salt's network filters: addresses, interfaces, networks, their properties and str(). */

export interface IpAddr {
  version: 4 | 6;
  ip: bigint;
  scope: string | null;
  /** Set for an interface (`addr/prefix`). */
  prefix: number | null;
}

const MAX = { 4: 32, 6: 128 } as const;

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(sIn: string): { ip: bigint; scope: string | null } | null {
  let s = sIn;
  let scope: string | null = null;
  const pct = s.indexOf('%');
  if (pct !== -1) {
    scope = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (!scope || scope.includes('%')) return null;
  }
  const parts = s.split(':');
  if (parts.length < 3) return null;
  const hextets: (number | null)[] = [];
  const last = parts[parts.length - 1]!;
  if (last.includes('.')) {
    const v4 = parseV4(last);
    if (v4 === null) return null;
    parts.pop();
    parts.push(((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
  }
  if (parts.length > 9) return null;
  let skip: number | null = null;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] === '') {
      if (skip !== null) return null;
      skip = i;
    }
  }
  let lead = 0;
  let trail = 0;
  let partsHi = parts.length;
  let partsLo = 0;
  if (skip !== null) {
    partsHi = skip;
    partsLo = parts.length - skip - 1;
    if (!parts[0]) {
      partsHi--;
      if (partsHi) return null;
      lead = 1;
    }
    if (!parts[parts.length - 1]) {
      partsLo--;
      if (partsLo) return null;
      trail = 1;
    }
    if (partsHi + partsLo > 7) return null;
  } else {
    if (parts.length !== 8) return null;
    if (!parts[0] || !parts[parts.length - 1]) return null;
  }
  void lead;
  void trail;
  const hex = (p: string): number | null => (/^[0-9a-fA-F]{1,4}$/.test(p) ? parseInt(p, 16) : null);
  let n = 0n;
  if (skip === null) {
    for (const p of parts) {
      const h = hex(p);
      if (h === null) return null;
      hextets.push(h);
    }
  } else {
    const hi = parts.slice(parts[0] === '' ? 1 : 0, skip);
    const lo = parts.slice(skip + 1, parts[parts.length - 1] === '' ? parts.length - 1 : parts.length);
    for (const p of hi) {
      const h = hex(p);
      if (h === null) return null;
      hextets.push(h);
    }
    const zeros = 8 - hi.length - lo.length;
    if (zeros < 1) return null;
    for (let i = 0; i < zeros; i++) hextets.push(0);
    for (const p of lo) {
      const h = hex(p);
      if (h === null) return null;
      hextets.push(h);
    }
  }
  for (const h of hextets) n = (n << 16n) | BigInt(h!);
  return { ip: n, scope };
}

/** ipaddress.ip_address(text) (an int too), or null for a ValueError. */
export function ipAddress(v: unknown): IpAddr | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    return { version: v < 2 ** 32 ? 4 : 6, ip: BigInt(v), scope: null, prefix: null };
  }
  if (typeof v !== 'string') return null;
  const v4 = parseV4(v);
  if (v4 !== null) return { version: 4, ip: v4, scope: null, prefix: null };
  const v6 = parseV6(v);
  if (v6 !== null) return { version: 6, ip: v6.ip, scope: v6.scope, prefix: null };
  return null;
}

function prefixFromMask(version: 4 | 6, mask: string): number | null {
  if (/^[0-9]+$/.test(mask)) {
    const n = Number(mask);
    return n <= MAX[version] ? n : null;
  }
  if (version !== 4) return null;
  const m = parseV4(mask);
  if (m === null) return null;
  const bits = m.toString(2).padStart(32, '0');
  if (/^1*0*$/.test(bits)) return bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
  if (/^0*1*$/.test(bits)) return bits.indexOf('1') === -1 ? 32 : bits.indexOf('1');
  return null;
}

/** ipaddress.ip_interface(text), or null. */
export function ipInterface(v: unknown): IpAddr | null {
  if (typeof v !== 'string') {
    const a = ipAddress(v);
    return a && { ...a, prefix: MAX[a.version] };
  }
  const parts = v.split('/');
  if (parts.length > 2) return null;
  const a = ipAddress(parts[0]);
  if (!a) return null;
  const prefix = parts.length === 2 ? prefixFromMask(a.version, parts[1]!) : MAX[a.version];
  if (prefix === null) return null;
  return { ...a, prefix };
}

function netmaskOf(version: 4 | 6, prefix: number): bigint {
  const max = BigInt(MAX[version]);
  return ((1n << max) - 1n) ^ ((1n << (max - BigInt(prefix))) - 1n);
}

/** str(ipaddress.ip_network(text, strict=False)): `10.0.0.5/255.255.255.0` -> `10.0.0.0/24`; null when not an address. */
export function networkOf(text: string): string | null {
  const n = ipNetwork(text, false);
  return n && ipText({ version: n.version, ip: n.net, scope: null, prefix: n.prefix });
}

/** ipaddress.ip_network(text, strict=...) as [network address, prefix], or null. */
export function ipNetwork(v: unknown, strict: boolean): { version: 4 | 6; net: bigint; prefix: number } | null {
  const i = ipInterface(v);
  if (!i) return null;
  const mask = netmaskOf(i.version, i.prefix!);
  const net = i.ip & mask;
  if (strict && net !== i.ip) return null;
  return { version: i.version, net, prefix: i.prefix! };
}

export function addrText(version: 4 | 6, ip: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join('.');
  const hextets: string[] = [];
  for (let i = 7; i >= 0; i--) hextets.push(((ip >> BigInt(i * 16)) & 0xffffn).toString(16));
  let bestStart = -1;
  let bestLen = 0;
  let start = -1;
  let len = 0;
  hextets.forEach((h, i) => {
    if (h === '0') {
      if (start === -1) start = i;
      len++;
      if (len > bestLen) {
        bestLen = len;
        bestStart = start;
      }
    } else {
      start = -1;
      len = 0;
    }
  });
  if (bestLen > 1) {
    const tail = hextets.slice(bestStart + bestLen);
    const head = hextets.slice(0, bestStart);
    const out = [...head, '', ...tail];
    if (!tail.length) out.push('');
    if (!head.length) out.unshift('');
    return out.join(':');
  }
  return hextets.join(':');
}

/** str() of an address or interface. */
export function ipText(a: IpAddr): string {
  const base = addrText(a.version, a.ip) + (a.scope ? '%' + a.scope : '');
  return a.prefix === null ? base : `${base}/${a.prefix}`;
}

const nets = (version: 4 | 6, list: string[]): [bigint, number][] =>
  list.map((n) => {
    const [a, p] = n.split('/');
    return [(version === 4 ? parseV4(a!) : parseV6(a!)!.ip)!, Number(p)];
  });

const V4_PRIVATE = nets(4, ['0.0.0.0/8', '10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/29', '192.0.0.170/31', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4', '255.255.255.255/32']);
const V6_PRIVATE = nets(6, ['::1/128', '::/128', '::ffff:0:0/96', '100::/64', '2001::/23', '2001:2::/48', '2001:db8::/32', '2001:10::/28', 'fc00::/7', 'fe80::/10']);
const V6_RESERVED = nets(6, ['::/8', '100::/8', '200::/7', '400::/6', '800::/5', '1000::/4', '4000::/3', '6000::/3', '8000::/3', 'a000::/3', 'c000::/3', 'e000::/4', 'f000::/5', 'f800::/6', 'fe00::/9']);

function inNet(version: 4 | 6, ip: bigint, [net, prefix]: [bigint, number]): boolean {
  return (ip & netmaskOf(version, prefix)) === net;
}

function v4Private(ip: bigint): boolean {
  return V4_PRIVATE.some((n) => inNet(4, ip, n));
}

/** The `is_*` properties Salt's ip filter options test. */
export function ipProperty(a: IpAddr, prop: string): boolean {
  const { version, ip } = a;
  if (version === 4) {
    switch (prop) {
      case 'is_private':
        return v4Private(ip);
      case 'is_global':
        return !inNet(4, ip, [parseV4('100.64.0.0')!, 10]) && !v4Private(ip);
      case 'is_link_local':
        return inNet(4, ip, [parseV4('169.254.0.0')!, 16]);
      case 'is_loopback':
        return inNet(4, ip, [parseV4('127.0.0.0')!, 8]);
      case 'is_multicast':
        return inNet(4, ip, [parseV4('224.0.0.0')!, 4]);
      case 'is_reserved':
        return inNet(4, ip, [parseV4('240.0.0.0')!, 4]);
      case 'is_unspecified':
        return ip === 0n;
      case 'is_site_local':
        return false;
    }
    return false;
  }
  const mapped = (ip >> 32n) === 0xffffn ? ip & 0xffffffffn : null;
  const full = a.prefix === null || a.prefix === 128;
  switch (prop) {
    case 'is_private':
      return mapped !== null ? v4Private(mapped) : V6_PRIVATE.some((n) => inNet(6, ip, n));
    case 'is_global':
      return !(mapped !== null ? v4Private(mapped) : V6_PRIVATE.some((n) => inNet(6, ip, n)));
    case 'is_link_local':
      return inNet(6, ip, [parseV6('fe80::')!.ip, 10]);
    case 'is_loopback':
      return ip === 1n && full;
    case 'is_multicast':
      return inNet(6, ip, [parseV6('ff00::')!.ip, 8]);
    case 'is_reserved':
      return V6_RESERVED.some((n) => inNet(6, ip, n));
    case 'is_unspecified':
      return ip === 0n && full;
    case 'is_site_local':
      return inNet(6, ip, [parseV6('fec0::')!.ip, 10]);
  }
  return false;
}

/** ip_network(entry, strict=False).hosts() as text. */
export function networkHosts(entry: string): string[] {
  const n = ipNetwork(entry, false);
  if (!n) throw new Error(`${JSON.stringify(entry)} does not appear to be an IPv4 or IPv6 network`);
  const max = MAX[n.version];
  const size = 1n << BigInt(max - n.prefix);
  if (size > 1n << 20n) throw new Error(`network ${entry} is too large to list its hosts`);
  const out: string[] = [];
  if (n.prefix === max) return [addrText(n.version, n.net)];
  if (n.prefix === max - 1) return [addrText(n.version, n.net), addrText(n.version, n.net + 1n)];
  const last = n.version === 4 ? n.net + size - 1n : n.net + size;
  for (let x = n.net + 1n; x < last; x++) out.push(addrText(n.version, x));
  return out;
}

export function networkSize(entry: string): number | bigint {
  const n = ipNetwork(entry, false);
  if (!n) throw new Error(`${JSON.stringify(entry)} does not appear to be an IPv4 or IPv6 network`);
  const size = 1n << BigInt(MAX[n.version] - n.prefix);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : size;
}

/** `ipaddress.ip_address(addr) in ipaddress.ip_network(cidr, strict=False)`; null when either does not parse. */
export function inSubnet(addr: string, cidr: string): boolean | null {
  const a = ipAddress(addr);
  const n = ipNetwork(cidr, false);
  return a && n ? addrInNetwork(a, n) : null;
}

/** `ip in network` for a network parsed with strict=True. */
export function addrInNetwork(a: IpAddr, n: { version: 4 | 6; net: bigint; prefix: number }): boolean {
  return a.version === n.version && (a.ip & netmaskOf(n.version, n.prefix)) === n.net;
}
