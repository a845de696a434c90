/**
 * service.masked / service.unmasked through the engine's runner, on the real systemctl working on a unit-file tree
 * of the test's own (`systemctl --root=DIR`, which needs no running systemd). Comments and changes are Salt 3006.1's
 * (salt/states/service.py masked/unmasked).
 */
import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger, type StateReturn } from '@brine/core';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import { SupervisorServiceProvider } from '../providers/supervisor';
import { SystemdServiceProvider } from '../providers/systemd';
import { runStates } from '../runner';
import { getStateFunction } from './index';
import { chunk, DirSourceClient, naiveTemplate } from './testkit';
import type { ServiceProvider } from '../types';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'brine-mask-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const link = (dir: 'etc' | 'run', unit: string): string | null => {
  const f = path.join(root, dir, 'systemd', 'system', unit);
  try {
    return lstatSync(f).isSymbolicLink() ? readlinkSync(f) : 'not a link';
  } catch {
    return null;
  }
};

async function run(fun: string, name: string, args: Record<string, unknown>, test: boolean, service: ServiceProvider = new SystemdServiceProvider({ root })) {
  const ret: StateReturn = await runStates([chunk('service', fun, name, args)], {
    test,
    reader: new LocalHostReader(),
    makeWriter: () => new LocalHostWriter(),
    files: new DirSourceClient(root),
    template: naiveTemplate,
    providers: { pkg: undefined as never, service },
    log: nullLogger,
    lookup: getStateFunction,
  });
  const r = Object.values(ret)[0]!;
  return { result: r.result, comment: r.comment, changes: r.changes };
}

it('masked: dry run, mask, already masked; unmasked: dry run, unmask, already unmasked (Salt 3006.1)', async () => {
  expect(await run('masked', 'brinefoo', {}, true)).toEqual({ result: null, comment: 'Service brinefoo would be masked', changes: { masked: { old: false, new: true } } });
  expect(link('etc', 'brinefoo.service')).toBeNull();
  expect(await run('masked', 'brinefoo', {}, false)).toEqual({ result: true, comment: 'Service brinefoo was masked', changes: { masked: { old: false, new: true } } });
  expect(link('etc', 'brinefoo.service')).toBe('/dev/null');
  expect(await run('masked', 'brinefoo', {}, false)).toEqual({ result: true, comment: 'Service brinefoo is already masked', changes: {} });
  // a runtime mask is its own: not set by the indefinite one
  expect(await run('masked', 'brinefoo', { runtime: true }, true)).toEqual({ result: null, comment: 'Service brinefoo would be runtime masked', changes: { 'runtime masked': { old: false, new: true } } });

  expect(await run('unmasked', 'brinefoo', {}, true)).toEqual({ result: null, comment: 'Service brinefoo would be unmasked', changes: { masked: { old: true, new: false } } });
  expect(link('etc', 'brinefoo.service')).toBe('/dev/null');
  expect(await run('unmasked', 'brinefoo', {}, false)).toEqual({ result: true, comment: 'Service brinefoo was unmasked', changes: { masked: { old: true, new: false } } });
  expect(link('etc', 'brinefoo.service')).toBeNull();
  expect(await run('unmasked', 'brinefoo', {}, false)).toEqual({ result: true, comment: 'Service brinefoo was already unmasked', changes: {} });
});

it('runtime masks live under /run; a unit name keeps its type (brinefoo.socket), a bare name is a .service', async () => {
  expect(await run('masked', 'brinefoo.socket', { runtime: true }, false)).toEqual({ result: true, comment: 'Service brinefoo.socket was runtime masked', changes: { 'runtime masked': { old: false, new: true } } });
  expect(link('run', 'brinefoo.socket')).toBe('/dev/null');
  expect(link('etc', 'brinefoo.socket')).toBeNull();
  expect(await run('masked', 'brinefoo.socket', {}, true)).toMatchObject({ result: null, comment: 'Service brinefoo.socket would be masked' });
  expect(await run('unmasked', 'brinefoo.socket', { runtime: true }, false)).toEqual({ result: true, comment: 'Service brinefoo.socket was runtime unmasked', changes: { 'runtime masked': { old: true, new: false } } });
  expect(link('run', 'brinefoo.socket')).toBeNull();
});

it('a minion whose services are not systemd has no masks: the state fails with Salt\'s comment', async () => {
  const supervisor = new SupervisorServiceProvider({ servicesDir: path.join(root, 'services.d'), runDir: path.join(root, 'run-sup') });
  expect(await run('masked', 'brinefoo', {}, false, supervisor)).toMatchObject({ result: false, comment: 'Service masking not available on this minion', changes: {} });
  expect(await run('unmasked', 'brinefoo', {}, true, supervisor)).toMatchObject({ result: false, comment: 'Service masking not available on this minion' });
});
