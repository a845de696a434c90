/** The registration point for custom modules: a load replaces the previous one; a shadowed built-in comes back whole. */
import { MemoryLogger } from '@brine/core';
import { listFunctions, lookupFunction, registerCustomModules, templateSalt } from './registry';
import type { ExecEnv } from './types';

const env = { id: 'm1', log: new MemoryLogger() } as unknown as ExecEnv;
afterEach(() => registerCustomModules([]));

test('custom modules are added, replaced at the next load, and removed', async () => {
  registerCustomModules([{ name: 'hello', functions: { greet: (a) => `hi ${String(a[0])}`, bye: () => 'bye' } }]);
  expect(listFunctions()).toEqual(expect.arrayContaining(['hello.greet', 'hello.bye']));
  expect(await lookupFunction('hello.greet')(['x'], {}, env)).toBe('hi x');
  registerCustomModules([{ name: 'hello', functions: { greet: () => 'v2' } }]);
  expect(await lookupFunction('hello.greet')([], {}, env)).toBe('v2');
  expect(() => lookupFunction('hello.bye')).toThrow(/not available/);
  registerCustomModules([]);
  expect(listFunctions().filter((f) => f.startsWith('hello.'))).toEqual([]);
});

test('a custom function overrides a built-in of its name (also in templates); removing it restores the built-in, twin and doc', async () => {
  const docOf = async () => ((await lookupFunction('sys.doc')(['cmd.run'], {}, env)) as Record<string, string>)['cmd.run'];
  const before = await docOf();
  expect(before).toMatch(/Run a command/);
  registerCustomModules([{ name: 'cmd', functions: { run: () => 'custom' }, docs: { run: 'mine' } }]);
  expect(await lookupFunction('cmd.run')(['echo x'], {}, env)).toBe('custom');
  expect(templateSalt(env)['cmd.run']!(['echo x'], {})).toBe('custom');
  expect(await docOf()).toBe('mine');
  registerCustomModules([]);
  expect(await lookupFunction('cmd.run')(['echo back'], {}, env)).toBe('back');
  expect(templateSalt(env)['cmd.run']!(['echo twin'], {})).toBe('twin');
  expect(await docOf()).toBe(before);
});
