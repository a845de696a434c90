/** event.send / event.fire_master build Salt's event data and hand it to the daemon hook; masterless they say no. */
import { MemoryLogger, type Dict } from '@brine/core';
import { eventModule } from './event';
import type { ExecEnv } from './types';

const fired: [unknown, string][] = [];
const log = new MemoryLogger();
const withHook = { id: 'm1', grains: { id: 'm1', os: 'Debian', roles: ['web'] }, pillar: { site: 'lab', secret: 's' }, opts: {}, log, hooks: { 'event.fire_master': async (args: unknown[]) => (fired.push([args[0], String(args[1])]), true) } } as unknown as ExecEnv;
const call = (fun: string, args: unknown[], kwargs: Dict = {}, env = withHook) => eventModule.functions[fun]!(args, kwargs, env) as Promise<unknown>;

beforeEach(() => fired.splice(0));

test('event.send: keyword data, with_grains / with_pillar (all or listed keys), DATA over the rest', async () => {
  expect(await call('send', ['myco/x'], { foo: 'bar', __pub_jid: '1' })).toBe(true);
  expect(fired.pop()).toEqual([{ foo: 'bar' }, 'myco/x']);
  await call('send', ['myco/y', { foo: 'data wins', n: 1 }], { foo: 'kw', with_grains: ['os'], with_pillar: true });
  expect(fired.pop()).toEqual([{ foo: 'data wins', n: 1, grains: { os: 'Debian' }, pillar: { site: 'lab', secret: 's' } }, 'myco/y']);
  await call('send', [], { tag: 'myco/z', with_env_opts: true });
  expect(fired.pop()).toEqual([{ saltenv: 'base', pillarenv: null }, 'myco/z']);
  await expect(call('send', [])).rejects.toThrow(/a tag is required/);
});

test('event.fire_master passes the data as given', async () => {
  expect(await call('fire_master', [[1, 2], 'myco/list'])).toBe(true);
  expect(fired.pop()).toEqual([[1, 2], 'myco/list']);
});

test('masterless: False and a warning, as Salt', async () => {
  const local = { ...withHook, hooks: undefined } as ExecEnv;
  expect(await call('send', ['myco/x'], {}, local)).toBe(false);
  expect(await call('fire_master', [{}, 'myco/x'], {}, local)).toBe(false);
  expect(log.lines.some((l) => l.level === 'warn' && /will NOT be sent/.test(l.msg))).toBe(true);
  expect(fired).toEqual([]);
});
