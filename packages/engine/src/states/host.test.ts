import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type { ExecCaller } from '../types';
import { hostModule } from './host';
import { chunk, converge, kit, recheck } from './testkit';

// The hosts file is the minion's `hosts.file` option, read through config.get as Salt's hosts module reads it.
const dir = mkdtempSync(path.join(tmpdir(), 'brine-host-'));
const file = path.join(dir, 'hosts');
const config: ExecCaller = { has: (f) => f === 'config.get', call: async () => ({ ret: file, ok: true }) };
const k = kit({ exec: config });
const { present, absent } = hostModule.functions;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START = '127.0.0.1 localhost\n# comment line\n\n10.0.0.1 a b # old c\n10.0.0.2   c  e # keep\n10.0.0.1 d\n';

it('adds a name to an address (the file rewritten as Salt writes it), sets comments, converges', async () => {
  writeFileSync(file, START);
  const c = chunk('host', 'present', 'web', { ip: ['10.0.0.1', '10.0.0.9'], comment: 'new' });
  const r = await converge(k, present, c);
  expect(r.pending).toEqual({ added: { '10.0.0.9': ['web'], '10.0.0.1': ['web'] }, comment_added: { '10.0.0.9': ['new'], '10.0.0.1': ['new'] } });
  expect(r.outcome.comment).toBe('Added host web (10.0.0.9)\nAdded host web (10.0.0.1)\nSet comment for host 10.0.0.9 (new)\nSet comment for host 10.0.0.1 (new)');
  // Salt 3006.1 wrote these bytes from the same file and state.
  expect(readFileSync(file, 'utf8')).toBe('127.0.0.1\t\tlocalhost\n# comment line\n10.0.0.1\t\ta b d web\t\t# new\n10.0.0.2\t\tc e\t\t# keep\n10.0.0.9\t\tweb\t\t# new\n');
  expect(r.after).toEqual({});
  const p = present.parse('r', c.args, c);
  await present.check(p, k.checkCtx(c));
  expect(present.okComment!(p)).toBe('Host web (10.0.0.1) already present\nHost web (10.0.0.9) already present');
});

it('clean removes the name from other addresses, editing only their lines; a dry run writes nothing', async () => {
  writeFileSync(file, START);
  const c = chunk('host', 'present', 'c', { ip: '10.0.0.3', clean: true });
  const p = present.parse('r', c.args, c);
  expect(await present.check(p, k.checkCtx(c))).toEqual({ added: { '10.0.0.3': ['c'] }, removed: { '10.0.0.2': ['c'] } });
  expect(present.testComment!(p)).toBe('Host c (10.0.0.3) would be added\nHost c (10.0.0.2) would be removed');
  expect(readFileSync(file, 'utf8')).toBe(START);
  await converge(k, present, c);
  expect(readFileSync(file, 'utf8')).toBe('127.0.0.1\t\tlocalhost\n# comment line\n10.0.0.1\t\ta b d\t\t# old c\n10.0.0.2\t\te # keep\n10.0.0.3\t\tc\n');
});

it('host.absent removes the pair from its lines and reports {host: name}', async () => {
  writeFileSync(file, START);
  const c = chunk('host', 'absent', 'd', { ip: ['10.0.0.1', '10.0.0.7'] });
  const p = absent.parse('r', c.args, c);
  expect(await absent.check(p, k.checkCtx(c))).toEqual({ host: 'd' });
  expect(absent.testComment!(p)).toBe('Host d (10.0.0.1) needs to be removed\nHost d (10.0.0.7) already absent');
  expect(absent.testChanges!(p, { host: 'd' })).toEqual({});
  const r = await converge(k, absent, c);
  expect(r.outcome).toEqual({ changes: { host: 'd' }, comment: 'Removed host d (10.0.0.1)\nHost d (10.0.0.7) already absent' });
  expect(readFileSync(file, 'utf8')).toBe('127.0.0.1 localhost\n# comment line\n\n10.0.0.1\t\ta b # old c\n10.0.0.2   c  e # keep\n');
  expect(await recheck(k, absent, c)).toEqual({});
});

it('validates', () => {
  const p = (args: Record<string, unknown>, name = 'web') => () => present.parse('host.present:x', args, chunk('host', 'present', name, args));
  expect(p({})).toThrow(/ip: required/);
  expect(p({ ip: '1.2.3.4' }, 'a b')).toThrow(/invalid host name/);
  expect(p({ ip: ['1.2.3.4 x'] })).toThrow(/invalid address/);
});
