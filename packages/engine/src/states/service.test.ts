import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHostWriter } from '../host/local';
import type { SupervisorServiceProvider } from '../providers/supervisor';
import { serviceModule } from './service';
import { chunk, converge, kit, recheck, testDaemon, type Kit } from './testkit';

const { running, dead, enabled, disabled } = serviceModule.functions;
let tmp: string;
let sup: SupervisorServiceProvider;
let k: Kit;
let out: string;
let starts: () => number;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-svcstate-'));
  ({ sup, out, starts } = testDaemon(tmp, 'web'));
  k = kit({ providers: { service: sup } });
});
afterEach(async () => {
  await sup.stop('web', new LocalHostWriter()).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

it('service.running (enable: True) converges; test mode starts nothing', async () => {
  const c = chunk('service', 'running', 'web', { enable: true });
  const p = running.parse('r', c.args, c);
  expect(await running.check(p, k.checkCtx(c))).toEqual({ web: true, enabled: { old: false, new: true } });
  expect(running.testComment!(p)).toBe('Service web is set to start');
  expect([starts(), (await sup.status('web', k.reader)).running]).toEqual([0, false]);
  const r = await converge(k, running, c);
  expect(r.outcome.comment).toBe('Service web has been enabled, Started service web');
  expect(await sup.status('web', k.reader)).toEqual({ exists: true, running: true, enabled: true });
  expect(await recheck(k, running, c)).toEqual({});
  expect(running.okComment!(p)).toBe('The service web is already running');
  expect(starts()).toBe(1);
});

it('watch restarts a running service, reloads with reload: True, starts a stopped one', async () => {
  const c = chunk('service', 'running', 'web');
  const p = running.parse('r', {}, c);
  expect(await running.watch!(p, k.applyCtx(c))).toEqual({ changes: { web: true }, comment: 'Service started' });
  const pid1 = await sup.pid('web', k.reader);
  expect(await running.watch!(p, k.applyCtx(c))).toEqual({ changes: { web: true }, comment: 'Service restarted' });
  const pid2 = await sup.pid('web', k.reader);
  expect(pid2).not.toBe(pid1);
  const rc = chunk('service', 'running', 'web', { reload: true });
  expect((await running.watch!(running.parse('r', rc.args, rc), k.applyCtx(rc))).comment).toBe('Service reloaded');
  expect(await sup.pid('web', k.reader)).toBe(pid2);
  for (let i = 0; i < 40 && !readFileSync(out, 'utf8').includes('hup'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(readFileSync(out, 'utf8')).toContain('hup');
  expect(dead.watch).toBeUndefined();
}, 20_000);

it('service.dead converges; test mode stops nothing', async () => {
  await sup.start('web', new LocalHostWriter());
  const c = chunk('service', 'dead', 'web');
  const p = dead.parse('r', {}, c);
  expect(await dead.check(p, k.checkCtx(c))).toEqual({ web: true });
  expect((await sup.status('web', k.reader)).running).toBe(true);
  expect((await converge(k, dead, c)).outcome.comment).toBe('Service web was killed');
  expect((await sup.status('web', k.reader)).running).toBe(false);
  expect(await recheck(k, dead, c)).toEqual({});
  expect(dead.okComment!(p)).toBe('The service web is already dead');
});

it('service.enabled / disabled converge; test mode leaves the marker alone', async () => {
  const e = chunk('service', 'enabled', 'web');
  expect(await enabled.check(enabled.parse('r', {}, e), k.checkCtx(e))).toEqual({ enabled: { old: false, new: true } });
  expect((await sup.status('web', k.reader)).enabled).toBe(false);
  await converge(k, enabled, e);
  expect(await recheck(k, enabled, e)).toEqual({});
  expect((await sup.status('web', k.reader))).toEqual({ exists: true, running: false, enabled: true });
  const d = chunk('service', 'disabled', 'web');
  expect(await disabled.check(disabled.parse('r', {}, d), k.checkCtx(d))).toEqual({ enabled: { old: true, new: false } });
  expect((await sup.status('web', k.reader)).enabled).toBe(true);
  await converge(k, disabled, d);
  expect(await recheck(k, disabled, d)).toEqual({});
  expect(disabled.okComment!(disabled.parse('r', {}, d))).toBe('Service web is already disabled, and is in the desired state');
});

it('an unknown service is an error; parse validates', async () => {
  const c = chunk('service', 'running', 'nope');
  await expect(running.check(running.parse('r', {}, c), k.checkCtx(c))).rejects.toThrow('The named service nope is not available');
  expect(() => running.parse('r', { enable: 'yes' }, chunk('service', 'running', 'web', { enable: 'yes' }))).toThrow(/enable: expected true or false/);
  expect(() => running.parse('r', {}, chunk('service', 'running', 'a b'))).toThrow(/invalid service name/);
});
