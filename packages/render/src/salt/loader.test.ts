/** The `salt` variable as Salt's LazyLoader behaves in Jinja (StrictUndefined): a function it lacks is undefined. */
import { JinjaEngine } from '../jinja/engine';
import { SaltLoader } from './loader';

const salt = new SaltLoader({ 'file.dirname': (args) => String(args[0]).replace(/\/[^/]*$/, '') }, { 'test.true': () => true });
const render = (src: string): string => new JinjaEngine({ load: () => null }).renderString(src, { salt }, 'r.sls');

test('a function or module Brine lacks: is defined, in, | default and callable see it as missing; using it names it', () => {
  expect(render("{{ salt['nosuch.fun'] is defined }} {{ 'nosuch.fun' in salt }} {{ salt.nosuch is defined }} {{ salt.file.nosuch is defined }} {{ salt['file.dirname'] is defined }} {{ salt.test.true() }}")).toBe('False False False False True True');
  expect(render("{{ salt['nosuch.fun'] | default(none) is not callable }} {{ (salt['nosuch.fun'] | default(salt['file.dirname']))('/a/b') }}")).toBe('True /a');
  expect(() => render("{{ salt['nosuch.fun']('x') }}")).toThrow(/salt function 'nosuch.fun' is not available in Brine/);
  expect(() => render('{{ salt.nosuch.fun() }}')).toThrow(/salt module 'nosuch' is not available in Brine/);
  expect(() => render('{{ salt.file.nosuch() }}')).toThrow(/salt function 'file.nosuch' is not available in Brine/);
});
