/** network.ip_addrs / ip_addrs6 / interfaces, with Salt's interface and cidr filters. */
import * as os from 'os';
import { arg, truthy, type ExecModule } from './types';

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, x) => n * 256 + Number(x), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsS] = cidr.split('/');
  if (!net || !ip.includes('.') || !net.includes('.')) return false;
  const bits = Number(bitsS ?? 32);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((v4ToInt(ip) & mask) >>> 0) === ((v4ToInt(net) & mask) >>> 0);
}

function addrs(family: 'IPv4' | 'IPv6', args: unknown[], kwargs: Record<string, unknown>): string[] {
  const iface = arg(args, kwargs, 0, 'interface', null) as string | null;
  const includeLo = truthy(arg(args, kwargs, 1, 'include_loopback', false));
  const cidr = arg(args, kwargs, 2, 'cidr', null) as string | null;
  const out: string[] = [];
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    if (iface && name !== iface && !name.startsWith(iface + ':')) continue;
    for (const a of list ?? []) {
      if (a.family !== family) continue;
      if (a.internal && !includeLo) continue;
      if (family === 'IPv6' && a.address.startsWith('fe80') && !kwargs['include_link_local']) continue;
      if (cidr && !inCidr(a.address, cidr)) continue;
      if (!out.includes(a.address)) out.push(a.address);
    }
  }
  return out.sort();
}

export const networkModule: ExecModule = {
  name: 'network',
  functions: {
    ip_addrs: (args, kwargs) => addrs('IPv4', args, kwargs),
    ipaddrs: (args, kwargs) => addrs('IPv4', args, kwargs),
    ip_addrs6: (args, kwargs) => addrs('IPv6', args, kwargs),
    interfaces: () => {
      const out: Record<string, unknown> = {};
      for (const [name, list] of Object.entries(os.networkInterfaces())) {
        const inet = (list ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ address: a.address, netmask: a.netmask, label: name }));
        const inet6 = (list ?? []).filter((a) => a.family === 'IPv6').map((a) => ({ address: a.address, prefixlen: String(a.cidr?.split('/')[1] ?? '') }));
        out[name] = { hwaddr: list?.[0]?.mac ?? '', up: true, inet, inet6 };
      }
      return out;
    },
    get_hostname: () => os.hostname(),
  },
};
