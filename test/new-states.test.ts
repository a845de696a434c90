/**
 * The state kinds formulas use (file.replace/line/blockreplace/append/copy/recurse, cron, mount, pkgrepo,
 * archive.extracted, module.run), run through `brine call --local state.apply` on test/fixtures/states-formula:
 * the real renderer, runner and execution-function registry, against a scratch root.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { brine, json } from './helpers/cli';

const TREE = path.resolve(__dirname, 'fixtures/states-formula');
const USER = `brinefx${process.pid % 100000}`;

type Ret = Record<string, { __id__: string; result: boolean | null; changes: Record<string, unknown>; comment: string }>;

let tmp: string;
let archive: string;
beforeAll(() => {
  execFileSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', USER]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-newstates-'));
  fs.mkdirSync(path.join(tmp, 'src', 'release-1', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'src', 'release-1', 'bin', 'app'), '#!/bin/sh\necho app\n');
  archive = path.join(tmp, 'release-1.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', path.join(tmp, 'src'), 'release-1']);
});
afterAll(() => {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(tmp + '/'));
  for (const m of mounts.reverse()) execFileSync('umount', [m]);
  execFileSync('sh', ['-c', `crontab -u ${USER} -r 2>/dev/null; userdel ${USER}`]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const root = () => path.join(tmp, 'root');
const apply = (extra: Record<string, unknown> = {}, ...args: string[]) => {
  const pillar = { root: root(), cron_user: USER, archive, archive_sha256: createHash('sha256').update(fs.readFileSync(archive)).digest('hex'), ...extra };
  return brine(['call', '--local', '--file-root', TREE, '--id', 'web1', '--out', 'json', 'state.apply', 'formula', `pillar=${JSON.stringify(pillar)}`, ...args]);
};
const byId = (r: Ret) => Object.fromEntries(Object.values(r).map((s) => [s.__id__, s]));
const read = (rel: string) => fs.readFileSync(path.join(root(), rel), 'utf8');

test('test=True before anything exists: no kind writes (no files, crontab, mount, key or extraction)', () => {
  const dry = path.join(tmp, 'dry');
  const r = apply({ root: dry }, 'test=True');
  const ret = byId(json<{ local: Ret }>(r).local);
  expect(fs.existsSync(dry)).toBe(false);
  expect(execFileSync('sh', ['-c', `crontab -u ${USER} -l 2>&1 || true`], { encoding: 'utf8' })).toMatch(/no crontab for/);
  expect(fs.readFileSync('/proc/self/mounts', 'utf8')).not.toContain(dry);
  expect(ret['nightly']).toMatchObject({ result: null, changes: {}, comment: `Cron ${dry}/bin/nightly --quiet is set to be added` });
  expect(ret['scratch']).toMatchObject({ result: null, changes: {}, comment: `${dry}/mnt/scratch would be created and mounted. ${dry}/mnt/scratch needs to be written to the fstab in order to be made persistent.` });
  expect(ret['app_release']).toMatchObject({ result: null, changes: {}, comment: `Archive ${archive} would be extracted to ${dry}/opt/, due to absence of one or more files/dirs` });
  expect(ret['brine_repo']).toMatchObject({ result: null, changes: { repo: expect.stringContaining('deb [signed-by=') } });
  // As in Salt, editing a file that an earlier state would create fails in a dry run.
  expect(ret['app_port']).toMatchObject({ result: false, comment: `${dry}/etc/app.conf: file not found` });
});

test('the first run converges every new kind; the second changes nothing', () => {
  const first = apply();
  const ret = byId(json<{ local: Ret }>(first).local);
  expect(Object.entries(ret).filter(([, s]) => s.result !== true).map(([id, s]) => `${id}: ${s.comment}`)).toEqual([]);
  expect(first.code).toBe(0);
  expect(read('etc/app.conf')).toBe('port=8080\nlisten=0.0.0.0\n# BEGIN brine\nworkers=4\nid=web1\npeer=db1\n# END brine\n# end of app.conf\n');
  expect(ret['app_port']!.changes).toEqual({ diff: '--- \n+++ \n@@ -1,3 +1,3 @@\n-port=80\n+port=8080\n # BEGIN brine\n # END brine\n' });
  // The diffs, comments and changes below are what Salt 3006.1 reports for this formula (its id: web1).
  expect(ret['app_block']).toMatchObject({ comment: 'Changes were made', changes: { diff: '--- \n+++ \n@@ -1,3 +1,6 @@\n port=8080\n # BEGIN brine\n+workers=4\n+id=web1\n+peer=db1\n # END brine\n' } });
  expect(ret['app_hosts']).toMatchObject({ result: true, changes: {}, comment: `Accumulator hosts for file ${root()}/etc/app.conf was charged by text` });
  expect(ret['app_line']!.changes).toEqual({ diff: '--- \n+++ \n@@ -1,4 +1,5 @@\n port=8080\n+listen=0.0.0.0\n # BEGIN brine\n workers=4\n id=web1\n' });
  expect(ret['app_append']).toMatchObject({ comment: 'Appended 1 lines', changes: { diff: '--- \n\n+++ \n\n@@ -5,3 +5,4 @@\n\n id=web1\n peer=db1\n # END brine\n+# end of app.conf' } });
  expect(ret['app_copy']).toMatchObject({ changes: { [`${root()}/backup/app.conf`]: `${root()}/etc/app.conf` }, comment: `Copied "${root()}/etc/app.conf" to "${root()}/backup/app.conf"` });
  expect(ret['site']).toMatchObject({
    comment: `Recursively updated ${root()}/www`,
    changes: { [`${root()}/www/css`]: { [`${root()}/www/css`]: { directory: 'new' } }, [`${root()}/www/index.html`]: { diff: 'New file', mode: '0640' }, [`${root()}/www/css/main.css`]: { diff: 'New file', mode: '0640' } },
  });
  expect(ret['app_release']).toMatchObject({ changes: { directories_created: [`${root()}/opt/`], extracted_files: ['release-1', 'release-1/bin', 'release-1/bin/app'] } });
  expect(ret['old_job']!.comment).toBe('Cron /usr/bin/old-job already absent');
  expect(read('etc/app.conf.bak')).toBe('port=80\n# BEGIN brine\n# END brine\n');
  expect(read('backup/app.conf')).toBe(read('etc/app.conf'));
  expect(read('www/index.html')).toBe('<h1>web1 on port 8080</h1>\n');
  expect(fs.statSync(path.join(root(), 'www/css/main.css')).mode & 0o7777).toBe(0o640);
  expect(execFileSync('crontab', ['-u', USER, '-l'], { encoding: 'utf8' })).toBe(
    `# Lines below here are managed by Salt, do not edit\n# nightly job SALT_CRON_IDENTIFIER:${root()}/bin/nightly --quiet\n30 2 * * * ${root()}/bin/nightly --quiet\n`,
  );
  expect(ret['nightly']!.changes).toEqual({ [USER]: `${root()}/bin/nightly --quiet` });
  expect(fs.readFileSync('/proc/self/mounts', 'utf8')).toContain(`tmpfs ${root()}/mnt/scratch tmpfs `);
  expect(read('fstab')).toBe(`tmpfs\t\t${root()}/mnt/scratch\ttmpfs\tsize=1m\t0 0\n`);
  expect(read('apt/brine.list')).toBe(`deb [signed-by=${root()}/keyrings/brine.gpg] https://apt.example.com/brine bookworm main\n`);
  expect(read('keyrings/brine.gpg')).toBe('brine fixture signing key (bytes only)\n');
  expect(read('opt/release-1/bin/app')).toBe('#!/bin/sh\necho app\n');
  expect(ret['say_hello']!.changes).toEqual({ 'test.echo': 'hello', 'file.write': `Wrote 1 lines to "${root()}/module-run.txt"` });
  expect(read('module-run.txt')).toBe('written by module.run\n');
  expect(ret['legacy_call']).toMatchObject({ changes: { ret: { args: [], kwargs: { name: 'given' } } }, comment: 'Module function test.arg executed' });

  const second = apply();
  expect(second.code).toBe(0);
  const again = byId(json<{ local: Ret }>(second).local);
  const changed = Object.entries(again).filter(([, s]) => Object.keys(s.changes).length).map(([id]) => id);
  // module.run calls its functions on every run, as in Salt; everything else is converged.
  expect(changed.sort()).toEqual(['legacy_call', 'say_hello']);
});

test('test=True with a new port: Salt-shaped dry-run results, nothing written', () => {
  const before = read('etc/app.conf');
  const r = apply({ port: 9090 }, 'test=True');
  const ret = byId(json<{ local: Ret }>(r).local);
  expect(ret['app_port']).toMatchObject({ result: null, comment: 'Changes would have been made', changes: { diff: '--- \n+++ \n@@ -1,4 +1,4 @@\n-port=8080\n+port=9090\n listen=0.0.0.0\n # BEGIN brine\n workers=4\n' } });
  expect(ret['site']).toMatchObject({ result: null, changes: { [`${root()}/www/index.html`]: { diff: expect.stringContaining('+<h1>web1 on port 9090</h1>') } } });
  expect(ret['say_hello']).toMatchObject({ result: null, changes: {}, comment: 'FunctionTrue test.echo, file.write to be executed.' });
  expect(ret['nightly']).toMatchObject({ result: true, comment: `Cron ${root()}/bin/nightly --quiet already present` });
  expect(read('etc/app.conf')).toBe(before);
  expect(read('www/index.html')).toBe('<h1>web1 on port 8080</h1>\n');
});

test('sys.list_state_functions lists the new kinds', () => {
  const r = brine(['call', '--local', '--file-root', TREE, '--out', 'json', 'sys.list_state_functions']);
  const fns = json<{ local: string[] }>(r).local;
  for (const f of ['file.accumulated', 'file.replace', 'file.line', 'file.blockreplace', 'file.append', 'file.copy', 'file.recurse', 'cron.present', 'cron.absent', 'mount.mounted', 'pkgrepo.managed', 'archive.extracted', 'module.run']) expect(fns).toContain(f);
});

test('a bad argument fails the whole run at compile time, naming the SLS file, line and ID', () => {
  const bad = path.join(tmp, 'badtree');
  fs.mkdirSync(bad);
  fs.writeFileSync(path.join(bad, 'bad.sls'), `fix:\n  file.replace:\n    - name: ${tmp}/x\n    - pattern: '(unclosed'\n    - repl: y\n`);
  const r = brine(['call', '--local', '--file-root', bad, '--out', 'json', 'state.apply', 'bad']);
  expect(r.code).toBe(1);
  expect(json<{ local: string[] }>(r).local).toEqual(['bad.sls:1: file.replace fix: pattern: invalid regular expression "(unclosed": Unterminated group']);
});
