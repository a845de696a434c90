/** network.ip_addrs / ip_addrs6 / interfaces, with Salt's interface and cidr filters. */
import { execFile } from 'child_process';
import * as dns from 'dns';
import * as net from 'net';
import * as os from 'os';
import { UsageError } from '@brine/core';
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
    /** Salt: `ping -c 4 HOST`'s output, or whether it answered with return_boolean=True. */
    ping: (args, kwargs) => {
      const host = String(arg(args, kwargs, 0, 'host', ''));
      if (!host) throw new UsageError('network.ping: a host is required');
      const timeout = Number(arg(args, kwargs, 2, 'timeout', 0)) || 0;
      const argv = ['-c', timeout ? '1' : '4', ...(timeout ? ['-W', String(timeout)] : []), host];
      return new Promise((resolve, reject) =>
        execFile('ping', argv, (err, stdout, stderr) => {
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
