/** file.rename on real files; comments and changes as Salt 3006.1 gave them for the same steps. */
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'fs';
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
