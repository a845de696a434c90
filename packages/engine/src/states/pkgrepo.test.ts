/** pkgrepo.managed and pkgrepo.absent on real files (refresh off: no network is needed). */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StateArgError } from '@brine/core';
import { parseAptLine, pkgrepoModule, renderAptLine } from './pkgrepo';
import { AptPkgProvider } from '../providers/apt';
import { FakePkgProvider } from '../providers/fake-pkg';
import type { PkgProvider } from '../types';
import { chunk, converge, kit, recheck } from './testkit';

const { managed } = pkgrepoModule.functions;
let tmp: string;
let root: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-pkgrepo-'));
  root = path.join(tmp, 'roots');
  mkdirSync(root);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));
const parse = (c: ReturnType<typeof chunk>) => managed.parse(`pkgrepo.managed ${c.id}`, c.args, c);

it('apt: writes the line with signed-by, stores a salt:// key, then changes one option in place', async () => {
  const k = kit({ fileRoot: root });
  writeFileSync(path.join(root, 'repo.gpg'), Buffer.from([0x99, 0x01, 0x0d, 0x04]));
  const file = path.join(tmp, 'sources.list.d', 'example.list');
  const keyring = path.join(tmp, 'keyrings', 'example.gpg');
  const name = `deb [signed-by=${keyring}] https://repo.example.com/debian bookworm main`;
  const c = chunk('pkgrepo', 'managed', name, { file, key_url: 'salt://repo.gpg', refresh: false, architectures: 'amd64' });
  const r = await converge(k, managed, c);
  expect(r.pending).toEqual({ repo: name });
  expect(r.outcome.comment).toBe(`Configured package repo '${name}'`);
  expect(readFileSync(file, 'utf8')).toBe(`deb [arch=amd64 signed-by=${keyring}] https://repo.example.com/debian bookworm main\n`);
  expect(readFileSync(keyring)).toEqual(Buffer.from([0x99, 0x01, 0x0d, 0x04]));
  expect(r.after).toEqual({});
  expect(managed.okComment!(parse(c))).toBe(`Package repo '${name}' already configured`);
  const c2 = chunk('pkgrepo', 'managed', name, { file, key_url: 'salt://repo.gpg', refresh: false, architectures: 'amd64', comps: 'main,contrib' });
  const r2 = await converge(k, managed, c2);
  expect(r2.pending).toEqual({ comps: { new: ['main', 'contrib'], old: ['main'] } });
  // Only the key missing: that alone is the change.
  rmSync(keyring);
  const r3 = await converge(k, managed, c2);
  expect(r3.pending).toEqual({ key: { new: keyring, old: '' } });
  expect(readFileSync(keyring)).toEqual(Buffer.from([0x99, 0x01, 0x0d, 0x04]));
  expect(readFileSync(file, 'utf8')).toBe(`deb [arch=amd64 signed-by=${keyring}] https://repo.example.com/debian bookworm main contrib\n`);
});

