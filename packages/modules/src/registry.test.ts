/** The registration point for custom modules: a load replaces the previous one; a shadowed built-in comes back whole. */
import { MemoryLogger } from '@brine/core';
import { listFunctions, lookupFunction, registerCustomModules, templateSalt } from './registry';
import { InvalidArgumentsError, pyStr, type ExecEnv } from './types';

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

test('every built-in function has a non-empty doc (sys.doc)', async () => {
  const docs = (await lookupFunction('sys.doc')([], {}, env)) as Record<string, string>;
  const fns = listFunctions();
  expect(fns.length).toBeGreaterThan(100);
  expect(fns.filter((f) => typeof docs[f] !== 'string' || docs[f]!.trim() === '')).toEqual([]);
});

test("unknown keyword arguments are refused with Salt's message where a function declares its parameters", async () => {
  await expect(Promise.resolve().then(() => lookupFunction('test.ping')([], { bogus: 1 }, env))).rejects.toThrow(new InvalidArgumentsError(['bogus=1']));
  await expect(Promise.resolve().then(() => lookupFunction('test.ping')([], { bogus: 1, test: true }, env))).rejects.toThrow('The following keyword arguments are not valid: bogus=1, test=True');
  // Salt's publication data (__pub_*) is not a keyword argument of the function.
  expect(await lookupFunction('test.ping')([], { __pub_jid: '2026', __pub_fun: 'test.ping' }, env)).toBe(true);
  expect(await lookupFunction('test.echo')([], { text: 'hi' }, env)).toBe('hi');
  await expect(Promise.resolve().then(() => lookupFunction('grains.get')(['id'], { dflt: 'x' }, env))).rejects.toThrow('The following keyword arguments are not valid: dflt=x');
  // **kwargs functions (test.arg, cmd.*, state.*) take anything, as in Salt.
  expect(await lookupFunction('test.arg')([], { anything: 1 }, env)).toEqual({ args: [], kwargs: { anything: 1 } });
  expect(await lookupFunction('cmd.run')(['echo ok'], { bogus: 1 }, env)).toBe('ok');
});

test("from a template the same call is Python's: an unexpected keyword is a TypeError (mine.get's old expr_form= included)", () => {
  const salt = templateSalt(env);
  expect(() => salt['mine.get']!(['roles:db', 'network.ip_addrs'], { expr_form: 'grain' })).toThrow("get() got an unexpected keyword argument 'expr_form'");
  expect(() => salt['test.ping']!([], { bogus: 1 })).toThrow("ping() got an unexpected keyword argument 'bogus'");
  expect(salt['mine.get']!(['roles:db', 'network.ip_addrs'], { tgt_type: 'grain' })).toEqual({});
});

test('a custom function declares its keyword arguments or takes any; shadowing a built-in drops its declaration', async () => {
  registerCustomModules([{ name: 'hello', functions: { strict: () => 's', loose: () => 'l' }, params: { strict: ['who'] } }, { name: 'test', functions: { ping: () => 'custom' } }]);
  expect(await lookupFunction('hello.strict')([], { who: 'x' }, env)).toBe('s');
  expect(() => lookupFunction('hello.strict')([], { whom: 'x' }, env)).toThrow('The following keyword arguments are not valid: whom=x');
  expect(await lookupFunction('hello.loose')([], { whom: 'x' }, env)).toBe('l');
  expect(await lookupFunction('test.ping')([], { bogus: 1 }, env)).toBe('custom');
  registerCustomModules([]);
  expect(() => lookupFunction('test.ping')([], { bogus: 1 }, env)).toThrow(InvalidArgumentsError);
});

test("pyStr prints values as Python's str() does in Salt's message", () => {
  expect([pyStr(true), pyStr(null), pyStr('a b'), pyStr(1.5), pyStr([1, 'x']), pyStr({ a: false })]).toEqual(['True', 'None', 'a b', '1.5', "[1, 'x']", "{'a': False}"]);
});
