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

test("test.provider names the Salt module file that provides a module, as Salt 3006.1 does (checked with Debian 12 and Rocky 9 grains)", () => {
  const fs = require('fs') as typeof import('fs');
  let booted = false;
  try {
    booted = fs.statSync('/run/systemd/system').isDirectory();
  } catch {
    /* a container */
  }
  const fns = { 'cmd.run': () => '', 'user.info': () => null, 'file.dirname': () => '', 'grains.get': () => null };
  const on = (grains: Record<string, unknown>) => (src: string): string => new JinjaEngine({ load: () => null }).renderString(src, { salt: new SaltLoader(fns, {}, grains) }, 'r.sls');
  const deb = on({ os: 'Debian', os_family: 'Debian', kernel: 'Linux' });
  const rh = on({ os: 'Rocky', os_family: 'RedHat', kernel: 'Linux' });
  const calls = "{% for m in ['cmd', 'pkg', 'nosuch', 'grains', 'user', 'file'] %}{{ salt['test.provider'](m) }},{% endfor %}";
  expect(deb(calls)).toBe('cmdmod,aptpkg,,grains,useradd,file,');
  expect(rh(calls)).toBe('cmdmod,yumpkg,,grains,useradd,file,');
  // service: systemd when the host was booted with it; else Debian's own module, and systemd offline for Rocky
  // (rh_service does not load there) where systemctl is installed.
  expect(deb("{{ salt['test.provider']('service') }}")).toBe(booted ? 'systemd_service' : 'debian_service');
  expect(rh("{{ salt.test.provider(module='service') }}")).toBe(booted || require('./pypath').which('systemctl') ? 'systemd_service' : 'service');
});
