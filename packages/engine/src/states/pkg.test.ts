import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import { AptPkgProvider } from '../providers/apt';
import { FakePkgProvider } from '../providers/fake-pkg';
import { pkgModule, versionMatches } from './pkg';
import { chunk, converge, kit, recheck } from './testkit';

const { installed, latest, removed, purged } = pkgModule.functions;
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
    const rp = removed.parse('r', rm.args, rm);
    const pending = await removed.check(rp, k.checkCtx(rm));
    expect(removed.testChanges!(rp, pending)).toEqual({ nginx: { new: 'removed', old: '' } });
    expect(removed.testComment!(rp)).toBe('The following packages will be removed: nginx.');
    const r = await converge(k, removed, rm);
    // Salt names the packages that were not installed.
    expect(r.outcome).toEqual({ changes: { nginx: { old: '1.22-1', new: '' } }, comment: 'The following packages were not installed: curl The following packages were removed: nginx.' });
    expect(await recheck(k, removed, rm)).toEqual({});
    expect(removed.okComment!(removed.parse('r', rm.args, rm))).toBe('All specified packages are already absent');
  });

  it('purged: installed packages, Salt\'s changes and comments', async () => {
    writeFileSync(db, JSON.stringify({ installed: { nginx: '1.18-1', vim: '9.0-1' } }));
    const k = mk();
    const c = chunk('pkg', 'purged', 'x', { pkgs: ['vim', 'nginx'] });
    const p = purged.parse('r', c.args, c);
    const pending = await purged.check(p, k.checkCtx(c));
    expect(purged.testChanges!(p, pending)).toEqual({ nginx: { new: 'purged', old: '' }, vim: { new: 'purged', old: '' } });
    expect(purged.testComment!(p)).toBe('The following packages will be purged: nginx, vim.');
    const r = await converge(k, purged, c);
    expect(r.outcome).toEqual({ changes: { removed: {}, installed: { nginx: { old: '1.18-1', new: '' }, vim: { old: '9.0-1', new: '' } } }, comment: 'All targeted packages were purged.' });
    expect(await recheck(k, purged, c)).toEqual({});
    expect(purged.okComment!(p)).toBe('None of the targeted packages are installed or partially installed');
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

describe('pkg.removed then pkg.purged with apt (real, a package built here with a conffile)', () => {
  const apt = new AptPkgProvider();
  const reader = new LocalHostReader();
  const writer = new LocalHostWriter();
  const NAME = 'brine-purge-probe';
  const CONF = `/etc/${NAME}.conf`;
  const purge = () => writer.run(['dpkg', '--purge', NAME]);
  beforeAll(async () => {
    await purge();
    const root = mkdtempSync(path.join(os.tmpdir(), 'brine-deb-'));
    const pkgRoot = path.join(root, 'pkg');
    for (const d of ['DEBIAN', 'etc']) mkdirSync(path.join(pkgRoot, d), { recursive: true });
    writeFileSync(path.join(pkgRoot, 'DEBIAN', 'control'), `Package: ${NAME}\nVersion: 1.2-3\nArchitecture: all\nMaintainer: Brine tests <t@example.invalid>\nDescription: Brine purge test package\n`);
    writeFileSync(path.join(pkgRoot, 'DEBIAN', 'conffiles'), `${CONF}\n`);
    writeFileSync(path.join(pkgRoot, CONF), 'setting = 1\n');
    const deb = path.join(root, `${NAME}.deb`);
    for (const argv of [['dpkg-deb', '--root-owner-group', '--build', pkgRoot, deb], ['dpkg', '-i', deb]]) {
      const r = await writer.run(argv);
      if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
    }
    rmSync(root, { recursive: true, force: true });
  }, 120_000);
  afterAll(() => purge(), 120_000);

  it('removed leaves the configuration (dpkg config-files); purged then removes it, as Salt reports both', async () => {
    const k = kit({ providers: { pkg: apt } });
    expect((await apt.installed([NAME], reader))[NAME]).toBe('1.2-3');
    const rm = chunk('pkg', 'removed', NAME);
    expect((await converge(k, removed, rm)).outcome.changes).toEqual({ [NAME]: { old: '1.2-3', new: '' } });
    expect(readFileSync(CONF, 'utf8')).toBe('setting = 1\n');
    expect(await apt.residual([NAME, 'bash'], reader)).toEqual({ [NAME]: '1.2-3', bash: null });
    expect(await recheck(k, removed, rm)).toEqual({});
    const pg = chunk('pkg', 'purged', NAME);
    const p = purged.parse('r', {}, pg);
    expect(await purged.check(p, k.checkCtx(pg))).toEqual({ [NAME]: { old: '1.2-3', new: '' } });
    expect(purged.testComment!(p)).toBe(`The following packages will be purged: ${NAME}.`);
    const r = await converge(k, purged, pg);
    expect(r.outcome).toEqual({ changes: { removed: { [NAME]: { old: '1.2-3', new: '' } }, installed: {} }, comment: 'All targeted packages were purged.' });
    expect(() => readFileSync(CONF)).toThrow(/ENOENT/);
    expect(await apt.residual([NAME], reader)).toEqual({ [NAME]: null });
    expect(await recheck(k, purged, pg)).toEqual({});
  }, 300_000);
});
