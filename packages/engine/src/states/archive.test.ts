/** archive.extracted with real tar and zip archives made here. */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { archiveModule } from './archive';
import { chunk, converge, kit, recheck } from './testkit';

const { extracted } = archiveModule.functions;
let tmp: string;
let root: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-archive-'));
  root = path.join(tmp, 'roots');
  mkdirSync(path.join(tmp, 'src', 'app-1.0', 'bin'), { recursive: true });
  writeFileSync(path.join(tmp, 'src', 'app-1.0', 'README'), 'readme\n');
  writeFileSync(path.join(tmp, 'src', 'app-1.0', 'bin', 'run'), '#!/bin/sh\n');
  mkdirSync(root);
  execFileSync('tar', ['-czf', path.join(root, 'app.tar.gz'), '-C', path.join(tmp, 'src'), 'app-1.0']);
  execFileSync('zip', ['-qr', path.join(tmp, 'app.zip'), 'app-1.0'], { cwd: path.join(tmp, 'src') });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));
const parse = (c: ReturnType<typeof chunk>) => extracted.parse(`archive.extracted ${c.id}`, c.args, c);

it('salt:// tar.gz: extracts, reports created dir and files, owner applied, then converged', async () => {
  const k = kit({ fileRoot: root });
  const dest = path.join(tmp, 'opt');
  const data = readFileSync(path.join(root, 'app.tar.gz'));
  const c = chunk('archive', 'extracted', dest, { source: 'salt://app.tar.gz', source_hash: `sha256=${createHash('sha256').update(data).digest('hex')}`, user: 'nobody' });
  const r = await converge(k, extracted, c);
  expect(r.pending['directories_created']).toEqual([`${dest}/`]);
  expect((r.pending['extracted_files'] as string[]).slice().sort()).toEqual(['app-1.0', 'app-1.0/README', 'app-1.0/bin', 'app-1.0/bin/run']);
  expect(r.outcome.comment).toBe(`salt://app.tar.gz extracted to ${dest}/, due to absence of one or more files/dirs. Output was trimmed to False number of lines`);
  expect(readFileSync(path.join(dest, 'app-1.0', 'README'), 'utf8')).toBe('readme\n');
  expect(statSync(path.join(dest, 'app-1.0', 'bin', 'run')).uid).toBe(65534);
  expect(r.after).toEqual({});
  const p = parse(c);
  await extracted.check(p, k.checkCtx(c));
  expect(extracted.okComment!(p)).toBe('All files in archive are already present');
  expect(extracted.testChanges!(p, {})).toEqual({});
  expect(extracted.testComment!(p)).toBe(`Archive salt://app.tar.gz would be extracted to ${dest}/, due to absence of one or more files/dirs`);
});

it('local zip; if_missing skips; a wrong source_hash fails before extracting', async () => {
  const k = kit();
  const dest = path.join(tmp, 'z');
  const zip = path.join(tmp, 'app.zip');
  const bad = chunk('archive', 'extracted', dest, { source: zip, source_hash: 'md5=00000000000000000000000000000000' });
  await expect(recheck(k, extracted, bad)).rejects.toThrow(`${zip} does not match the desired source_hash 00000000000000000000000000000000`);
  expect(existsSync(dest)).toBe(false);
  const skip = chunk('archive', 'extracted', dest, { source: zip, if_missing: path.join(tmp, 'src') });
  const sp = parse(skip);
  expect(await extracted.check(sp, k.checkCtx(skip))).toEqual({});
  expect(extracted.okComment!(sp)).toBe(`Path ${path.join(tmp, 'src')} exists`);
  await converge(k, extracted, chunk('archive', 'extracted', dest, { source: zip }));
  expect(readFileSync(path.join(dest, 'app-1.0', 'bin', 'run'), 'utf8')).toBe('#!/bin/sh\n');
});

it('enforce_toplevel refuses a tarbomb unless turned off; bad arguments are named', async () => {
  const k = kit();
  const bomb = path.join(tmp, 'bomb.tar');
  execFileSync('tar', ['-cf', bomb, '-C', path.join(tmp, 'src', 'app-1.0'), 'README', 'bin']);
  const dest = path.join(tmp, 'b');
  await expect(recheck(k, extracted, chunk('archive', 'extracted', dest, { source: bomb }))).rejects.toThrow(/Archive does not have a single top-level directory.*'tar-bomb'/);
  await converge(k, extracted, chunk('archive', 'extracted', dest, { source: bomb, enforce_toplevel: false }));
  expect(readFileSync(path.join(dest, 'README'), 'utf8')).toBe('readme\n');
  const badArgs = (args: Record<string, unknown>) => () => parse(chunk('archive', 'extracted', dest, args));
  expect(badArgs({ source: 'https://x/y.tar.gz' })).toThrow(/only local paths and salt:\/\/ sources/);
  expect(badArgs({ source: '/x/y.bin' })).toThrow(/set archive_format/);
  expect(badArgs({ source: '/x/y.tar', source_hash: 'sha1=abc' })).toThrow(/source_hash/);
  await expect(recheck(k, extracted, chunk('archive', 'extracted', dest, { source: path.join(tmp, 'none.tar') }))).rejects.toThrow(/Source file .*none.tar' does not exist/);
});
