/** status.* and sys.* on this host. */
import { nullLogger } from '@brine/core';
import { lookupFunction } from './registry';
import { meminfo } from './status';
import type { ExecEnv } from './types';

const env = { log: nullLogger } as unknown as ExecEnv;
const call = (fun: string, args: unknown[] = []) => lookupFunction(fun)(args, {}, env);
const linux = process.platform === 'linux';

(linux ? test : test.skip)('status.uptime, loadavg, meminfo, diskusage: Salt 3006 shapes', () => {
  const up = call('status.uptime') as Record<string, unknown>;
  expect(Object.keys(up).sort()).toEqual(['days', 'seconds', 'since_iso', 'since_t', 'time', 'users']);
  expect(up['time']).toMatch(/^\d+:\d\d$/);
  expect(up['since_iso']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  expect(Object.keys(call('status.loadavg') as object)).toEqual(['1-min', '5-min', '15-min']);
  expect(meminfo('MemTotal:       24683584 kB\nHugePages_Total:       0\n')).toEqual({ MemTotal: { value: '24683584', unit: 'kB' }, HugePages_Total: { value: '0' } });
  expect((call('status.meminfo') as Record<string, unknown>)['MemTotal']).toMatchObject({ unit: 'kB' });
  const du = call('status.diskusage', ['/']) as Record<string, { total: number; available: number }>;
  expect(Object.keys(du)).toEqual(['/']);
  expect(du['/']!.total).toBeGreaterThan(du['/']!.available);
});

test('sys.list_modules, list_functions, list_state_functions, doc', () => {
  const mods = call('sys.list_modules') as string[];
  for (const m of ['cmd', 'file', 'grains', 'pkg', 'service', 'status', 'sys']) expect(mods).toContain(m);
  expect(call('sys.list_functions', ['service'])).toEqual(expect.arrayContaining(['service.restart', 'service.available']));
  expect((call('sys.list_functions', ['service']) as string[]).every((f) => f.startsWith('service.'))).toBe(true);
  expect(call('sys.list_state_functions', ['pkg'])).toEqual(expect.arrayContaining(['pkg.installed', 'pkg.removed']));
  expect(call('sys.doc', ['pkg.install'])).toEqual({ 'pkg.install': expect.stringContaining('Returns {name: {old, new}}') });
});
