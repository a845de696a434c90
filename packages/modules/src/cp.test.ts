/** cp.* from salt:// (a state tree in a temp dir), with Salt 3006's returns. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, MemoryLogger } from '@brine/core';
import './registry'; // the registry first, as the package index loads it (state.ts and the registry import each other)
import { cpModule } from './cp';
import type { ExecEnv } from './types';

let tmp: string;
let env: ExecEnv;
let log: MemoryLogger;
const call = async (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, e: ExecEnv = env): Promise<unknown> => cpModule.functions[fun]!(args, kwargs, e);
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cp-'));
  const files: Record<string, string> = { 'web/index.html': 'hello {{ grains.id }}', 'web/sub/a.txt': 'A', 'top.sls': 'base: {}\n', 'other.txt': 'o', 'hosts/m1.txt': 'for {{ grains.id }}' };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tmp, 'roots', rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'roots', rel), text);
  }
  log = new MemoryLogger();
  env = { id: 'm1', grains: { id: 'm1' }, pillar: {}, opts: { cachedir: path.join(tmp, 'cache') }, log, roots: new FileRoots([path.join(tmp, 'roots')]) } as unknown as ExecEnv;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('get_file: the destination path, into a directory, makedirs, template=jinja (the paths, not the content); a missing source is empty', async () => {
  const dest = path.join(tmp, 'out.html');
  expect(await call('get_file', ['salt://web/index.html', dest])).toBe(dest);
  expect(fs.readFileSync(dest, 'utf8')).toBe('hello {{ grains.id }}');
  expect(await call('get_file', ['salt://web/index.html', tmp + '/'])).toBe(path.join(tmp, 'index.html'));
  expect(await call('get_file', ['salt://web/index.html', path.join(tmp, 'x/y/z.html')])).toBe('');
  expect(await call('get_file', ['salt://web/index.html', path.join(tmp, 'x/y/z.html')], { makedirs: true })).toBe(path.join(tmp, 'x/y/z.html'));
  // Salt renders the source and destination paths only; the content is copied as it is (cp.get_template renders it).
  const tdest = path.join(tmp, 'got-{{ grains.id }}.txt');
  expect(await call('get_file', ['salt://hosts/{{ grains.id }}.txt', tdest], { template: 'jinja' })).toBe(path.join(tmp, 'got-m1.txt'));
  expect(fs.readFileSync(path.join(tmp, 'got-m1.txt'), 'utf8')).toBe('for {{ grains.id }}');
  expect(await call('get_dir', ['salt://{{ "hosts" }}', path.join(tmp, 'd-{{ grains.id }}')], { template: 'jinja' })).toEqual([path.join(tmp, 'd-m1/hosts/m1.txt')]);
  expect(fs.readFileSync(path.join(tmp, 'd-m1/hosts/m1.txt'), 'utf8')).toBe('for {{ grains.id }}');
  expect(await call('get_file', ['salt://nope', dest])).toBe('');
  await expect(call('get_file', ['/etc/passwd', dest])).rejects.toThrow(/salt:\/\/ URL/);
  await expect(call('get_file', ['salt://../etc/passwd', dest])).rejects.toThrow();
});

test('get_template renders; get_dir copies the directory under dest; list_master lists every file', async () => {
  expect(await call('get_template', ['salt://web/index.html', path.join(tmp, 't.html')])).toBe(path.join(tmp, 't.html'));
  expect(fs.readFileSync(path.join(tmp, 't.html'), 'utf8')).toBe('hello m1');
  const out = path.join(tmp, 'dl');
  expect(await call('get_dir', ['salt://web', out])).toEqual([path.join(out, 'web/index.html'), path.join(out, 'web/sub/a.txt')]);
  expect(fs.readFileSync(path.join(out, 'web/sub/a.txt'), 'utf8')).toBe('A');
  expect(await call('list_master')).toEqual(['hosts/m1.txt', 'other.txt', 'top.sls', 'web/index.html', 'web/sub/a.txt']);
  expect(await call('list_master', [], { prefix: 'web/' })).toEqual(['web/index.html', 'web/sub/a.txt']);
});

test("cache_file: into <cachedir>/files/base, or False; push without a daemon is False with Salt's checks", async () => {
  const cached = path.join(tmp, 'cache/files/base/web/sub/a.txt');
  expect(await call('cache_file', ['salt://web/sub/a.txt'])).toBe(cached);
  expect(fs.readFileSync(cached, 'utf8')).toBe('A');
  expect(await call('cache_file', ['salt://missing'])).toBe(false);
  expect(await call('push', ['relative'])).toBe(false);
  expect(await call('push', [path.join(tmp, 'nope')])).toBe(false);
  expect(await call('push', [cached])).toBe(false);
  expect(log.lines.map((l) => l.msg)).toContain('cp.push: no master to push to (this is a masterless call)');
  // with the daemon's hook, the file goes up through it
  const seen: unknown[] = [];
  const withHook = { ...env, hooks: { 'cp.push': async (a: unknown[], k: Record<string, unknown>) => (seen.push([a, k]), true) } } as ExecEnv;
  expect(await call('push', [cached], { upload_path: 'x/a.txt' }, withHook)).toBe(true);
  expect(seen).toEqual([[[cached], { upload_path: 'x/a.txt', remove_source: false }]]);
  const refusing = { ...env, hooks: { 'cp.push': async () => Promise.reject(new Error('file_recv is off on the master')) } } as ExecEnv;
  expect(await call('push', [cached], {}, refusing)).toBe(false);
  expect(log.lines.map((l) => l.msg)).toContain(`cp.push ${cached}: file_recv is off on the master`);
});
