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
