/** salt:// resolution: the lexical checks always; symlinks out of a root only with fileserver_followsymlinks. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, PathEscapeError, fileRootsOptions } from './fileroots';

let dir: string;
beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'brine-roots-')));
  // the common Salt layout: a formula checked out elsewhere, linked into the file root
  fs.mkdirSync(path.join(dir, 'formulas', 'nginx-formula', 'nginx', 'files'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'formulas', 'nginx-formula', 'nginx', 'init.sls'), 'x: {}\n');
  fs.writeFileSync(path.join(dir, 'formulas', 'nginx-formula', 'nginx', 'files', 'a.conf'), 'a\n');
  fs.mkdirSync(path.join(dir, 'srv'));
  fs.writeFileSync(path.join(dir, 'srv', 'top.sls'), 'base: {}\n');
  fs.symlinkSync(path.join(dir, 'formulas', 'nginx-formula', 'nginx'), path.join(dir, 'srv', 'nginx'));
  fs.symlinkSync('.', path.join(dir, 'srv', 'loop')); // a link back to the root: listed once, no endless walk
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('by default a symlink out of the root is refused (every accepted minion could fetch what it points to)', () => {
  const roots = new FileRoots([path.join(dir, 'srv')]);
  expect(() => roots.resolve('salt://nginx/init.sls')).toThrow(PathEscapeError);
  expect(() => roots.resolve('salt://nginx/init.sls')).toThrow(/fileserver_followsymlinks: True/);
  expect(roots.list()).toEqual(['top.sls']);
});

test('fileserver_followsymlinks: True serves a linked formula and lists its files; .. and absolute paths stay refused', () => {
  const roots = new FileRoots([path.join(dir, 'srv')], fileRootsOptions({ fileserver_followsymlinks: true }));
  expect(roots.read('salt://nginx/files/a.conf')?.toString()).toBe('a\n');
  expect(roots.list()).toEqual(['nginx/files/a.conf', 'nginx/init.sls', 'top.sls']);
  expect(() => roots.resolve('salt://../formulas/nginx-formula/nginx/init.sls')).toThrow(PathEscapeError);
  expect(() => roots.resolve(path.join(dir, 'formulas/nginx-formula/nginx/init.sls'))).toThrow(PathEscapeError);
  expect(fileRootsOptions({})).toEqual({ followSymlinks: false });
});
