import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import type { ExecOptions, ExecResult, HostReader } from '../types';
import { AptPkgProvider, aptInstallArgv, aptRemoveArgv, parseAptPolicy, parseDpkgQuery } from './apt';
import { DnfPkgProvider, dnfInstallArgv, dnfRemoveArgv, parseRpmLines, rpmQueryArgv } from './dnf';
import { FakePkgProvider } from './fake-pkg';
import { choosePkgProvider, chooseProviders, chooseServiceProvider } from './index';

const reader = new LocalHostReader();
const writer = new LocalHostWriter();

describe('apt (pure)', () => {
  it('builds command lines', () => {
    expect(aptInstallArgv([{ name: 'a' }, { name: 'b', version: '1.2-3' }])).toEqual([
      'apt-get', 'install', '-y', '--no-install-recommends', '-q', '-o', 'DPkg::Lock::Timeout=300',
      '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', '--allow-downgrades', 'a', 'b=1.2-3',
    ]);
    expect(aptRemoveArgv(['a'])).toEqual(['apt-get', 'remove', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300', 'a']);
  });
  it('parses dpkg-query and apt-cache policy output', () => {
    expect(parseDpkgQuery('bash\tinstall ok installed\t5.2\nfoo\tdeinstall ok config-files\t1.0\n', ['bash', 'foo', 'bar'])).toEqual({ bash: '5.2', foo: null, bar: null });
    const policy = 'sl:\n  Installed: (none)\n  Candidate: 5.02-1+b1\n  Version table:\n     5.02-1+b1 500\nzz:amd64:\n  Installed: 1\n  Candidate: (none)\n';
    expect(parseAptPolicy(policy, ['sl', 'zz', 'q'])).toEqual({ sl: '5.02-1+b1', zz: null, q: null });
  });
});

describe('apt (real, package "hello")', () => {
  const apt = new AptPkgProvider();
  let wasInstalled: string | null = null;
  beforeAll(async () => {
    wasInstalled = (await apt.installed(['hello'], reader)).hello;
    if ((await apt.candidate(['hello'], reader)).hello === null) await writer.run(['apt-get', 'update', '-q']);
  }, 300_000);
  afterAll(async () => {
    if (wasInstalled) await apt.install([{ name: 'hello' }], writer);
    else await apt.remove(['hello'], writer);
  }, 300_000);

  it('installs and removes, reporting versions', async () => {
    const cand = (await apt.candidate(['hello', 'bash'], reader));
    expect(cand.hello).toMatch(/^\d/);
    expect((await apt.installed(['bash'], reader)).bash).toMatch(/^\d/);
    if (wasInstalled) await apt.remove(['hello'], writer);
    expect(await apt.installed(['hello', 'no-such-package-brine'], reader)).toEqual({ hello: null, 'no-such-package-brine': null });
    await apt.install([{ name: 'hello', version: cand.hello! }], writer);
    expect((await apt.installed(['hello'], reader)).hello).toBe(cand.hello);
    expect((await reader.probe(['hello'])).stdout).toBe('Hello, world!');
    await apt.remove(['hello'], writer);
    expect((await apt.installed(['hello'], reader)).hello).toBeNull();
  }, 300_000);

  it('a missing package fails with apt\'s message', async () => {
    await expect(apt.install([{ name: 'no-such-package-brine' }], writer)).rejects.toThrow(/apt-get install no-such-package-brine failed with exit code 100:[\s\S]*Unable to locate package/);
  }, 120_000);
});

/** A host that records commands and answers from a script (for providers we cannot run here). */
function scriptedHost(answer: (argv: string[]) => Partial<ExecResult> = () => ({})) {
  const calls: string[][] = [];
  const exec = async (cmd: string | string[], _o?: ExecOptions): Promise<ExecResult> => {
    const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd;
    calls.push(argv);
    return { code: 0, stdout: '', stderr: '', ...answer(argv) };
  };
  const host = Object.assign(Object.create(reader) as HostReader, { probe: exec, run: exec });
  return { host, calls };
}

describe('dnf (command lines only: no dnf here)', () => {
  it('builds and parses', async () => {
    expect(rpmQueryArgv(['a'])).toEqual(['rpm', '-q', '--qf', '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n', 'a']);
    expect(dnfInstallArgv([{ name: 'a' }, { name: 'b', version: '0:1.2-3.fc40' }])).toEqual(['dnf', 'install', '-y', '-q', 'a', 'b-1.2-3.fc40']);
    expect(dnfRemoveArgv(['a'])).toEqual(['dnf', 'remove', '-y', '-q', 'a']);
    expect(parseRpmLines('bash\t(none):5.2-1.fc40\nkernel\t2:6.1-1\npackage foo is not installed\n', ['bash', 'kernel', 'foo'])).toEqual({ bash: '5.2-1.fc40', kernel: '2:6.1-1', foo: null });
    const { host, calls } = scriptedHost((argv) => (argv[0] === 'rpm' ? { code: 1, stdout: 'a\t(none):1-1\npackage b is not installed\n' } : {}));
    const dnf = new DnfPkgProvider();
    expect(await dnf.installed(['a', 'b'], host)).toEqual({ a: '1-1', b: null });
    await dnf.install([{ name: 'b' }], host as never);
    expect(calls[1]).toEqual(['dnf', 'install', '-y', '-q', 'b']);
  });
});

describe('FakePkgProvider', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-fakepkg-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  it('keeps its DB in a JSON file', async () => {
    const db = path.join(tmp, 'db.json');
    const fake = new FakePkgProvider(db, { nginx: '1.22-1' });
    expect(await fake.installed(['nginx'], reader)).toEqual({ nginx: null });
    expect(await fake.candidate(['nginx', 'x'], reader)).toEqual({ nginx: '1.22-1', x: null });
    expect(existsSync(db)).toBe(false);
    await fake.install([{ name: 'nginx' }, { name: 'curl', version: '7' }], writer);
    expect(JSON.parse(readFileSync(db, 'utf8')).installed).toEqual({ nginx: '1.22-1', curl: '7' });
    expect(await new FakePkgProvider(db).installed(['nginx', 'curl'], reader)).toEqual({ nginx: '1.22-1', curl: '7' });
    await fake.remove(['nginx'], writer);
    expect(await fake.installed(['nginx'], reader)).toEqual({ nginx: null });
    await expect(fake.install([{ name: 'nope' }], writer)).rejects.toThrow(/Unable to locate package nope/);
  });
});

describe('provider choice', () => {
  const has = (...paths: string[]) => (p: string) => paths.includes(p);
  it('picks by what exists', () => {
    expect(choosePkgProvider(has('/usr/bin/apt-get')).name).toBe('apt');
    expect(choosePkgProvider(has('/usr/bin/dnf')).name).toBe('dnf');
    expect(() => choosePkgProvider(has())).toThrow(/No package provider/);
    expect(chooseServiceProvider({}, has('/run/systemd/system')).name).toBe('systemd');
    expect(chooseServiceProvider({}, has()).name).toBe('supervisor');
    expect(chooseServiceProvider().name).toBe('supervisor'); // this machine: no systemd running
  });
  it('honours providers: from the minion config', () => {
    const p = chooseProviders({ providers: { pkg: 'fake', pkg_db: '/tmp/x.json', service: 'systemd' } });
    expect([p.pkg.name, p.service.name]).toEqual(['fake', 'systemd']);
    expect(chooseProviders({}, has()).pkg.name).toBe('none');
    expect(() => chooseProviders({ providers: { pkg: 'yum' } })).toThrow(/providers.pkg: unknown provider "yum"/);
  });
});
