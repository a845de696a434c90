/**
 * A tree of everyday states (group, user, cron, file.managed with replace: False, file.blockreplace, file.line,
 * file.symlink) applied three times: a dry run, a run, and a run that finds everything in place. Results, changes and
 * comments are what Salt 3006.1 gave on the same tree (`salt-call --local --out json state.sls m`), with this
 * test's names and paths. Needs root (useradd), as CI runs.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, MemoryLogger } from '@brine/core';
import { lookupFunction } from './registry';
import { CallResult, type ExecEnv } from './types';

const G = `brtg${process.pid}`;
const U = `brtu${process.pid}`;
const ID = 47000 + (process.pid % 900);
let tmp: string;
let out: string;
let env: ExecEnv;

const cleanup = () => {
  spawnSync('crontab', ['-r', '-u', U]);
  spawnSync('userdel', ['-r', U]);
  spawnSync('groupdel', [G]);
};
beforeAll(() => {
  cleanup();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-saltout-'));
  out = path.join(tmp, 'out');
  const sls = `u1:
  group.present:
    - name: ${G}
    - gid: ${ID}
u2:
  user.present:
    - name: ${U}
    - uid: ${ID}
    - gid: ${ID}
    - home: ${out}/home
    - createhome: True
    - shell: /bin/sh
    - require:
      - group: u1
cronjob:
  cron.present:
    - name: /bin/true
    - user: ${U}
    - minute: 5
    - require:
      - user: u2
blk:
  file.blockreplace:
    - name: ${out}/blk.txt
    - marker_start: "# START"
    - marker_end: "# END"
    - content: hello
    - append_if_not_found: True
    - require:
      - file: touchit
touchit:
  file.managed:
    - name: ${out}/blk.txt
    - makedirs: True
    - replace: False
line:
  file.line:
    - name: ${out}/blk.txt
    - content: "appended"
    - mode: ensure
    - after: hello
    - require:
      - file: blk
sym:
  file.symlink:
    - name: ${out}/sym
    - target: ${out}/blk.txt
    - require:
      - file: touchit
`;
  fs.writeFileSync(path.join(tmp, 'm.sls'), sls);
  env = { id: 'm1', grains: { id: 'm1' }, pillar: {}, opts: {}, log: new MemoryLogger(), roots: new FileRoots([tmp]), providers: () => ({}) } as unknown as ExecEnv;
});
afterAll(() => {
  cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(test: boolean): Promise<unknown[]> {
  const r = await lookupFunction('state.sls')(['m'], { test }, env);
  const ret = (r instanceof CallResult ? r.ret : r) as Record<string, { __run_num__: number; result: unknown; changes: Record<string, unknown>; comment: string }>;
  return Object.entries(ret)
    .sort((a, b) => a[1].__run_num__ - b[1].__run_num__)
    .map(([tag, s]) => [tag.split('_|-')[1], s.result, 'diff' in s.changes ? { diff: '...' } : s.changes, s.comment]);
}

test('dry run, run, and the run that finds it all in place, as Salt 3006.1', async () => {
  const me = os.userInfo().username;
  const myGroup = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  expect(await run(true)).toEqual([
    ['u1', null, {}, `Group ${G} set to be added`],
    ['u2', null, {}, `User ${U} set to be added`],
    ['cronjob', null, {}, 'Cron /bin/true is set to be added'],
    ['touchit', null, { newfile: `${out}/blk.txt` }, `The file ${out}/blk.txt is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.`],
    ['blk', false, {}, `${out}/blk.txt: file not found`],
    ['line', false, {}, 'One or more requisite failed: m.blk'],
    ['sym', null, { new: `${out}/sym` }, `Symlink ${out}/sym to ${out}/blk.txt is set for creation\nDirectory ${out} for symlink is not present`],
  ]);
  expect(await run(false)).toEqual([
    ['u1', true, { name: G, passwd: 'x', gid: ID, members: [] }, `New group ${G} created`],
    ['u2', true, { gid: ID, groups: [G], home: `${out}/home`, name: U, passwd: 'x', shell: '/bin/sh', uid: ID, fullname: '', roomnumber: '', workphone: '', homephone: '', other: '' }, `New user ${U} created`],
    ['cronjob', true, { [U]: '/bin/true' }, `Cron /bin/true added to ${U}'s crontab`],
    ['touchit', true, { new: `file ${out}/blk.txt created` }, 'Empty file'],
    ['blk', true, { diff: '...' }, 'Changes were made'],
    ['line', true, { diff: '...' }, 'Changes were made'],
    ['sym', true, { new: `${out}/sym` }, `Created new symlink ${out}/sym -> ${out}/blk.txt`],
  ]);
  const again = await run(false);
  expect(again.filter((s) => (s as string[])[0] !== 'blk' && (s as string[])[0] !== 'line')).toEqual([
    ['u1', true, {}, `Group ${G} is present and up to date`],
    ['u2', true, {}, `User ${U} is present and up to date`],
    ['cronjob', true, {}, 'Cron /bin/true already present'],
    ['touchit', true, {}, `File ${out}/blk.txt exists with proper permissions. No changes made.`],
    ['sym', true, {}, `Symlink ${out}/sym is present and owned by ${me}:${myGroup}`],
  ]);
}, 60_000);

test("file.recurse and file.serialize dry runs as Salt 3006.1's (recurse: each path's own dry run, the target directory included)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-saltout-rec-'));
  try {
    fs.mkdirSync(path.join(dir, 'files', 'tree', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'files', 'tree', 'one'), 'one\n');
    fs.writeFileSync(path.join(dir, 'files', 'tree', 'sub', 'two'), 'two\n');
    const o = path.join(dir, 'out');
    fs.writeFileSync(path.join(dir, 'r.sls'), `rec:\n  file.recurse:\n    - name: ${o}/tree\n    - source: salt://files/tree\n    - makedirs: True\nser:\n  file.serialize:\n    - name: ${o}/s.json\n    - dataset: {a: 1}\n    - formatter: json\n    - makedirs: True\nenvset:\n  environ.setenv:\n    - name: BRINE_DRY_ENV\n    - value: x\n`);
    const e = { ...env, roots: new FileRoots([dir]) } as ExecEnv;
    const r = (await lookupFunction('state.sls')(['r'], { test: true }, e)) as CallResult;
    const ret = r.ret as Record<string, { changes: unknown; comment: string; result: unknown }>;
    const rec = Object.entries(ret).find(([k]) => k.includes('_|-rec_|-'))![1];
    const note = 'is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.';
    expect(rec).toMatchObject({
      result: null,
      changes: { [`${o}/tree`]: { [`${o}/tree`]: { directory: 'new' } }, [`${o}/tree/sub`]: { [`${o}/tree/sub`]: { directory: 'new' } }, [`${o}/tree/one`]: { newfile: `${o}/tree/one` }, [`${o}/tree/sub/two`]: { newfile: `${o}/tree/sub/two` } },
      // Salt walks a set, so its order of the paths varies; Brine's is the directories, then the files, sorted
      comment: `#### ${o}/tree ####\nThe following files will be changed:\n${o}/tree: directory - new\n\n\n#### ${o}/tree/sub ####\nThe following files will be changed:\n${o}/tree/sub: directory - new\n\n\n#### ${o}/tree/one ####\nThe file ${o}/tree/one ${note}\n\n#### ${o}/tree/sub/two ####\nThe file ${o}/tree/sub/two ${note}`,
    });
    const ser = Object.entries(ret).find(([k]) => k.includes('_|-ser_|-'))![1];
    // environ.setenv's dry run says True, with the changes (Salt 3006.1)
    const envRet = Object.entries(ret).find(([k]) => k.includes('_|-envset_|-'))![1];
    expect(envRet).toMatchObject({ result: true, changes: { BRINE_DRY_ENV: 'x' }, comment: 'Environ values will be changed' });
    expect(process.env['BRINE_DRY_ENV']).toBeUndefined();
    expect(ser).toMatchObject({ result: null, changes: { newfile: `${o}/s.json` }, comment: `Dataset will be serialized and stored into ${o}/s.json` });
    expect(fs.existsSync(o)).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
