/** debconf.set / set_file on this host's debconf (a package name of the test's own, purged afterwards); Salt 3006.1's results. */
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chunk, converge, kit } from './testkit';
import { debconfModule } from './debconf';

const { set, set_file: setFile } = debconfModule.functions;
const PKG = `brinedc${process.pid}`;
const purge = () => spawnSync('debconf-communicate', [PKG], { input: 'PURGE\n' });
const selections = () => execFileSync('debconf-get-selections', { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${PKG}\t`)).sort();
beforeAll(purge);
afterAll(purge);

it('set: answers written with Salt\'s value rules, then unchanged; dry-run changes and comments as Salt\'s', async () => {
  const k = kit();
  const data = {
    [`${PKG}/q1`]: { type: 'string', value: 'hello world' },
    [`${PKG}/b`]: { type: 'boolean', value: false },
    // Python truthiness, as in Salt: the string 'false' is true.
    [`${PKG}/bs`]: { type: 'boolean', value: 'false' },
    [`${PKG}/n`]: { type: 'string', value: 42 },
    [`${PKG}/pw`]: { type: 'password', value: 's3cret' },
  };
  const c = chunk('debconf', 'set', PKG, { data });
  const p = set.parse('r', c.args, c);
  const pending = await set.check(p, k.checkCtx(c));
  expect(set.testChanges!(p, pending)).toEqual({ [`${PKG}/q1`]: 'New value: hello world', [`${PKG}/b`]: 'New value: false', [`${PKG}/bs`]: 'New value: true', [`${PKG}/n`]: 'New value: 42', [`${PKG}/pw`]: 'New value: s3cret' });
  expect(set.testComment!(p)).toBe('');
  const r = await converge(k, set, c);
  expect(r.outcome).toEqual({ changes: { [`${PKG}/q1`]: 'hello world', [`${PKG}/b`]: 'false', [`${PKG}/bs`]: 'true', [`${PKG}/n`]: '42', [`${PKG}/pw`]: '(password hidden)' }, comment: '' });
  expect(r.after).toEqual({});
  expect(selections()).toEqual([`${PKG}\t${PKG}/b\tboolean\tfalse`, `${PKG}\t${PKG}/bs\tboolean\ttrue`, `${PKG}\t${PKG}/n\tstring\t42`, `${PKG}\t${PKG}/pw\tpassword\ts3cret`, `${PKG}\t${PKG}/q1\tstring\thello world`]);
  expect(set.okComment!(p)).toBe('All specified answers are already set');
  const more = chunk('debconf', 'set', PKG, { data: { [`${PKG}/q1`]: { type: 'string', value: 'hello world' }, [`${PKG}/new`]: { type: 'select', value: 'x' } } });
  expect((await converge(k, set, more)).outcome).toEqual({ changes: { [`${PKG}/new`]: 'x' }, comment: `Unchanged answers: ${PKG}/q1 ` });
});

it('set_file loads a (templated) selections file on every run and reports no changes, as Salt does', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'brine-dc-'));
  try {
    writeFileSync(path.join(root, 'sel.txt'), `${PKG} ${PKG}/f string {{ v }}\n`);
    const k = kit({ fileRoot: root });
    const c = chunk('debconf', 'set_file', 'x', { source: 'salt://sel.txt', template: 'jinja', context: { v: 'templated' } });
    expect(setFile.testComment!(setFile.parse('r', c.args, c))).toBe('Debconf selections would have been set.');
    expect((await converge(k, setFile, c)).outcome).toEqual({ changes: {}, comment: 'Debconf selections were set.' });
    expect(selections()).toContain(`${PKG}\t${PKG}/f\tstring\ttemplated`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
