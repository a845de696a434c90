/** test.* with Salt's parameter names: echo(text), sleep(length), arg(*args, **kwargs). */
import type { ExecEnv } from './types';
import { testModule } from './test';

const env = {} as ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => testModule.functions[fun]!(args, kwargs, env);

test('test.echo takes text positionally or as text=', () => {
  expect(call('echo', ['hi'])).toBe('hi');
  expect(call('echo', [], { text: 'by keyword' })).toBe('by keyword');
});

test('test.sleep takes length positionally or as length= (a bad length is refused)', async () => {
  await expect(call('sleep', [], { length: 0 })).resolves.toBe(true);
  await expect(call('sleep', ['0'])).resolves.toBe(true);
  await expect(call('sleep', [], { length: 'soon' })).rejects.toThrow(/length must be a whole number/);
  await expect(call('sleep', ['0'], { length: 'soon' })).rejects.toThrow(/soon/);
});

test('test.arg returns its args and kwargs without the __pub_ data', () => {
  expect(call('arg', [1, 'two'], { txt: 'hello', __pub_jid: '1' })).toEqual({ args: [1, 'two'], kwargs: { txt: 'hello' } });
});

test('arg (args a tuple), kwarg, get_opts, retcode, outputter: the values Salt 3006.1 gives a template', () => {
  const { functions } = testModule;
  const env = { opts: { id: 'm1' } } as unknown as ExecEnv;
  const a = functions['arg']!([1, 'a'], { k: 2, __pub_jid: 'x' }, env) as { args: unknown[]; kwargs: unknown };
  expect(a).toEqual({ args: [1, 'a'], kwargs: { k: 2 } });
  // A tuple to the template engine: printed (1, 'a') as Salt prints it.
  expect(Object.getOwnPropertySymbols(a.args)).toHaveLength(1);
  expect(functions['kwarg']!([], { x: 1, __pub_fun: 'y' }, env)).toEqual({ x: 1 });
  expect(functions['get_opts']!([], {}, env)).toEqual({ id: 'm1' });
  expect([functions['retcode']!([], {}, env), functions['outputter']!([{ a: [1] }], {}, env)]).toEqual([true, { a: [1] }]);
});
