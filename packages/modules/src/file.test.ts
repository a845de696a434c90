/** file.* execution functions on real files in a temp dir; shapes checked against Salt 3006's. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger, nullLogger } from '@brine/core';
import { fileModule } from './file';
import type { ExecEnv } from './types';

const env = { log: nullLogger } as unknown as ExecEnv;
const call = async (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<unknown> => fileModule.functions[fun]!(args, kwargs, env);
let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-filemod-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('write, append, read, contains', async () => {
  const p = path.join(tmp, 'a.txt');
  expect(await call('write', [p, 'x', 'y'])).toBe(`Wrote 2 lines to "${p}"`);
  fs.appendFileSync(p, 'no-newline');
  expect(await call('append', [p, 'z'])).toBe(`Wrote 1 lines to "${p}"`);
  expect(await call('read', [p])).toBe('x\ny\nno-newline\nz\n');
  expect(await call('contains', [p, 'newline\nz'])).toBe(true);
  expect(await call('contains', [p, 'nope'])).toBe(false);
  expect(await call('contains', [path.join(tmp, 'missing'), 'x'])).toBe(false);
  await expect(call('read', ['relative.txt'])).rejects.toThrow(/must be absolute/);
});

test("replace returns Salt's diff (or a boolean with show_changes=False), honours count and groups, keeps a .bak", async () => {
  const p = path.join(tmp, 'r.txt');
  fs.writeFileSync(p, 'a\nb\n');
  // Salt 3006.1: file.replace /tmp/f b c -> "--- \n+++ \n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
  expect(await call('replace', [p, 'b', 'c'])).toBe('--- \n+++ \n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
  expect(fs.readFileSync(p + '.bak', 'utf8')).toBe('a\nb\n');
  expect(await call('replace', [p, 'b', 'c'])).toBe('');
  fs.writeFileSync(p, 'k=1\nk=2\n');
  expect(await call('replace', [p, '^k=(\\d)$', 'key=\\1'], { count: 1, show_changes: false, backup: false })).toBe(true);
  expect(fs.readFileSync(p, 'utf8')).toBe('key=1\nk=2\n');
  expect(await call('replace', [p, '^zz$', 'zz'], { append_if_not_found: true, show_changes: false })).toBe(true);
  expect(fs.readFileSync(p, 'utf8')).toBe('key=1\nk=2\nzz\n');
  expect(await call('replace', [p, 'k=2', 'x'], { search_only: true })).toBe(true);
  expect(fs.readFileSync(p, 'utf8')).toContain('k=2');
});

test("file.access as Salt's (os.access): f, r, w, x; a relative path or another mode is refused", async () => {
  const f = path.join(tmp, 'plain');
  fs.writeFileSync(f, 'x', { mode: 0o644 });
  expect(await call('access', [f, 'f'])).toBe(true);
  expect(await call('access', [f, 'r'])).toBe(true);
  expect(await call('access', [f, 'x'])).toBe(false);
  expect(await call('access', ['/bin/sh', 'x'])).toBe(true);
  expect(await call('access', [path.join(tmp, 'missing'), 'f'])).toBe(false);
  await expect(call('access', ['relative', 'f'])).rejects.toThrow('Path to link must be absolute.');
  await expect(call('access', [f, 'q'])).rejects.toThrow('Invalid mode specified.');
});

test('file_exists, directory_exists, mkdir, copy, remove', async () => {
  const d = path.join(tmp, 'a/b');
  expect(await call('directory_exists', [d])).toBe(false);
  expect(await call('mkdir', [d], { mode: '750' })).toBe(true);
  expect(await call('directory_exists', [d])).toBe(true);
  expect(fs.statSync(d).mode & 0o777).toBe(0o750);
  const f = path.join(d, 'f');
  fs.writeFileSync(f, 'hi');
  expect(await call('file_exists', [f])).toBe(true);
  expect(await call('file_exists', [d])).toBe(false);
  expect(await call('copy', [f, path.join(tmp, 'g')])).toBe(true);
  expect(fs.readFileSync(path.join(tmp, 'g'), 'utf8')).toBe('hi');
  await expect(call('copy', [path.join(tmp, 'a'), path.join(tmp, 'c')])).rejects.toThrow(/recurse/);
  expect(await call('copy', [path.join(tmp, 'a'), path.join(tmp, 'c')], { recurse: true })).toBe(true);
  expect(fs.readFileSync(path.join(tmp, 'c/b/f'), 'utf8')).toBe('hi');
  expect(await call('remove', [path.join(tmp, 'c')])).toBe(true);
  expect(await call('remove', [path.join(tmp, 'c')])).toBe(false);
});

test('stats, get_hash, check_perms', async () => {
  const f = path.join(tmp, 'f');
  fs.writeFileSync(f, 'data');
  fs.chmodSync(f, 0o644);
  const st = await call('stats', [f], { hash_type: 'md5' }) as Record<string, unknown>;
  expect(Object.keys(st).sort()).toEqual(['atime', 'ctime', 'gid', 'group', 'inode', 'mode', 'mtime', 'size', 'sum', 'target', 'type', 'uid', 'user'].sort());
  expect(st).toMatchObject({ size: 4, mode: '0644', type: 'file', target: fs.realpathSync(f), uid: process.getuid!(), sum: crypto.createHash('md5').update('data').digest('hex') });
  expect(await call('stats', [path.join(tmp, 'none')])).toEqual({});
  expect(await call('get_hash', [f])).toBe(crypto.createHash('sha256').update('data').digest('hex'));
  const [ret, perms] = await call('check_perms', [f, {}, null, null, '600']) as [Record<string, unknown>, Record<string, unknown>];
  expect(ret).toEqual({ name: f, changes: { mode: '0600' }, comment: '', result: true });
  expect(perms).toMatchObject({ lmode: '0644', cmode: '0600' });
  expect(fs.statSync(f).mode & 0o777).toBe(0o600);
  expect(((await call('check_perms', [f, {}, null, null, '600'])) as [Record<string, unknown>])[0]['changes']).toEqual({});
});

test("touch, symlink and chown with Salt's returns", async () => {
  const f = path.join(tmp, 't');
  expect(await call('touch', [f], { atime: 1000, mtime: 2000 })).toBe(true);
  expect(fs.statSync(f).mtimeMs).toBe(2000_000);
  expect(fs.statSync(f).atimeMs).toBe(1000_000);
  await expect(call('touch', [path.join(tmp, 'no/dir/f')])).rejects.toThrow(/No such file/);
  const l = path.join(tmp, 'l');
  expect(await call('symlink', [f, l])).toBe(true);
  expect(fs.readlinkSync(l)).toBe(f);
  expect(await call('symlink', [f, l])).toBe(true); // already right
  await expect(call('symlink', ['/etc', l])).rejects.toThrow(`Found existing symlink: ${l}`);
  await expect(call('symlink', ['/etc', f])).rejects.toThrow(`Existing path is not a symlink: ${f}`);
  expect(await call('symlink', ['/etc', l], { force: true })).toBe(true);
  expect(fs.readlinkSync(l)).toBe('/etc');
  expect(await call('symlink', [f, l], { atomic: true })).toBe(true);
  expect(fs.readlinkSync(l)).toBe(f);
  // chown: None on success, Salt's error text otherwise
  expect(await call('chown', [f, 'root', 'root'])).toBeNull();
  expect(fs.statSync(f).uid).toBe(0);
  expect(await call('chown', [path.join(tmp, 'none'), 'root', 'root'])).toBe('File not found');
  expect(await call('chown', [f, 'no-such-user-x', 'root'])).toBe('User does not exist\n');
});

test('read, contains and get_hash: asynchronous for jobs, blocking twins for templates', async () => {
  const f = path.join(tmp, 'h');
  fs.writeFileSync(f, 'abc');
  expect(fileModule.functions['read']!([f], {}, env)).toBeInstanceOf(Promise);
  const { templateSalt } = require('./registry') as typeof import('./registry');
  const salt = templateSalt(env);
  expect(salt['file.read']!([f], {})).toBe('abc');
  expect(salt['file.contains']!([f, 'b'], {})).toBe(true);
  expect(salt['file.get_hash']!([f], { form: 'md5' })).toBe(crypto.createHash('md5').update('abc').digest('hex'));
  expect(await call('get_hash', [f], { form: 'md5' })).toBe(crypto.createHash('md5').update('abc').digest('hex'));
});

test("file.find: Salt's criteria (name, iname, regex, iregex, type, size, depth), print formats, sorted; delete and exec refused", async () => {
  const { templateSalt } = require('./registry') as typeof import('./registry');
  const find = templateSalt({ log: new MemoryLogger(), opts: {} } as unknown as ExecEnv)['file.find']!;
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'brine-find-')));
  try {
    fs.mkdirSync(path.join(d, 'repo', 'pool'), { recursive: true });
    for (const f of ['repo/a.deb', 'repo/B.DSC', 'repo/pool/c.udeb', 'repo/notes.txt']) fs.writeFileSync(path.join(d, f), f.length > 12 ? 'x'.repeat(2000) : 'x');
    // aptly-formula's call: files whose name matches, case-insensitively, from the start
    expect(find([path.join(d, 'repo')], { type: 'f', iregex: '.*(deb|udeb|dsc)$' })).toEqual([`${d}/repo/B.DSC`, `${d}/repo/a.deb`, `${d}/repo/pool/c.udeb`]);
    expect(find([path.join(d, 'repo')], { regex: 'a' })).toEqual([`${d}/repo/a.deb`]);
    expect(find([path.join(d, 'repo')], { name: '*.deb', maxdepth: 1 })).toEqual([`${d}/repo/a.deb`]);
    expect(find([path.join(d, 'repo')], { iname: '*.DEB' })).toEqual([`${d}/repo/a.deb`]);
    expect(find([path.join(d, 'repo')], { type: 'd', print: 'name' })).toEqual(['pool', 'repo']);
    expect(find([path.join(d, 'repo')], { type: 'd', mindepth: 1, print: 'name,type' })).toEqual([['pool', 'd']]);
    expect(find([path.join(d, 're*')], { size: '+1k', type: 'f' })).toEqual([`${d}/repo/notes.txt`, `${d}/repo/pool/c.udeb`]);
    expect(find([path.join(d, 'missing')], {})).toEqual([]);
    expect(() => find([d], { delete: 'f' })).toThrow(/delete is not available/);
    expect(() => find([d], { type: 'q' })).toThrow(/invalid file type "q"/);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
