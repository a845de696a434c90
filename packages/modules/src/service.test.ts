/** service.* execution functions over the supervisor provider, with a tiny real daemon. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { LocalHostWriter } from '@brine/engine';
import { SupervisorServiceProvider, SystemdServiceProvider } from '@brine/engine';
import type { Providers } from '@brine/engine';
import { serviceModule } from './service';
import { CallResult, type ExecEnv } from './types';

const DAEMON = `process.on('SIGTERM', () => process.exit(0)); process.on('SIGHUP', () => {}); setInterval(() => {}, 1000);`;
let tmp: string;
let sup: SupervisorServiceProvider;
let env: ExecEnv;
const call = (fun: string, name: string) => serviceModule.functions[fun]!([name], {}, env) as Promise<unknown>;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-svcmod-'));
  const dir = path.join(tmp, 'services.d');
  mkdirSync(dir);
  writeFileSync(path.join(tmp, 'daemon.js'), DAEMON);
  writeFileSync(path.join(dir, 'd.yaml'), JSON.stringify({ command: [process.execPath, path.join(tmp, 'daemon.js')] }));
  sup = new SupervisorServiceProvider({ servicesDir: dir, runDir: path.join(tmp, 'run') });
  const providers = { service: sup } as unknown as Providers;
  env = { log: nullLogger, providers: () => providers } as unknown as ExecEnv;
});
afterEach(async () => {
  await sup.stop('d', new LocalHostWriter()).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

test('available, start, status, restart (new pid), reload, stop, enable/enabled/disable', async () => {
  expect(await call('available', 'd')).toBe(true);
  expect(await call('available', 'nope')).toBe(false);
  expect(await call('status', 'd')).toBe(false);
  expect(await call('start', 'd')).toBe(true);
  expect(await call('status', 'd')).toBe(true);
  const pid1 = await sup.pid('d', new LocalHostWriter());
  expect(await call('restart', 'd')).toBe(true);
  expect(await sup.pid('d', new LocalHostWriter())).not.toBe(pid1);
  expect(await call('reload', 'd')).toBe(true);
  expect(await call('status', 'd')).toBe(true);
  expect(await call('stop', 'd')).toBe(true);
  expect(await call('status', 'd')).toBe(false);
  expect(await call('enabled', 'd')).toBe(false);
  expect(await call('enable', 'd')).toBe(true);
  expect(await call('enabled', 'd')).toBe(true);
  expect(await call('disable', 'd')).toBe(true);
  expect(await call('enabled', 'd')).toBe(false);
  const missing = await call('start', 'nope');
  expect(missing).toBeInstanceOf(CallResult);
  expect((missing as CallResult).outcome).toBe('error');
}, 30_000);

test('templates ask service.available / missing without waiting (the provider answers synchronously)', () => {
  const t = serviceModule.templateFunctions!;
  expect([t['available']!(['d'], {}, env), t['available']!(['nope'], {}, env), t['missing']!(['nope'], {}, env)]).toEqual([true, false, true]);
  const noSync = { service: { name: 'custom' } } as unknown as Providers;
  expect(() => t['available']!(['d'], {}, { ...env, providers: () => noSync })).toThrow(/the custom service provider cannot answer from a template/);
});

test('mask, masked, unmask on systemd unit files under root= (the real systemctl --root); the supervisor has no masks', async () => {
  const root = path.join(tmp, 'sysroot');
  mkdirSync(root);
  const sd = { service: new SystemdServiceProvider() } as unknown as Providers;
  const sdEnv = { log: nullLogger, providers: () => sd } as unknown as ExecEnv;
  const m = (fun: string, kwargs: Record<string, unknown>) => serviceModule.functions[fun]!(['brinefoo'], { root, ...kwargs }, sdEnv) as Promise<unknown>;
  expect(await m('masked', {})).toBe(false);
  expect(await m('mask', {})).toBe(true);
  expect(await m('masked', {})).toBe(true);
  expect(await m('masked', { runtime: true })).toBe(false);
  expect(await m('mask', { runtime: true })).toBe(true);
  expect(await m('masked', { runtime: true })).toBe(true);
  expect(await m('unmask', {})).toBe(true);
  expect(await m('masked', {})).toBe(false);
  expect(await m('masked', { runtime: true })).toBe(true);
  // nothing to unmask: True, as Salt's
  expect(await m('unmask', {})).toBe(true);
  await expect(serviceModule.functions['mask']!(['d'], {}, env)).rejects.toThrow('service.mask: the supervisor service provider has no masks');
});
