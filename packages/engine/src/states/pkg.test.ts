import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import { AptPkgProvider } from '../providers/apt';
import { FakePkgProvider } from '../providers/fake-pkg';
import { pkgModule, versionMatches } from './pkg';
import { chunk, converge, kit, recheck } from './testkit';

const { installed, latest, removed } = pkgModule.functions;
let tmp: string;
let db: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-pkg-'));
  db = path.join(tmp, 'db.json');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('with the fake provider', () => {
  const mk = () => kit({ providers: { pkg: new FakePkgProvider(db, { nginx: '1.22-1', curl: '7.88-1', vim: '9.0-1' }) } });

  it('installed: single, pkgs list with versions; converges; test mode leaves the DB alone', async () => {
    const k = mk();
    const c = chunk('pkg', 'installed', 'nginx');
    expect(await installed.check(installed.parse('r', {}, c), k.checkCtx(c))).toEqual({ nginx: { old: '', new: '1.22-1' } });
    expect(() => readFileSync(db)).toThrow(); // test mode: nothing written
    const r = await converge(k, installed, c);
    expect(r.outcome).toEqual({ changes: { nginx: { old: '', new: '1.22-1' } }, comment: 'The following packages were installed/updated: nginx' });
    expect(await recheck(k, installed, c)).toEqual({});
    expect(installed.okComment!(installed.parse('r', {}, c))).toBe('All specified packages are already installed');
    const many = chunk('pkg', 'installed', 'web', { pkgs: ['nginx', { curl: '7.0-1' }, 'vim'] });
    expect((await converge(k, installed, many)).outcome.changes).toEqual({ curl: { old: '', new: '7.0-1' }, vim: { old: '', new: '9.0-1' } });
    expect(await recheck(k, installed, many)).toEqual({});
    // A different pinned version is a change.
    const pin = chunk('pkg', 'installed', 'curl', { version: '7.88-1' });
    expect((await converge(k, installed, pin)).pending).toEqual({ curl: { old: '7.0-1', new: '7.88-1' } });
  });

  it('latest upgrades to the candidate; removed removes', async () => {
    writeFileSync(db, JSON.stringify({ installed: { nginx: '1.18-1' } }));
    const k = mk();
    const l = chunk('pkg', 'latest', 'nginx');
    expect((await converge(k, latest, l)).outcome.changes).toEqual({ nginx: { old: '1.18-1', new: '1.22-1' } });
    expect(await recheck(k, latest, l)).toEqual({});
    expect(latest.okComment!(latest.parse('r', {}, l))).toBe('Package nginx is already up-to-date');
    const gone = chunk('pkg', 'latest', 'nosuch');
    await expect(latest.check(latest.parse('r', {}, gone), k.checkCtx(gone))).rejects.toThrow("No information found for 'nosuch'");
    const rm = chunk('pkg', 'removed', 'x', { pkgs: ['nginx', 'curl'] });
    const before = readFileSync(db, 'utf8');
    expect(await removed.check(removed.parse('r', rm.args, rm), k.checkCtx(rm))).toEqual({ nginx: { old: '1.22-1', new: '' } });
    expect(readFileSync(db, 'utf8')).toBe(before);
    const r = await converge(k, removed, rm);
    expect(r.outcome).toEqual({ changes: { nginx: { old: '1.22-1', new: '' } }, comment: 'All targeted packages were removed.' });
    expect(await recheck(k, removed, rm)).toEqual({});
    expect(removed.okComment!(removed.parse('r', rm.args, rm))).toBe('All specified packages are already absent');
  });

  it('parse validates', () => {
    const p = (fn: typeof installed, name: string, args: Record<string, unknown>) => () => fn.parse('pkg:x', args, chunk('pkg', 'installed', name, args));
    expect(p(installed, 'x', { pkgs: 'nginx' })).toThrow(/pkgs: expected a list/);
    expect(p(installed, 'x', { pkgs: [] })).toThrow(/pkgs: an empty list/);
    expect(p(installed, 'x', { pkgs: [{ a: 1, b: 2 }] })).toThrow(/item 0/);
    expect(p(installed, 'bad name', {})).toThrow(/invalid package name/);
    expect(p(removed, 'x', { pkgs: [{ a: '1' }] })).toThrow(/versions are not accepted/);
    expect(p(latest, 'x', { version: '1' })).toThrow(/version: not accepted/);
    expect(versionMatches('1:2.0-1', '1:2.0-1')).toBe(true);
    expect(versionMatches('0:2.0-1', '2.0-1')).toBe(true);
    expect(versionMatches('2.0.5-1', '2.0*')).toBe(true);
    expect(versionMatches('2.1-1', '2.0*')).toBe(false);
  });
});

describe('with apt (real, package "sl")', () => {
  const apt = new AptPkgProvider();
  const reader = new LocalHostReader();
  const writer = new LocalHostWriter();
  let was: string | null;
  beforeAll(async () => {
    was = (await apt.installed(['sl'], reader)).sl;
    if (was) await apt.remove(['sl'], writer);
    if ((await apt.candidate(['sl'], reader)).sl === null) await writer.run(['apt-get', 'update', '-q']);
  }, 300_000);
  afterAll(async () => {
    if (was) await apt.install([{ name: 'sl' }], writer);
    else await apt.remove(['sl'], writer);
  }, 300_000);

  it('pkg.installed then pkg.removed converge; test mode installs nothing', async () => {
    const k = kit({ providers: { pkg: apt } });
    const c = chunk('pkg', 'installed', 'sl');
    const cand = (await apt.candidate(['sl'], reader)).sl!;
    expect(await installed.check(installed.parse('r', {}, c), k.checkCtx(c))).toEqual({ sl: { old: '', new: cand } });
    expect((await apt.installed(['sl'], reader)).sl).toBeNull();
    const r = await converge(k, installed, c);
    expect(r.outcome.changes).toEqual({ sl: { old: '', new: cand } });
    expect(await recheck(k, installed, c)).toEqual({});
    const rm = chunk('pkg', 'removed', 'sl');
    expect((await converge(k, removed, rm)).outcome.changes).toEqual({ sl: { old: cand, new: '' } });
    expect(await recheck(k, removed, rm)).toEqual({});
  }, 300_000);
});
