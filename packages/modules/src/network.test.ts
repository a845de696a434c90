import * as os from 'os';
import { nullLogger } from '@brine/core';
import { inSubnet } from '@brine/render';
import { addrs, networkModule } from './network';
import type { ExecEnv } from './types';

const env = { log: nullLogger } as unknown as ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => networkModule.functions[fun]!(args, kwargs, env) as string[];

test('ip_addrs on this host: loopback only on request, interface and cidr filters', () => {
  const all = Object.values(os.networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4');
  const external = [...new Set(all.filter((a) => !a!.internal).map((a) => a!.address))];
  expect([...call('ip_addrs')].sort()).toEqual(external.sort());
  expect(call('ip_addrs', ['lo'])).toEqual([]);
  expect(call('ip_addrs', ['lo', true])).toEqual(['127.0.0.1']);
  expect(call('ip_addrs', [], { interface: 'lo', include_loopback: true, cidr: '127.0.0.0/8' })).toEqual(['127.0.0.1']);
  expect(call('ip_addrs', [null, true, '10.255.255.0/24'])).toEqual(call('ip_addrs', [null, true]).filter((ip) => inSubnet(ip, '10.255.255.0/24')));
  const ifaces = networkModule.functions['interfaces']!([], {}, env) as Record<string, { inet: { address: string }[] }>;
  expect(ifaces['lo']!.inet.map((i) => i.address)).toContain('127.0.0.1');
});

test("ip_addrs / ip_addrs6 as Salt 3006 filters them: name globs and lists, alias labels, ipaddress order, link-local kept, type=", () => {
  const v4 = (address: string, internal = false) => ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '', cidr: `${address}/24` }) as os.NetworkInterfaceInfo;
  const v6 = (address: string, internal = false) => ({ address, family: 'IPv6', internal, netmask: 'ffff:ffff:ffff:ffff::', mac: '', cidr: `${address}/64`, scopeid: 0 }) as os.NetworkInterfaceInfo;
  const table = {
    lo: [v4('127.0.0.1', true), v6('::1', true)],
    eth0: [v4('10.0.0.10'), v4('10.0.0.9'), v6('fe80::1'), v6('2001:db8::5')],
    'eth0:1': [v4('192.168.1.2')],
    eth1: [v4('8.8.4.4'), v4('10.0.0.9')],
    wg0: [v4('100.64.0.1')],
  };
  const ip4 = (kw: Record<string, unknown> = {}, args: unknown[] = []) => addrs('IPv4', args, kw, table);
  expect(ip4()).toEqual(['8.8.4.4', '10.0.0.9', '10.0.0.10', '100.64.0.1', '192.168.1.2']);
  expect(ip4({ interface: 'eth0' })).toEqual(['10.0.0.9', '10.0.0.10', '192.168.1.2']);
  expect(ip4({ interface: 'eth*' })).toEqual(['8.8.4.4', '10.0.0.9', '10.0.0.10', '192.168.1.2']);
  expect(ip4({ interface: ['lo', 'wg0'] })).toEqual(['100.64.0.1']);
  expect(ip4({ interface: 'lo,wg0', include_loopback: true })).toEqual(['100.64.0.1', '127.0.0.1']);
  expect(ip4({ type: 'private' })).toEqual(['10.0.0.9', '10.0.0.10', '192.168.1.2']);
  // 100.64/10 is neither private nor global in Python's ipaddress: type=public keeps it (not is_private)
  expect(ip4({ type: 'public' })).toEqual(['8.8.4.4', '100.64.0.1']);
  expect(ip4({ cidr: '10.0.0.0/8', type: 'public' })).toEqual(['10.0.0.9', '10.0.0.10']);
  expect(addrs('IPv6', [], {}, table)).toEqual(['2001:db8::5', 'fe80::1']);
  expect(addrs('IPv6', ['lo', true], {}, table)).toEqual(['::1']);
});

test('an unknown keyword is refused as Salt refuses it', () => {
  const { templateSalt } = require('./registry') as typeof import('./registry');
  const salt = templateSalt(env);
  expect(() => salt['network.ip_addrs']!([], { bogus: 1 })).toThrow("ip_addrs() got an unexpected keyword argument 'bogus'");
  expect(() => salt['network.interfaces']!([], { interface: 'eth0' })).toThrow("interfaces() got an unexpected keyword argument 'interface'");
  expect(() => salt['network.ip_addrs6']!([], { type: 'public' })).toThrow("ip_addrs6() got an unexpected keyword argument 'type'");
});

test('network.connect: {result, comment} as Salt', async () => {
  const net = await import('net');
  const srv = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as import('net').AddressInfo).port;
  const connect = networkModule.functions['connect']!;
  expect(await connect(['127.0.0.1', port], {}, env)).toEqual({ result: true, comment: `Successfully connected to 127.0.0.1 (127.0.0.1) on tcp port ${port}` });
  srv.close();
  await new Promise((r) => srv.once('close', r));
  expect(await connect(['127.0.0.1', port], {}, env)).toEqual({ result: false, comment: `Unable to connect to 127.0.0.1 (127.0.0.1) on tcp port ${port}` });
});

