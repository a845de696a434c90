/** file.rename on real files; comments and changes as Salt 3006.1 gave them for the same steps. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chunk, converge, kit } from '../testkit';
import { rename } from './rename';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'brine-rename-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const at = (f: string) => path.join(dir, f);

async function step(name: string, args: Record<string, unknown>) {
  const k = kit();
  const c = chunk('file', 'rename', name, args);
  const p = rename.parse('file.rename:x', args, c);
  const pending = await rename.check(p, k.checkCtx(c));
  if (!Object.keys(pending).length) return { ok: rename.okComment!(p) };
  expect(rename.testComment!(p)).toBe(`File "${p.source}" is set to be moved to "${p.name}"`);
  expect(rename.testChanges!(p, pending)).toEqual({});
  return (await converge(k, rename, c)).outcome;
}

it('moves files and links; a moved source or a kept target is a success; force and makedirs', async () => {
  for (const f of ['a', 'b', 'b2', 'c', 'c2', 'd', 'e']) writeFileSync(at(f), f);
  symlinkSync('/etc/hostname', at('flink'));
  expect(await step(at('a2'), { source: at('a') })).toEqual({ changes: { [at('a2')]: at('a') }, comment: `Moved "${at('a')}" to "${at('a2')}"` });
  expect(readFileSync(at('a2'), 'utf8')).toBe('a');
  expect(await step(at('a2'), { source: at('a') })).toEqual({ ok: `Source file "${at('a')}" has already been moved out of place` });
  expect(await step(at('b2'), { source: at('b') })).toEqual({ ok: `The target file "${at('b2')}" exists and will not be overwritten` });
  await step(at('c2'), { source: at('c'), force: true });
  expect(readFileSync(at('c2'), 'utf8')).toBe('c');
  await step(at('sub/deep/d2'), { source: at('d'), makedirs: true });
  expect(readFileSync(at('sub/deep/d2'), 'utf8')).toBe('d');
  await expect(step(at('nodir/e2'), { source: at('e') })).rejects.toThrow(`The target directory ${at('nodir')} is not present`);
  expect(existsSync(at('e'))).toBe(true);
  await step(at('f2'), { source: at('flink') });
  expect(readlinkSync(at('f2'))).toBe('/etc/hostname');
  expect(existsSync(at('flink'))).toBe(false);
});

it('expands ~ and $VAR as Salt does; a relative name is refused', async () => {
  process.env['BRINE_RENAME_DIR'] = dir;
  writeFileSync(at('v'), 'v');
  expect(await step('$BRINE_RENAME_DIR/v2', { source: '${BRINE_RENAME_DIR}/v' })).toEqual({ changes: { [at('v2')]: at('v') }, comment: `Moved "${at('v')}" to "${at('v2')}"` });
  expect(() => rename.parse('file.rename:x', { source: '/a' }, chunk('file', 'rename', 'rel/x', { source: '/a' }))).toThrow('Specified file rel/x is not an absolute path');
});

it('moves a file across filesystems (tmpfs -> here) keeping its mode; force never loses the target when the move fails', async () => {
  const shm = mkdtempSync('/dev/shm/brine-rename-');
  try {
    const src = path.join(shm, 'src.txt');
    writeFileSync(src, 'across');
    chmodSync(src, 0o640);
    writeFileSync(at('dest.txt'), 'old');
    expect(await step(at('dest.txt'), { source: src, force: true })).toEqual({ changes: { [at('dest.txt')]: src }, comment: `Moved "${src}" to "${at('dest.txt')}"` });
    expect(readFileSync(at('dest.txt'), 'utf8')).toBe('across');
    expect(statSync(at('dest.txt')).mode & 0o777).toBe(0o640);
    expect(existsSync(src)).toBe(false);
    // A directory is not copied across filesystems: the move fails and the file target is still there.
    mkdirSync(path.join(shm, 'd'));
    writeFileSync(at('keep.txt'), 'keep');
    const move = step(at('keep.txt'), { source: path.join(shm, 'd'), force: true });
    if (statSync(shm).dev !== statSync(dir).dev) {
      await expect(move).rejects.toThrow(/Failed to move/);
      expect(readFileSync(at('keep.txt'), 'utf8')).toBe('keep');
      expect(readdirSync(dir).filter((f) => f.includes('brine-old'))).toEqual([]);
    } else {
      await move;
      expect(statSync(at('keep.txt')).isDirectory()).toBe(true);
    }
  } finally {
    rmSync(shm, { recursive: true, force: true });
  }
});
