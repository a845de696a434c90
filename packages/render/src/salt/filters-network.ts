/** Salt's network filters (salt.utils.network): is_ip, is_ipv4/6, ipaddr, ipv4/6, ipwrap, ip_host, network_hosts/size, filter_by_networks. */
import { TemplateError } from '../jinja/errors';
import type { FilterFn } from '../jinja/runtime';
import { PyDict, dictEntries, isDict, num, pyIter, pyStr } from '../jinja/values';
import { PyBytes, filter, parseIntPy, str } from './py';
import { addrInNetwork, ipAddress, ipInterface, ipNetwork, ipProperty, ipText, networkHosts, networkSize, type IpAddr } from './ipaddr';

const OPTIONS: [string, string][] = [
  ['global', 'is_global_salt'],
  ['link-local', 'is_link_local'],
  ['linklocal', 'is_link_local'],
  ['ll', 'is_link_local'],
  ['link_local', 'is_link_local'],
  ['loopback', 'is_loopback'],
  ['lo', 'is_loopback'],
  ['multicast', 'is_multicast'],
  ['private', 'is_private'],
  ['public', 'is_global_salt'],
  ['reserved', 'is_reserved'],
  ['site-local', 'is_site_local'],
  ['sl', 'is_site_local'],
  ['site_local', 'is_site_local'],
  ['unspecified', 'is_unspecified'],
];

function ipOptions(obj: IpAddr, options: unknown): string | null {
  if (options === null || options === undefined || options === '' || options === false) return ipText(obj);
  const list = pyStr(options).split(',').map((o) => o.trim());
  for (const [name, prop] of OPTIONS) {
    if (!list.includes(name)) continue;
    // Salt's "global" / "public" is `not is_private`.
    const ok = prop === 'is_global_salt' ? !ipProperty(obj, 'is_private') : ipProperty(obj, prop);
    if (!ok) return null;
  }
  return ipText(obj);
}

/** salt.utils.network._is_ipv */
function isIpv(addr: unknown, version: 4 | 6, options: unknown): string | null {
  const obj = ipAddress(addr) ?? ipInterface(addr);
  if (!obj || obj.version !== version) return null;
  return ipOptions(obj, options);
}

const isText = (v: unknown): boolean => typeof v === 'string' || (v as { pyType?: string } | null)?.pyType === 'Markup';
const isSeqLike = (v: unknown): boolean => Array.isArray(v) || (v as { pyType?: string } | null)?.pyType === 'generator';

function ipvFilter(value: unknown, version: 4 | 6, options: unknown): unknown {
  if (isText(value)) return isIpv(pyStr(value), version, options);
  if (isSeqLike(value)) return pyIter(value).map((a) => isIpv(a, version, options)).filter((r) => r !== null);
  return null;
}

function ipaddr(value: unknown, options: unknown): unknown {
  const list = isSeqLike(value) ? pyIter(value) : value;
  const v4 = ipvFilter(list, 4, options);
  const v6 = ipvFilter(list, 6, options);
  if (v4 === null || v6 === null) return truthy(v4) ? v4 : v6;
  return [...(v4 as unknown[]), ...(v6 as unknown[])];
}

const truthy = (v: unknown): boolean => v !== null && v !== '' && !(Array.isArray(v) && !v.length);

function filterIpaddr(value: unknown, options: unknown, version: unknown): unknown[] | null {
  let out: unknown;
  if (version) {
    const ver = num(version);
    out = ver === 4 ? ipvFilter(value, 4, options) : ver === 6 ? ipvFilter(value, 6, options) : null;
  } else out = ipaddr(value, options);
  if (!truthy(out)) return null;
  return Array.isArray(out) ? out : [out];
}

const valueErr = (e: unknown): TemplateError => new TemplateError(`ValueError: ${(e as Error).message}`, 'runtime');

const perEntry = (name: string, one: (entry: string) => unknown): FilterFn =>
  filter(name, ['value', ['options', null], ['version', null]], (v) => {
    const out = filterIpaddr(v['value'], v['options'], v['version']);
    if (!out) return null;
    try {
      if (!isSeqLike(v['value'])) return one(out[0] as string);
      return out.map((e) => one(e as string));
    } catch (e) {
      throw valueErr(e);
    }
  });

