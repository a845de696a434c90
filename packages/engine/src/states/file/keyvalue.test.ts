/** file.keyvalue: expected diffs, comments and bytes recorded from Salt 3006.1 on the same files and arguments. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chunk, converge, kit } from '../testkit';
import { keyvalue } from './keyvalue';

const SAMPLE = '# sample\r\nPermitRootLogin yes\n#Port 22\n  Indent=1\nX11Forwarding=no\nX11Forwarding=yes\nkey = spaced\nOther=val';
let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'brine-kv-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: Record<string, unknown>, text: string | null = SAMPLE) {
  const file = path.join(dir, 'f.conf');
  if (text !== null) writeFileSync(file, text);
  else rmSync(file, { force: true });
  const k = kit();
  const c = chunk('file', 'keyvalue', file, args);
  const p = keyvalue.parse('file.keyvalue:x', args, c);
  const pending = await keyvalue.check(p, k.checkCtx(c));
  if (!Object.keys(pending).length) return { pending, ok: keyvalue.okComment!(p) };
  const test = { comment: keyvalue.testComment!(p), changes: keyvalue.testChanges!(p, pending) };
  const r = await converge(k, keyvalue, c);
  return { pending, test, outcome: r.outcome, bytes: readFileSync(file, 'utf8') };
}

it('sets, uncomments, appends and prepends as Salt does, keeping the other lines\' bytes', async () => {
  let r = await run({ key: 'PermitRootLogin', value: 'no', separator: ' ' });
  expect(r.outcome).toEqual({ changes: { diff: '- PermitRootLogin yes\n+ PermitRootLogin no\n' }, comment: 'Changed 1 lines' });
  expect(r.test!.comment).toBe(`File ${path.join(dir, 'f.conf')} is set to be changed (1 lines)\nPredicted diff:\n\r\t\t- PermitRootLogin yes\n\r\t\t+ PermitRootLogin no\n`);
  expect(r.bytes).toBe(SAMPLE.replace('PermitRootLogin yes', 'PermitRootLogin no'));

  r = await run({ key_values: { X11Forwarding: 'no', Port: 2222, NewKey: true }, uncomment: '#', append_if_not_found: true });
  expect(r.outcome).toEqual({ changes: { diff: '- X11Forwarding=yes\n- <EOF>\n+ Port=2222\n+ NewKey=True\n+ <EOF>\n' }, comment: 'Changed 3 lines' });
  // The last line had no newline: the appended key joins it, as in Salt.
  expect(r.bytes).toBe('# sample\r\nPermitRootLogin yes\n#Port 22\n  Indent=1\nX11Forwarding=no\nkey = spaced\nOther=valPort=2222\nNewKey=True\n');

  r = await run({ key_values: { Missing: 1, Other: 'val' }, prepend_if_not_found: true });
  expect(r.outcome).toEqual({ changes: { diff: '  <SOF>\n+ Missing=1\n' }, comment: 'Changed 1 lines' });
  expect(r.bytes).toBe(`Missing=1\n${SAMPLE}`);

  r = await run({ key: 'X11Forwarding', value: 'maybe', count: -1 });
  expect(r.outcome!.changes).toEqual({ diff: '- X11Forwarding=no\n+ X11Forwarding=maybe\n- X11Forwarding=yes\n+ X11Forwarding=maybe\n' });

  // No uncomment: leading whitespace is stripped to find a key (Python's lstrip(None)); a non-string value is noted.
  r = await run({ key: 'indent', value: 2, key_ignore_case: true });
  expect(r.outcome!.changes).toEqual({ diff: '-   Indent=1\n+ Indent=2 (from int type)\n' });
  expect(r.bytes).toContain('#Port 22\nIndent=2\nX11');
});

it('converged, show_changes off, missing files', async () => {
  expect(await run({ key: 'key ', value: 'SPACED', value_ignore_case: true })).toEqual({ pending: {}, ok: '' });
  const r = await run({ key: 'Other', value: 'changed', show_changes: false });
  expect(r.test!.changes).toEqual({});
  expect(r.test!.comment).toBe(`File ${path.join(dir, 'f.conf')} is set to be changed (1 lines)`);
  expect(r.outcome).toEqual({ changes: {}, comment: 'Changed 1 lines' });
  expect(r.bytes!.endsWith('Other=changed\n')).toBe(true);
  expect(await run({ key: 'a', value: 'b', ignore_if_missing: true }, null)).toEqual({ pending: {}, ok: `unable to open ${path.join(dir, 'f.conf')}` });
  await expect(run({ key: 'a', value: 'b' }, null)).rejects.toThrow(`unable to open ${path.join(dir, 'f.conf')}`);
});

it('parse: Salt\'s argument errors', () => {
  const p = (args: Record<string, unknown>) => () => keyvalue.parse('file.keyvalue:x', args, chunk('file', 'keyvalue', '/tmp/x', args));
  expect(p({})).toThrow('file.keyvalue key and value not supplied and key_values is empty');
  expect(p({ key_values: ['a'] })).toThrow('file.keyvalue key and value not supplied and key_values is not a dictionary');
  expect(p({ key: 'a', value: 1, key_values: { b: 2 } })).toThrow('file.keyvalue can not combine key_values with key and value');
});