it('apt: an armoured key is dearmoured with gpg; other lines of the file are kept; ppa naming', async () => {
  const gnupg = path.join(tmp, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Brine Test <test@example.com>', 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
  const armoured = execFileSync('gpg', ['--armor', '--export', 'test@example.com'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  expect(armoured.toString()).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  const keyFile = path.join(tmp, 'key.asc');
  writeFileSync(keyFile, armoured);
  const file = path.join(tmp, 'sources.list');
  writeFileSync(file, 'deb http://deb.debian.org/debian bookworm main\n');
  const keyring = path.join(tmp, 'kr', 'x.gpg');
  const k = kit({ fileRoot: root });
  await converge(k, managed, chunk('pkgrepo', 'managed', 'deb http://other.example/apt stable main', { file, key_url: keyFile, signedby: keyring, refresh: false }));
  expect(readFileSync(file, 'utf8')).toBe(`deb http://deb.debian.org/debian bookworm main\ndeb [signed-by=${keyring}] http://other.example/apt stable main\n`);
  const listed = execFileSync('gpg', ['--show-keys', '--with-colons', keyring], { env, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  expect(listed).toContain('Brine Test');
  const ppa = parse(chunk('pkgrepo', 'managed', 'x', { ppa: 'owner/tools', dist: 'jammy' }));
  expect([ppa.file, renderAptLine(ppa.apt!)]).toEqual(['/etc/apt/sources.list.d/owner-tools-jammy.list', 'deb http://ppa.launchpad.net/owner/tools/ubuntu jammy main']);
});

it('dnf: writes a .repo section, updates one option, keeps other sections', async () => {
  const k = kit();
  const file = path.join(tmp, 'brine.repo');
  writeFileSync(file, '[other]\nname=Other\nbaseurl=http://o/\n');
  const c = chunk('pkgrepo', 'managed', 'brine', { file, humanname: 'Brine repo', baseurl: 'http://r.example/el9/', gpgcheck: true, refresh: false });
  const r = await converge(k, managed, c);
  expect(r.pending).toEqual({ repo: 'brine' });
  expect(readFileSync(file, 'utf8')).toBe('[other]\nname=Other\nbaseurl=http://o/\n\n[brine]\nname=Brine repo\nbaseurl=http://r.example/el9/\ngpgcheck=1\n');
  const c2 = chunk('pkgrepo', 'managed', 'brine', { file, humanname: 'Brine repo', baseurl: 'http://r.example/el9/', gpgcheck: false, enabled: false, refresh: false });
  const r2 = await converge(k, managed, c2);
  expect(r2.pending).toEqual({ gpgcheck: { new: '0', old: '1' }, enabled: { new: '0', old: null } });
  expect(readFileSync(file, 'utf8')).toBe('[other]\nname=Other\nbaseurl=http://o/\n\n[brine]\nname=Brine repo\nbaseurl=http://r.example/el9/\ngpgcheck=0\nenabled=0\n');
  expect(await recheck(k, managed, c2)).toEqual({});
});

it('parses source lines and rejects bad arguments clearly', () => {
  expect(parseAptLine('# deb-src [arch=amd64,arm64 signed-by=/k.gpg] http://x/ y a b')).toEqual({ type: 'deb-src', arch: ['amd64', 'arm64'], signedby: '/k.gpg', uri: 'http://x/', dist: 'y', comps: ['a', 'b'], disabled: true });
  const bad = (name: string, args: Record<string, unknown>) => () => parse(chunk('pkgrepo', 'managed', name, args));
  expect(bad('deb http://x/ y main', { key_url: 'salt://k' })).toThrow(/missing 'signedby' option/);
  expect(bad('deb http://x/ y main', { enabled: true, disabled: false })).toThrow('Only one of enabled/disabled is allowed');
  expect(bad('myrepo', {})).toThrow(/needs baseurl, mirrorlist or metalink/);
  expect(bad('deb', {})).toThrow(StateArgError);
  expect(bad('x', { ppa: 'nobody' })).toThrow(/PPA_OWNER/);
});

describe('pkgrepo.absent (comments, changes and bytes as Salt 3006.1 gave them on this machine)', () => {
  const { absent } = pkgrepoModule.functions;
  const run = async (name: string, args: Record<string, unknown>, pkg: PkgProvider = new FakePkgProvider(path.join(tmp, 'db.json'))) => {
    const k = kit({ providers: { pkg } });
    const c = chunk('pkgrepo', 'absent', name, { refresh: false, ...args });
    const p = absent.parse(`pkgrepo.absent ${name}`, c.args, c);
    const pending = await absent.check(p, k.checkCtx(c));
    if (!Object.keys(pending).length) return { ok: absent.okComment!(p) };
    expect(absent.testComment!(p)).toMatch(/^Package repo '.*' will be removed\. This may cause pkg states/);
    expect(absent.testChanges!(p, pending)).toEqual({});
    return (await converge(k, absent, c)).outcome;
  };

  it('takes the named components out of the matching lines; the line goes when none is left', async () => {
    const file = path.join(tmp, 'x.list');
    writeFileSync(file, '# header\ndeb http://repo.example/b stable main contrib\n# deb http://repo.example/c stable main\ndeb [arch=amd64] http://repo.example/d stable main\n');
    expect(await run('deb http://repo.example/b stable contrib', { file })).toEqual({ changes: { repo: 'deb http://repo.example/b stable contrib' }, comment: 'Removed repo deb http://repo.example/b stable contrib' });
    expect(readFileSync(file, 'utf8')).toBe('# header\ndeb http://repo.example/b stable main\n# deb http://repo.example/c stable main\ndeb [arch=amd64] http://repo.example/d stable main\n');
    // A commented-out line is a (disabled) source too.
    await run('deb http://repo.example/c stable main', { file });
    await run('deb [arch=amd64] http://repo.example/d stable main', { file });
    expect(readFileSync(file, 'utf8')).toBe('# header\ndeb http://repo.example/b stable main\n');
    expect(await run('deb http://repo.example/c stable main', { file })).toEqual({ ok: 'Package repo deb http://repo.example/c stable main is absent' });
  });

  it('deletes a sources.list.d file left empty (the real directory)', async () => {
    const file = `/etc/apt/sources.list.d/brine-absent-${process.pid}.list`;
    writeFileSync(file, 'deb http://repo.example/a stable main\n');
    try {
      expect(await run('deb http://repo.example/a stable main', {})).toEqual({ changes: { repo: 'deb http://repo.example/a stable main' }, comment: 'Removed repo deb http://repo.example/a stable main' });
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("a PPA's deb-src lines go with it; on an apt host with source lines, a name that is not one fails as in Salt", async () => {
    const file = path.join(tmp, 'ppa.list');
    writeFileSync(file, 'deb http://ppa.launchpad.net/owner/tools/ubuntu jammy main\ndeb-src http://ppa.launchpad.net/owner/tools/ubuntu jammy main\ndeb http://other.example/x jammy main\n');
    expect(await run('x', { ppa: 'owner/tools', dist: 'jammy', file })).toEqual({ changes: { repo: 'ppa:owner/tools' }, comment: 'Removed repo ppa:owner/tools' });
    expect(readFileSync(file, 'utf8')).toBe('deb http://other.example/x jammy main\n');
    await expect(run('myrepo', { file }, new AptPkgProvider())).rejects.toThrow("Failed to configure repo 'myrepo': Error: repo 'myrepo' is not a well formatted definition");
  });

  it('dnf: the file is written as Salt 3006.1 yumpkg.del_repo wrote it (run on the same file), deleted with its last section', async () => {
    const file = path.join(tmp, 'r.repo');
    writeFileSync(file, '# managed\n[one]\nname=One\nbaseurl=http://r.example/1/\n\n[two]\n# second\nName = Two\nbaseurl=http://r.example/2/\n  http://mirror.example/2/\n; dropped\n');
    expect(await run('one', { file })).toEqual({ changes: { repo: 'one' }, comment: 'Removed repo one' });
    expect(readFileSync(file, 'utf8')).toBe('# managed\n\n[two]\nname=Two\nbaseurl=http://r.example/2/\n http://mirror.example/2/\n# second\n\n');
    await run('two', { file });
    expect(existsSync(file)).toBe(false);
  });
});