describe('active_tcp and netstat (Salt 3006, Linux)', () => {
  const net = require('net') as typeof import('net');
  const { activeTcp, hex2ip, parseNetstat } = require('./network') as typeof import('./network');

  test('hex2ip reads /proc/net addresses (v4, v6, v4-mapped) as Salt does', () => {
    expect(hex2ip('0100007F')).toBe('127.0.0.1');
    expect(hex2ip('00000000000000000000000001000000')).toBe('::1');
    expect(hex2ip('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
    expect(hex2ip('B80D0120000000000000000001000000')).toBe('2001:db8::1');
  });

  test('an established connection of this process is listed with both ends', async () => {
    const server = net.createServer((s) => s.on('data', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('net').AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
    try {
      const conns = Object.values(await activeTcp());
      expect(conns).toContainEqual({ local_addr: '127.0.0.1', local_port: client.localPort, remote_addr: '127.0.0.1', remote_port: port });
      expect(conns).toContainEqual({ local_addr: '127.0.0.1', local_port: port, remote_addr: '127.0.0.1', remote_port: client.localPort });
      // netstat -tulpnea lists the listening socket with its program
      const rows = (await networkModule.functions['netstat']!([], {}, env)) as Record<string, string>[];
      expect(rows).toContainEqual(expect.objectContaining({ proto: 'tcp', 'local-address': `127.0.0.1:${port}`, state: 'LISTEN', program: `${process.pid}/node` }));
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test("parseNetstat keeps Salt's keys (tcp rows with state, udp rows without)", () => {
    const out = [
      'Active Internet connections (servers and established)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name',
      'tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      0          1234       99/sshd',
      'udp        0      0 0.0.0.0:68              0.0.0.0:*                           0          5678       -',
    ].join('\n');
    expect(parseNetstat(out)).toEqual([
      { proto: 'tcp', 'recv-q': '0', 'send-q': '0', 'local-address': '0.0.0.0:22', 'remote-address': '0.0.0.0:*', state: 'LISTEN', user: '0', inode: '1234', program: '99/sshd' },
      { proto: 'udp', 'recv-q': '0', 'send-q': '0', 'local-address': '0.0.0.0:68', 'remote-address': '0.0.0.0:*', user: '0', inode: '5678', program: '-' },
    ]);
  });
});

test("network.calc_net: the network of an address and mask, as Salt's salt.utils.network.calc_net", () => {
  const calc = (...a: unknown[]) => networkModule.functions.calc_net!(a, {}, env);
  expect(calc('10.0.0.5', '255.255.255.0')).toBe('10.0.0.0/24');
  expect(calc('192.168.7.130', '25')).toBe('192.168.7.128/25');
  expect(calc('10.1.2.3/16')).toBe('10.1.0.0/16');
  expect(calc('2001:db8::17', '64')).toBe('2001:db8::/64');
  expect(() => calc('not-an-ip', '24')).toThrow(/network.calc_net: 'not-an-ip\/24' is not an IP network/);
});

test('network.ip_in_subnet: an address (or any of a list) inside a network, as Salt', () => {
  const inNet = (...a: unknown[]) => networkModule.functions.ip_in_subnet!(a, {}, env);
  expect(inNet('10.0.0.5', '10.0.0.0/24')).toBe(true);
  expect(inNet('10.0.1.5', '10.0.0.0/24')).toBe(false);
  expect(inNet('10.0.0.5', '10.0.0.9/8')).toBe(true);
  expect(inNet(['192.168.1.1', '10.0.0.5'], '10.0.0.0/24')).toBe(true);
  expect(inNet('2001:db8::1', '2001:db8::/32')).toBe(true);
  expect(inNet('10.0.0.5', '2001:db8::/32')).toBe(false);
  expect(() => inNet('nope', '10.0.0.0/24')).toThrow(/not an IP address and network/);
});

test('interface, interface_ip, hw_addr, in_subnet, is_private, is_loopback, convert_cidr (Salt 3006.1 values)', () => {
  expect(call('interface_ip', ['lo'])).toBe('127.0.0.1');
  expect(call('interface', ['lo'])).toEqual([{ address: '127.0.0.1', netmask: '255.0.0.0', broadcast: null, label: 'lo' }]);
  expect(call('hw_addr', ['lo'])).toBe('00:00:00:00:00:00');
  expect(call('interface_ip', ['nope0'])).toMatch(/^Interface "nope0" not in available interfaces: "lo", /);
  expect(call('in_subnet', ['127.0.0.0/8'])).toBe(false); // loopback addresses are not this host's addresses here, as in Salt
  expect(call('in_subnet', ['0.0.0.0/0'])).toBe(call('ip_addrs').length > 0);
  expect(call('in_subnet', ['10.0.0.1/8'])).toBe(false); // host bits set: invalid, False
  expect([call('is_private', ['10.1.2.3']), call('is_private', ['8.8.8.8']), call('is_loopback', ['::1'])]).toEqual([true, false, true]);
  expect(() => call('is_private', ['nope'])).toThrow(/does not appear to be an IPv4 or IPv6 address/);
  expect(call('convert_cidr', ['192.168.1.77/22'])).toEqual({ network: '192.168.0.0', netmask: '255.255.252.0', broadcast: '192.168.3.255' });
  expect(call('convert_cidr', ['2001:db8::5/64'])).toEqual({ network: '2001:db8::', netmask: 'ffff:ffff:ffff:ffff::', broadcast: '2001:db8::ffff:ffff:ffff:ffff' });
});
