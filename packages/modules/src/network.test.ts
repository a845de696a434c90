import * as os from 'os';
import { nullLogger } from '@brine/core';
import { inCidr, networkModule } from './network';
import type { ExecEnv } from './types';

const env = { log: nullLogger } as unknown as ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => networkModule.functions[fun]!(args, kwargs, env) as string[];

test('cidr membership', () => {
  expect(inCidr('10.0.0.5', '10.0.0.0/24')).toBe(true);
  expect(inCidr('10.0.1.5', '10.0.0.0/24')).toBe(false);
  expect(inCidr('192.168.7.9', '0.0.0.0/0')).toBe(true);
  expect(inCidr('10.0.0.5', '10.0.0.5')).toBe(true);
  expect(inCidr('::1', '10.0.0.0/8')).toBe(false);
});

test('ip_addrs: loopback only on request, interface and cidr filters, sorted and unique', () => {
  const all = Object.values(os.networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4');
  const external = [...new Set(all.filter((a) => !a!.internal).map((a) => a!.address))].sort();
  expect(call('ip_addrs')).toEqual(external);
  expect(call('ip_addrs', ['lo'])).toEqual([]);
  expect(call('ip_addrs', ['lo', true])).toEqual(['127.0.0.1']);
  expect(call('ip_addrs', [], { interface: 'lo', include_loopback: true, cidr: '127.0.0.0/8' })).toEqual(['127.0.0.1']);
  expect(call('ip_addrs', [null, true, '10.255.255.0/24'])).toEqual(all.map((a) => a!.address).filter((ip) => inCidr(ip, '10.255.255.0/24')).sort());
  const ifaces = networkModule.functions['interfaces']!([], {}, env) as Record<string, { inet: { address: string }[] }>;
  expect(ifaces['lo']!.inet.map((i) => i.address)).toContain('127.0.0.1');
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