function ipBracket(addr: string): string {
  const a = ipAddress(addr.replace(/^\[+/, '').replace(/\]+$/, ''));
  if (!a) throw new TemplateError(`ValueError: '${addr}' does not appear to be an IPv4 or IPv6 address`, 'runtime');
  return a.version === 6 ? `[${ipText(a)}]` : ipText(a);
}

/** salt.utils.network.mac_str_to_bytes: `08:00:27:13:69:77` (any one-character separator) or `080027136977`. */
function macStrToBytes(mac: string): PyBytes {
  let hex = mac;
  if (hex.length === 17) hex = hex.split(hex[2]!).join('');
  else if (hex.length !== 12) throw new TemplateError('Invalid MAC address', 'runtime');
  const out = Buffer.alloc(6);
  for (let i = 0; i < 6; i++) {
    const pair = hex.slice(i * 2, i * 2 + 2);
    const n = parseIntPy(pair, 16);
    if (n === null || hex.length !== 12) throw new TemplateError(`invalid literal for int() with base 16: '${pair}'`, 'runtime');
    out[i] = Number(n);
  }
  return new PyBytes(out);
}

export const NETWORK_FILTERS: Record<string, FilterFn> = {
  mac_str_to_bytes: filter('mac_str_to_bytes', ['mac_str'], (v) => macStrToBytes(str(v['mac_str']))),
  is_ip: filter('is_ip_filter', ['ip_addr', ['options', null]], (v) => isIpv(v['ip_addr'], 4, v['options']) !== null || isIpv(v['ip_addr'], 6, v['options']) !== null),
  is_ipv4: filter('is_ipv4_filter', ['ip_addr', ['options', null]], (v) => isIpv(v['ip_addr'], 4, v['options']) !== null),
  is_ipv6: filter('is_ipv6_filter', ['ip_addr', ['options', null]], (v) => isIpv(v['ip_addr'], 6, v['options']) !== null),
  ipv4: filter('ipv4', ['value', ['options', null]], (v) => ipvFilter(v['value'], 4, v['options'])),
  ipv6: filter('ipv6', ['value', ['options', null]], (v) => ipvFilter(v['value'], 6, v['options'])),
  ipaddr: filter('ipaddr', ['value', ['options', null]], (v) => ipaddr(v['value'], v['options'])),
  ip_host: perEntry('ip_host', (e) => ipText(ipInterface(e)!)),
  network_hosts: perEntry('network_hosts', networkHosts),
  network_size: perEntry('network_size', networkSize),
  ipwrap: filter('ipwrap', ['data'], (v) => {
    const d = v['data'];
    if (Array.isArray(d)) return d.map((e) => (isIpv(e, 6, null) !== null ? ipBracket(pyStr(e)) : e));
    return isIpv(d, 6, null) !== null ? ipBracket(pyStr(d)) : d;
  }),
  filter_by_networks: filter('filter_by_networks', ['values', 'networks'], (v) => {
    if (v['networks'] === null) return v['values'];
    const nets = pyIter(v['networks']).map((n) => {
      const net = ipNetwork(pyStr(n), true);
      if (!net) throw new TemplateError(`ValueError: ${pyStr(n)} does not appear to be an IPv4 or IPv6 network`, 'runtime');
      return net;
    });
    const pick = (ips: unknown): unknown[] =>
      pyIter(ips).flatMap((ip) => {
        const a = ipAddress(ip);
        if (!a) throw new TemplateError(`ValueError: ${pyStr(ip)} does not appear to be an IPv4 or IPv6 address`, 'runtime');
        return nets.filter((n) => addrInNetwork(a, n)).map(() => ip);
      });
    const values = v['values'];
    if (isDict(values)) return new PyDict(dictEntries(values).map(([k, x]) => [k, pick(x)]));
    if (Array.isArray(values) || typeof values === 'string') return pick(values);
    throw new TemplateError(`Do not know how to filter a ${typeof values}`, 'runtime');
  }),
};
