/** pkg.* execution functions over the fake provider (its JSON package DB in a temp dir). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { FakePkgProvider } from '@brine/engine';
import type { Providers } from '@brine/engine';
import { parseDpkgList, pkgModule } from './pkg';
import { CallResult, type ExecEnv } from './types';

let tmp: string;
let db: string;
let env: ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => pkgModule.functions[fun]!(args, kwargs, env) as Promise<unknown>;
const setDb = (d: object) => fs.writeFileSync(db, JSON.stringify(d));
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-pkgmod-'));
  db = path.join(tmp, 'db.json');
  const providers = { pkg: new FakePkgProvider(db) } as unknown as Providers;
  env = { log: nullLogger, providers: () => providers } as unknown as ExecEnv;
  setDb({ available: { nginx: '1.24', curl: '8.0', vim: '9.1' }, installed: { vim: '9.0' } });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('install and remove return {name: {old, new}} for what changed', async () => {
  expect(await call('install', ['nginx'])).toEqual({ nginx: { old: '', new: '1.24' } });
  expect(await call('install', ['nginx'])).toEqual({});
  expect(await call('install', [], { pkgs: ['curl', { nginx: '1.22' }] })).toEqual({ curl: { old: '', new: '8.0' }, nginx: { old: '1.24', new: '1.22' } });
  expect(await call('list_pkgs')).toEqual({ curl: '8.0', nginx: '1.22', vim: '9.0' });
  expect(await call('remove', ['curl,nope'])).toEqual({ curl: { old: '8.0', new: '' } });
  // Salt's pkg.purge: the installed packages and the residual ones (configuration left) apart; nothing to do is {}.
  expect(await call('purge', ['nginx'])).toEqual({ removed: {}, installed: { nginx: { old: '1.22', new: '' } } });
  expect(await call('purge', ['nginx'])).toEqual({});
  const bad = await call('install', ['ghost']);
  expect(bad).toBeInstanceOf(CallResult);
  expect((bad as CallResult).outcome).toBe('error');
});

test('version and latest_version: a string for one name, a dict for several; upgrade and refresh_db', async () => {
  expect(await call('version', ['vim'])).toBe('9.0');
  expect(await call('version', ['nginx'])).toBe('');
  expect(await call('version', ['vim', 'nginx'])).toEqual({ vim: '9.0', nginx: '' });
  expect(await call('latest_version', ['vim', 'nginx', 'ghost'], { refresh: false })).toEqual({ vim: '9.1', nginx: '1.24', ghost: '' });
  expect(await call('refresh_db')).toEqual({});
  expect(await call('upgrade')).toEqual({ vim: { old: '9.0', new: '9.1' } });
  expect(await call('latest_version', ['vim'])).toBe('');
  expect(await call('upgrade')).toEqual({});
});

test('in a template: version and list_pkgs read the same database without waiting; a damaged one is named', () => {
  const twin = (fun: string, args: unknown[] = []) => pkgModule.templateFunctions![fun]!(args, {}, env);
  expect(twin('version', ['vim'])).toBe('9.0');
  expect(twin('version', ['vim', 'nginx'])).toEqual({ vim: '9.0', nginx: '' });
  expect(twin('list_pkgs')).toEqual({ vim: '9.0' });
  expect(() => twin('version')).toThrow(/name at least one package/);
  expect(pkgModule.templateFunctions!['latest_version']!(['vim', 'nginx', 'ghost'], { refresh: false }, env)).toEqual({ vim: '9.1', nginx: '1.24', ghost: '' });
  fs.writeFileSync(db, '{"installed": ');
  expect(() => twin('version', ['vim'])).toThrow(new RegExp(`fake package DB ${db}: invalid JSON`));
  fs.rmSync(db);
  expect(twin('version', ['vim'])).toBe('');
});

test('version_cmp: -1, 0 or 1 by Debian rules, in a job and in a template', () => {
  const cmp = (...a: unknown[]) => pkgModule.functions.version_cmp!(a, {}, env);
  expect(cmp('1.2', '1.10')).toBe(-1);
  expect(cmp('1.0', '1.0~rc1')).toBe(1);
  expect(cmp('2:1.0', '1:1.0')).toBe(1);
  expect(pkgModule.functions.version_cmp!(['2:1.0', '1:1.0'], { ignore_epoch: true }, env)).toBe(0);
  expect(() => cmp('1.0')).toThrow(/give pkg1 and pkg2/);
});

test('latest_version refreshes the package database first (Salt: refresh=True), not with refresh=False', async () => {
  const fake = new FakePkgProvider(db);
  const refreshed: string[] = [];
  // The fake provider, with a refresh of its own: a newer vim appears in the database when it is refreshed.
  const pkg = Object.assign(Object.create(fake) as FakePkgProvider, {
    refresh: async () => {
      refreshed.push('refresh');
      setDb({ available: { nginx: '1.24', curl: '8.0', vim: '9.2' }, installed: { vim: '9.0' } });
      return {};
    },
  });
  env = { log: nullLogger, providers: () => ({ pkg }) } as unknown as ExecEnv;
  expect(await call('latest_version', ['vim'], { refresh: false })).toBe('9.1');
  expect(refreshed).toEqual([]);
  expect(await call('latest_version', ['vim'])).toBe('9.2');
  expect(refreshed).toEqual(['refresh']);
  expect(await call('latest_version', ['vim'], { refresh: 'False' })).toBe('9.2');
  expect(refreshed).toEqual(['refresh']);
});

test("list_pkgs over dpkg-query keeps held packages and names foreign-arch ones name:arch (Salt's aptpkg)", () => {
  const out = [
    'install ok installed bash 5.2.15-2+b2 amd64',
    'hold ok installed nginx 1.22.1-9 amd64',
    'install ok installed libc6 2.36-9 i386',
    'install ok installed tzdata 2024a-0 all',
    'deinstall ok config-files mc 3:4.8.1-2 amd64',
    'purge ok not-installed gone 1.0 amd64',
    'unknown ok not-installed',
    '',
  ].join('\n');
  const amd64 = { cpuarch: 'x86_64', osarch: 'amd64' };
  expect(parseDpkgList(out, amd64)).toEqual({ bash: '5.2.15-2+b2', nginx: '1.22.1-9', 'libc6:i386': '2.36-9', tzdata: '2024a-0' });
  // Salt adds the suffix on x86_64/amd64 hosts only.
  expect(Object.keys(parseDpkgList(out, { cpuarch: 'aarch64', osarch: 'arm64' }))).toEqual(['bash', 'nginx', 'libc6', 'tzdata']);
});

describe('over apt on this host (real dpkg and apt-cache reads)', () => {
  const { execFileSync } = require('child_process') as typeof import('child_process');
  const { choosePkgProvider } = require('@brine/engine') as typeof import('@brine/engine');
  const dpkgVersion = (n: string) => execFileSync('dpkg-query', ['-W', '-f', '${Version}', n], { encoding: 'utf8' });
  let apt: ExecEnv;
  beforeEach(() => {
    const providers = { pkg: choosePkgProvider() } as unknown as Providers;
    apt = { log: nullLogger, providers: () => providers } as unknown as ExecEnv;
  });
  const onApt = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => pkgModule.functions[fun]!(args, kwargs, apt) as Promise<unknown>;

  test('version, list_pkgs and latest_version agree with dpkg-query and apt-cache', async () => {
    expect(apt.providers().pkg.name).toBe('apt');
    expect(await onApt('version', ['bash'])).toBe(dpkgVersion('bash'));
    expect(await onApt('version', ['bash', 'no-such-package-xyz'])).toEqual({ bash: dpkgVersion('bash'), 'no-such-package-xyz': '' });
    const all = (await onApt('list_pkgs')) as Record<string, string>;
    expect(all['bash']).toBe(dpkgVersion('bash'));
    expect(all['coreutils']).toBe(dpkgVersion('coreutils'));
    expect(Object.keys(all)).toEqual(Object.keys(all).sort());
    const policy = execFileSync('apt-cache', ['policy', 'bash'], { encoding: 'utf8' });
    const candidate = /Candidate: (\S+)/.exec(policy)![1]!;
    expect(await onApt('latest_version', ['bash'], { refresh: false })).toBe(candidate === dpkgVersion('bash') ? '' : candidate);
  });

  test("in a template (blocking twins, as Salt's renderer calls them): version and list_pkgs agree with the job's", async () => {
    const twin = (fun: string, args: unknown[] = []) => pkgModule.templateFunctions![fun]!(args, {}, apt);
    expect(twin('version', ['bash'])).toBe(dpkgVersion('bash'));
    expect(twin('version', ['bash', 'no-such-package-xyz'])).toEqual({ bash: dpkgVersion('bash'), 'no-such-package-xyz': '' });
    expect(twin('list_pkgs')).toEqual(await onApt('list_pkgs'));
    const latest = (args: unknown[]) => pkgModule.templateFunctions!['latest_version']!(args, { refresh: false }, apt);
    expect(latest(['bash', 'no-such-package-xyz'])).toEqual(await onApt('latest_version', ['bash', 'no-such-package-xyz'], { refresh: false }));
    expect(latest(['no-such-package-xyz'])).toBe('');
  });

  test('removing a package that is not installed changes nothing and runs no package manager', async () => {
    expect(await onApt('remove', ['no-such-package-xyz'])).toEqual({});
  });
});
