import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
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
let waitStarts: (n: number) => Promise<number>;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-svcstate-'));
  ({ sup, out, starts, waitStarts } = testDaemon(tmp, 'web'));
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
  // the daemon notes its start once Node is up (on a loaded host that can be after the supervisor's settle time)
  expect(await waitStarts(1)).toBe(1);
});

it('watch restarts a running service, reloads with reload: True, starts a stopped one', async () => {
  const c = chunk('service', 'running', 'web');
  const p = running.parse('r', {}, c);
  // A dry run says what Salt's service.mod_watch says in test mode.
  expect(await running.watchTestComment!(p, k.checkCtx(c))).toBe('Service is set to be started');
  expect(await running.watch!(p, k.applyCtx(c))).toEqual({ changes: { web: true }, comment: 'Service started' });
  expect(await running.watchTestComment!(p, k.checkCtx(c))).toBe('Service is set to be restarted');
  const pid1 = await sup.pid('web', k.reader);
  expect(await running.watch!(p, k.applyCtx(c))).toEqual({ changes: { web: true }, comment: 'Service restarted' });
  const pid2 = await sup.pid('web', k.reader);
  expect(pid2).not.toBe(pid1);
  // the new daemon has its SIGHUP handler once it noted its start (a SIGHUP before that would end it)
  const noted = () => existsSync(out) && readFileSync(out, 'utf8').includes(`start ${pid2}\n`);
  for (let i = 0; i < 100 && !noted(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(noted()).toBe(true);
  const rc = chunk('service', 'running', 'web', { reload: true });
  expect(await running.watchTestComment!(running.parse('r', rc.args, rc), k.checkCtx(rc))).toBe('Service is set to be reloaded');
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

// Bad input (issue 10): what service.running says about a definition it cannot use and about a restart loop.
it('service.running fails with file:line on an unknown restart policy (check and apply alike)', async () => {
  const def = path.join(tmp, 'services.d', 'web.yaml');
  writeFileSync(def, `${readFileSync(def, 'utf8')}# the policy below is not one of on-failure, always, no\nrestart: sometimes\n`);
  const c = chunk('service', 'running', 'web');
  const p = running.parse('r', {}, c);
  await expect(running.check(p, k.checkCtx(c))).rejects.toThrow(`${def}:3: restart: unknown restart policy "sometimes" (on-failure, always or no)`);
  await expect(converge(k, running, c)).rejects.toThrow(`${def}:3: restart: unknown restart policy`);
  expect(starts()).toBe(0);
});

it('service.running reports a restart loop stopped by the start limit, and does not start it again', async () => {
  writeFileSync(path.join(tmp, 'services.d', 'web.yaml'), 'command: [/bin/sh, -c, "sleep 0.3; echo bad-config-line-7; exit 1"]\nrestart_sec: 0.05\nstart_limit_burst: 3\nstart_limit_interval: 30\n');
  const c = chunk('service', 'running', 'web');
  // the first start is believed (alive after its settle time); then the keeper restarts it until the burst limit
  expect((await converge(k, running, c)).outcome.comment).toBe('Started service web');
  for (let i = 0; i < 100 && (await sup.keeperState('web', k.reader))?.state !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await sup.keeperState('web', k.reader)).toMatchObject({ state: 'failed', starts: 3, pid: null });
  const p = running.parse('r', {}, c);
  expect(await running.check(p, k.checkCtx(c))).toEqual({ web: true });
  await expect(converge(k, running, c)).rejects.toThrow(/Service web is failed: start limit hit: 3 starts within 30 s[\s\S]*bad-config-line-7/);
  expect((await sup.status('web', k.reader)).running).toBe(false);
  expect(await sup.keeperPid('web', k.reader)).toBeNull();
}, 20_000);
