/** ini.options_present: files, changes and comments recorded from Salt 3006.1 on the same files and arguments. */
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { iniModule } from './ini';
import { chunk, converge, kit } from './testkit';

const { options_present: present } = iniModule.functions;
let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'brine-ini-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(text: string, args: Record<string, unknown>) {
  const file = path.join(dir, 'f.ini');
  writeFileSync(file, text);
  const k = kit();
  const c = chunk('ini', 'options_present', file, args);
  const p = present.parse('r', args, c);
  const pending = await present.check(p, k.checkCtx(c));
  const test = Object.keys(pending).length ? present.testComment!(p) : present.testOkComment!(p);
  if (!Object.keys(pending).length) return { test, ok: present.okComment!(p), bytes: readFileSync(file, 'utf8') };
  const r = await converge(k, present, c);
  return { test, outcome: r.outcome, bytes: readFileSync(file, 'utf8') };
}

it("sets top-level and section options in Salt's layout: comments kept, a commented-out key taken over, new sections last", async () => {
  const r = await run('; top comment\ntop1=old\n\n[main]\nkey1=value1\n#key2 = 1\n  cont line\nkey3 = v3\n\n[other]\nz=1\n', {
    sections: { top1: 'new', main: { key1: 'value1', key2: 2, flag: true }, extra: { x: 'y' } },
  });
  expect(r.test).toBe('Changed key top1.\nUnchanged key key1 in section main.\nChanged key key2 in section main.\nChanged key flag in section main.\nChanged key x in section extra.\n');
  expect(r.outcome).toEqual({
    changes: { top1: { before: 'old', after: 'new' }, main: { key2: { before: null, after: '2' }, flag: { before: null, after: 'True' } }, extra: { before: null, after: { x: 'y' } } },
    comment: 'Changes take effect',
  });
  expect(r.bytes).toBe('; top comment\ntop1 = new\n\n[main]\nkey1 = value1\nkey2 = 2\nkey3 = v3\nflag = True\n\n[other]\nz = 1\n\n[extra]\nx = y\n');
});

it('a space separator, strict, and a converged file', async () => {
  expect((await run('opt other\n', { separator: ' ', sections: { opt: 'val' } })).bytes).toBe('opt val\n');
  const strict = await run('[main]\nkey1 = v\nkey9 = gone\n# note\n[keep]\nk=1\n', { strict: true, sections: { main: { key1: 'changed' } } });
  expect(strict.test).toBe('Deleted key key9 in section main.\nChanged key key1 in section main.\n');
  expect(strict.outcome!.changes).toEqual({ main: { key1: { before: 'v', after: 'changed' }, key9: { before: 'gone', after: null } } });
  expect(strict.bytes).toBe('[main]\nkey1 = changed\n# note\n\n[keep]\nk = 1\n');
  expect(await run('[main]\nkey1 = value1\n', { sections: { main: { key1: 'value1' } } })).toEqual({ test: 'Unchanged key key1 in section main.\n', ok: 'No anomaly detected', bytes: '[main]\nkey1 = value1\n' });
});

it('writes through a symlink (the link stays a link), as Salt does', async () => {
  writeFileSync(path.join(dir, 'real.ini'), '[s]\nk = 1\n');
  symlinkSync('real.ini', path.join(dir, 'link.ini'));
  const k = kit();
  const c = chunk('ini', 'options_present', path.join(dir, 'link.ini'), { sections: { s: { k: 2 } } });
  expect((await converge(k, present, c)).outcome.changes).toEqual({ s: { k: { before: '1', after: '2' } } });
  expect(lstatSync(path.join(dir, 'link.ini')).isSymbolicLink()).toBe(true);
  expect(readFileSync(path.join(dir, 'real.ini'), 'utf8')).toBe('[s]\nk = 2\n');
});

describe('options_absent, sections_present, sections_absent (Salt 3006.1 on the same files)', () => {
  const SAMPLE = '# head\ntop=1\n[main]\nkey1 = v1\nempty =\nkey2=v2\n[other]\nz=1\n[emptysec]\n';
  const go = async (fun: 'options_absent' | 'sections_present' | 'sections_absent', sections: unknown) => {
    const file = path.join(dir, 'f.ini');
    writeFileSync(file, SAMPLE);
    const fn = iniModule.functions[fun]!;
    const k = kit();
    const c = chunk('ini', fun, file, { sections });
    const p = fn.parse('r', c.args, c);
    const pending = await fn.check(p, k.checkCtx(c));
    const test = Object.keys(pending).length ? fn.testComment!(p) : fn.testOkComment!(p);
    if (!Object.keys(pending).length) return { test, ok: fn.okComment!(p) };
    return { test, outcome: (await converge(k, fn, c)).outcome, bytes: readFileSync(file, 'utf8') };
  };

  it('options_absent removes the listed keys (an empty value unreported)', async () => {
    expect(await go('options_absent', { main: ['key1', 'nokey', 'empty'], other: ['z'] })).toEqual({
      test: 'Deleted key key1 in section main.\nKey nokey in section main does not exist.\nKey empty in section main does not exist.\nDeleted key z in section other.\n',
      outcome: { changes: { main: { key1: 'v1' }, other: { z: '1' } }, comment: 'Changes take effect' },
      bytes: '# head\ntop = 1\n\n[main]\nkey2 = v2\n\n[other]\n\n[emptysec]\n',
    });
    expect(await go('options_absent', { main: ['nokey'] })).toEqual({ test: 'Key nokey in section main does not exist.\n', ok: 'No anomaly detected' });
  });

  it('sections_present adds missing sections; sections_absent removes sections with their options', async () => {
    expect(await go('sections_present', ['main', 'newsec'])).toEqual({
      test: 'Section unchanged main.\nCreated new section newsec.\n',
      outcome: { changes: { newsec: { before: null, after: {} } }, comment: 'Changes take effect' },
      bytes: '# head\ntop = 1\n\n[main]\nkey1 = v1\nempty = \nkey2 = v2\n\n[other]\nz = 1\n\n[emptysec]\n\n[newsec]\n',
    });
    expect(await go('sections_present', { main: {} })).toEqual({ test: 'Section unchanged main.\n', ok: 'Changes take effect' });
    expect(await go('sections_absent', ['other', 'nosec', 'emptysec'])).toEqual({
      test: 'Deleted section other.\nSection nosec does not exist.\nDeleted section emptysec.\n',
      outcome: { changes: { other: { z: '1' } }, comment: 'Changes take effect' },
      bytes: '# head\ntop = 1\n\n[main]\nkey1 = v1\nempty = \nkey2 = v2\n',
    });
    // An empty section goes without being reported, as in Salt.
    expect(await go('sections_absent', ['emptysec'])).toMatchObject({ test: 'Deleted section emptysec.\n', outcome: { changes: {}, comment: 'No anomaly detected' } });
  });
});
