/** network.* (Salt 3006): addresses, interfaces and subnets of this host, with Salt's interface and cidr filters. */
import { execFile } from 'child_process';
import * as dns from 'dns';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import { UsageError } from '@brine/core';
import { fnmatchcase, inSubnet, ipAddress, ipNetwork, ipProperty, ipText, networkOf } from '@brine/render';
import { ifaceInfo, linuxInterfaces, subnetsOf, type Iface } from './network-ifaces';
import { runCommand } from './exec';
import { arg, truthy, type ExecModule } from './types';

/** An address from /proc/net/tcp{,6}: little-endian 32-bit words of hex. */
export function hex2ip(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join('.'); // v4-mapped
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1); // WHATWG's compressed form, as Python's
}

/** Salt's network.active_tcp (Linux): the ESTABLISHED TCP connections, numbered from 0. */
export async function activeTcp(procNet = '/proc/net'): Promise<Record<number, Record<string, unknown>>> {
  const out: Record<number, Record<string, unknown>> = {};
  for (const f of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = await fs.promises.readFile(`${procNet}/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const c = line.trim().split(/\s+/);
      if (c.length < 4 || c[0] === 'sl' || parseInt(c[3]!, 16) !== 1) continue;
      const [la, lp] = c[1]!.split(':');
      const [ra, rp] = c[2]!.split(':');
      out[Object.keys(out).length] = { local_addr: hex2ip(la!), local_port: parseInt(lp!, 16), remote_addr: hex2ip(ra!), remote_port: parseInt(rp!, 16) };
    }
  }
  return out;
}

/** Salt's network.netstat (Linux): `netstat -tulpnea` as a list of dicts. */
export function parseNetstat(out: string): Record<string, string>[] {
  const ret: Record<string, string>[] = [];
  for (const line of out.split('\n')) {
    const c = line.trim().split(/\s+/);
    if (line.startsWith('tcp')) ret.push({ proto: c[0]!, 'recv-q': c[1]!, 'send-q': c[2]!, 'local-address': c[3]!, 'remote-address': c[4]!, state: c[5]!, user: c[6]!, inode: c[7]!, program: c[8] ?? '' });
    else if (line.startsWith('udp')) ret.push({ proto: c[0]!, 'recv-q': c[1]!, 'send-q': c[2]!, 'local-address': c[3]!, 'remote-address': c[4]!, user: c[5]!, inode: c[6]!, program: c[7] ?? '' });
  }
  return ret;
}

/** Salt's split_input: a list, or a comma-separated str. */
const splitInput = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : String(v).split(',').map((x) => x.trim()));

/**
 * Salt 3006's network.ip_addrs / ip_addrs6: the addresses of the interfaces whose names match `interface` (a name,
 * a glob, or a list of them; an alias label such as eth0:1 belongs to eth0), loopback addresses only with
 * include_loopback, then those inside `cidr`, or for IPv4 type=public/private; unique and in ipaddress order
 * (numeric, not text: 10.0.0.9 before 10.0.0.10).
 */
export function addrs(family: 'IPv4' | 'IPv6', args: unknown[], kwargs: Record<string, unknown>, table: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const iface = arg(args, kwargs, 0, 'interface', null);
  const includeLo = truthy(arg(args, kwargs, 1, 'include_loopback', false));
  const cidr = arg(args, kwargs, 2, 'cidr', null) as string | null;
  const type = family === 'IPv4' ? arg(args, kwargs, 3, 'type', null) : null;
  const patterns = iface === null || iface === undefined ? null : splitInput(iface);
  const found = new Map<string, bigint>();
  for (const [name, list] of Object.entries(table)) {
    const base = name.split(':')[0]!;
    if (patterns && !patterns.some((p) => fnmatchcase(base, p))) continue;
    for (const a of list ?? []) {
      if (a.family !== family) continue;
      const ip = ipAddress(a.address.replace(/%.*$/, ''));
      if (!ip || (ipProperty(ip, 'is_loopback') && !includeLo)) continue;
      found.set(a.address.replace(/%.*$/, ''), ip.ip);
    }
  }
  let out = [...found].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)).map(([text]) => text);
  if (cidr) out = out.filter((ip) => inSubnet(ip, String(cidr)) === true);
  else if (type === 'public' || type === 'private') out = out.filter((ip) => ipProperty(ipAddress(ip)!, 'is_private') === (type === 'private'));
  return out;
}

/** The interface's field, or Salt's "not in available interfaces" text as the value. */
function ifaceField(name: string, pick: (i: Iface) => unknown): unknown {
  const r = ifaceInfo(name);
  return 'error' in r ? r.error : pick(r.info);
}

function ipOf(fun: string, v: unknown) {
  const ip = ipAddress(String(v));
  if (!ip) throw new UsageError(`network.${fun}: '${String(v)}' does not appear to be an IPv4 or IPv6 address`);
  return ip;
}

export const networkModule: ExecModule = {
  name: 'network',
  docs: {
    ip_addrs: 'The IPv4 addresses of this host (interface=, cidr=, include_loopback=False).',
    ipaddrs: 'The IPv4 addresses of this host (as network.ip_addrs).',
    ip_addrs6: 'The IPv6 addresses of this host (interface=, cidr=, include_loopback=False).',
    ipaddrs6: 'The IPv6 addresses of this host (as network.ip_addrs6).',
    interfaces: 'Every network interface (up or down) with its hardware address and IPv4/IPv6 addresses, from `ip addr show`.',
    interface: "The IPv4 addresses of an interface ([{address, netmask, broadcast, label}]), or Salt's error text.",
    interface_ip: "The first IPv4 address of an interface ('' when it has none), or Salt's error text.",
    hw_addr: "The hardware address of an interface, or Salt's error text.",
    hwaddr: 'As network.hw_addr.',
    subnets: 'The IPv4 networks of the interfaces (interfaces=: a name or a list), loopback left out.',
    subnets6: 'The IPv6 networks of the interfaces, loopback left out.',
    in_subnet: 'Whether one of this host\'s addresses is inside cidr (False for an invalid cidr).',
    is_private: 'Whether ip_addr is a private address (ipaddress.is_private).',
    is_loopback: 'Whether ip_addr is a loopback address.',
    convert_cidr: 'The {network, netmask, broadcast} of a CIDR (host bits allowed).',
    get_hostname: 'This host\'s hostname.',
    active_tcp: 'The established TCP connections, from /proc/net/tcp and tcp6.',
    netstat: 'Listening and connected sockets, parsed from netstat -tulpnea.',
    ping: 'Ping host (4 packets, or 1 with timeout=): ping\'s output, or True/False with return_boolean=True.',
    calc_net: 'The network of ip_addr with netmask (a mask or prefix length; or ip_addr already in CIDR form), as CIDR: calc_net(\'10.0.0.5\', \'255.255.255.0\') is 10.0.0.0/24.',
    ip_in_subnet: 'Whether ip_addr (an address, or a list: any of them) is inside the network cidr.',
    connect: 'Try a TCP connection (proto=udp: send) to host and port: {result, comment}.',
  },
  // Salt 3006's signatures: an unknown keyword is refused (TypeError), as Salt refuses it.
  params: {
    ip_addrs: ['interface', 'include_loopback', 'cidr', 'type'],
    ipaddrs: ['interface', 'include_loopback', 'cidr', 'type'],
    ip_addrs6: ['interface', 'include_loopback', 'cidr'],
    ipaddrs6: ['interface', 'include_loopback', 'cidr'],
    interfaces: [],
    interface: ['iface'],
    interface_ip: ['iface'],
    hw_addr: ['iface'],
    hwaddr: ['iface'],
    subnets: ['interfaces'],
    subnets6: [],
    in_subnet: ['cidr'],
    is_private: ['ip_addr'],
    is_loopback: ['ip_addr'],
    convert_cidr: ['cidr'],
    get_hostname: [],
    ip_in_subnet: ['ip_addr', 'cidr'],
    calc_net: ['ip_addr', 'netmask'],
    ping: ['host', 'timeout', 'return_boolean'],
    netstat: [],
    active_tcp: [],
  },
  functions: {
    ip_addrs: (args, kwargs) => addrs('IPv4', args, kwargs),
    ipaddrs: (args, kwargs) => addrs('IPv4', args, kwargs),
    ip_addrs6: (args, kwargs) => addrs('IPv6', args, kwargs),
    ipaddrs6: (args, kwargs) => addrs('IPv6', args, kwargs),
    interfaces: () => linuxInterfaces(),
    interface: (args, kwargs) => ifaceField(String(arg(args, kwargs, 0, 'iface', '')), (i) => i['inet'] ?? ''),
    interface_ip: (args, kwargs) => ifaceField(String(arg(args, kwargs, 0, 'iface', '')), (i) => (i['inet'] as Iface[] | undefined)?.[0]?.['address'] ?? ''),
    hw_addr: (args, kwargs) => ifaceField(String(arg(args, kwargs, 0, 'iface', '')), (i) => i['hwaddr'] ?? ''),
    hwaddr: (args, kwargs) => ifaceField(String(arg(args, kwargs, 0, 'iface', '')), (i) => i['hwaddr'] ?? ''),
    subnets: (args, kwargs) => {
      const only = arg(args, kwargs, 0, 'interfaces', null);
      return subnetsOf('inet', only === null || only === undefined ? null : Array.isArray(only) ? only.map(String) : String(only));
    },
    subnets6: () => subnetsOf('inet6', null),
    in_subnet: (args, kwargs) => {
      const cidr = String(arg(args, kwargs, 0, 'cidr', ''));
      if (!ipNetwork(cidr, true)) return false;
      return [...addrs('IPv4', [], {}), ...addrs('IPv6', [], {})].some((a) => inSubnet(a, cidr) === true);
    },
    is_private: (args, kwargs) => ipProperty(ipOf('is_private', arg(args, kwargs, 0, 'ip_addr', '')), 'is_private'),
    is_loopback: (args, kwargs) => ipProperty(ipOf('is_loopback', arg(args, kwargs, 0, 'ip_addr', '')), 'is_loopback'),
    convert_cidr: (args, kwargs) => {
      const text = String(arg(args, kwargs, 0, 'cidr', ''));
      const n = ipNetwork(text, false);
      if (!n) throw new UsageError(`network.convert_cidr: '${text}' does not appear to be an IPv4 or IPv6 network`);
      const bits = n.version === 4 ? 32 : 128;
      const host = (1n << BigInt(bits - n.prefix)) - 1n;
      const all = (1n << BigInt(bits)) - 1n;
      const t = (ip: bigint) => ipText({ version: n.version, ip, scope: null, prefix: null });
      return { network: t(n.net), netmask: t(all ^ host), broadcast: t(n.net | host) };
    },
    get_hostname: () => os.hostname(),
    ip_in_subnet: (args, kwargs) => {
      const ip = arg(args, kwargs, 0, 'ip_addr', '');
      const cidr = String(arg(args, kwargs, 1, 'cidr', ''));
      const one = (a: unknown): boolean => {
        const r = inSubnet(String(a), cidr);
        if (r === null) throw new UsageError(`network.ip_in_subnet: '${String(a)}' in '${cidr}': not an IP address and network`);
        return r;
      };
      return Array.isArray(ip) ? ip.some(one) : one(ip);
    },
    calc_net: (args, kwargs) => {
      const ip = String(arg(args, kwargs, 0, 'ip_addr', ''));
      const mask = arg(args, kwargs, 1, 'netmask', null);
      const text = mask === null || mask === undefined ? ip : `${ip}/${String(mask)}`;
      const net = networkOf(text);
      if (net === null) throw new UsageError(`network.calc_net: '${text}' is not an IP network`);
      return net;
    },
    active_tcp: () => activeTcp(),
    netstat: async (_a, _k, env) => {
      let r;
      try {
        r = await runCommand(['netstat', '-tulpnea'], { signal: env.signal });
      } catch {
        throw new UsageError('network.netstat: the netstat program is not installed (net-tools)');
      }
      return parseNetstat(r.stdout);
    },
    /** Salt: `ping -c 4 HOST`'s output, or whether it answered with return_boolean=True. */
    ping: (args, kwargs, env) => {
      const host = String(arg(args, kwargs, 0, 'host', ''));
      if (!host) throw new UsageError('network.ping: a host is required');
      const timeout = Number(arg(args, kwargs, 2, 'timeout', 0)) || 0;
      const argv = ['-c', timeout ? '1' : '4', ...(timeout ? ['-W', String(timeout)] : []), host];
      return new Promise((resolve, reject) =>
        execFile('ping', argv, { signal: env.signal }, (err, stdout, stderr) => {
          if (truthy(arg(args, kwargs, 1, 'return_boolean', false))) return resolve(!err);
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`network.ping: the ping program is not installed`));
          resolve((stdout || stderr).replace(/\n$/, ''));
        }),
      );
    },
    /** Salt: {result, comment} for a TCP (or UDP: sent) connection to host:port. */
    connect: async (args, kwargs) => {
      const host = String(arg(args, kwargs, 0, 'host', ''));
      const port = Number(arg(args, kwargs, 1, 'port', 0));
      const proto = String(kwargs['proto'] ?? 'tcp').toLowerCase();
      const timeout = Number(kwargs['timeout'] ?? 5);
      if (!host || !port) return { result: false, comment: 'Required argument, host, is missing.'.replace('host', host ? 'port' : 'host') };
      let ip = host;
      try {
        ip = (await dns.promises.lookup(host)).address;
      } catch {
        return { result: false, comment: `Unable to resolve host ${host} on ${proto} port ${port}` };
      }
      const ok = await new Promise<boolean>((resolve) => {
        if (proto === 'udp') return resolve(true);
        const s = net.connect({ host: ip, port, timeout: timeout * 1000 });
        const done = (v: boolean) => {
          s.destroy();
          resolve(v);
        };
        s.once('connect', () => done(true));
        s.once('error', () => done(false));
        s.once('timeout', () => done(false));
      });
      return ok
        ? { result: true, comment: `Successfully connected to ${host} (${ip}) on ${proto} port ${port}` }
        : { result: false, comment: `Unable to connect to ${host} (${ip}) on ${proto} port ${port}` };
    },
  },
};
