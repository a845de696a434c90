/**
 * Full disks (root only: each cache dir on its own small tmpfs). A minion whose disk fills while the state tree
 * changes fails the run with ENOSPC (exit 2) and never applies its old copy; a master whose disk fills while
 * returns arrive keeps none of them from being lost: they are all in the job cache once space is freed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, cachedReturns, Fleet, masterLog, onMasterAsync, tempDir, waitFor, writeFiles } from './helpers/fleet';

const root = process.getuid?.() === 0;
const maybe = root ? describe : describe.skip;

let fleet: Fleet;
let dir: string;
const mounts: string[] = [];

function mountTmpfs(at: string, size: string): void {
  fs.mkdirSync(at, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', at]);
  mounts.push(at);
}

/** Fill the file system holding `dir` to the last byte; returns the filler file (delete it to free the space). */
function fill(at: string): string {
  const filler = path.join(at, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    const { bavail, bsize } = fs.statfsSync(at);
    if (bavail > 0) fs.writeSync(fd, Buffer.alloc(bavail * bsize));
    for (;;) fs.writeSync(fd, Buffer.alloc(512));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

const sls = (version: string, out: string) => `
out:
  file.managed:
    - name: ${out}/{{ grains['id'] }}.txt
    - contents: "${version}: ${'x'.repeat(8000)}"
    - makedirs: True
`;

maybe('full disks', () => {
  beforeAll(async () => {
    dir = tempDir('brine-diskfull-');
    writeFiles(path.join(dir, 'tree'), { 'top.sls': "base:\n  '*':\n    - app\n", 'app.sls': sls('v1', path.join(dir, 'out')) });
    writeFiles(path.join(dir, 'pillar'), { 'top.sls': "base: {}\n" });
    fleet = new Fleet({ dir, minions: ['m1', 'm2'], fileRoots: [path.join(dir, 'tree')] });
    await fleet.configure();
    mountTmpfs(path.join(fleet.masterDir, 'cache'), '2m');
    mountTmpfs(path.join(fleet.minionDir('m1'), 'cache'), '1m');
    await fleet.startMaster();
    fleet.startMinions();
    await acceptAll(fleet, ['m1', 'm2']);
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const m of mounts.reverse()) {
      try {
        execFileSync('umount', [m]);
      } catch {
        execFileSync('umount', ['-l', m]);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a minion whose disk is full fails the run with ENOSPC (exit 2) and never applies its old copy of the tree', async () => {
    const out = path.join(dir, 'out', 'm1.txt');
    const first = await onMasterAsync(fleet, ['state', 'apply', 'm1', 'app', '-t', '20']);
    expect(first.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^v1: /);

    const filler = fill(path.join(fleet.minionDir('m1'), 'cache'));
    fs.writeFileSync(path.join(dir, 'tree', 'app.sls'), sls('v2', path.join(dir, 'out')));
    fs.rmSync(out);
    const full = await onMasterAsync(fleet, ['state', 'apply', 'm1', 'app', '-t', '20']);
    expect(`${full.stdout}${full.stderr}`).toMatch(/ENOSPC|no space left/i);
    expect(full.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false); // the old tree (v1) was not applied

    fs.rmSync(filler);
    const freed = await onMasterAsync(fleet, ['state', 'apply', 'm1', 'app', '-t', '20']);
    expect(freed.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^v2: /);
  }, 60_000);

  test("the master's disk full while returns arrive: after space is freed every return is in the job cache", async () => {
    const pub = await onMasterAsync(fleet, ['run', '*', 'cmd.run', 'sleep 2; echo done-$(hostname)', '--async']);
    expect(pub.code).toBe(0);
    const jid = /job ID: (\d{20})/.exec(pub.stdout)![1]!;
    const filler = fill(path.join(fleet.masterDir, 'cache'));
    // Both minions try while the disk is full, and are told to send again later.
    await waitFor(() => (masterLog(fleet).match(/request not stored/g) ?? []).length >= 2, 20_000, 'returns refused for a full disk');
    expect(cachedReturns(fleet, jid)).toEqual([]);
    fs.rmSync(filler);
    await waitFor(() => cachedReturns(fleet, jid).length === 2, 30_000, 'both returns in the job cache');
    const shown = await onMasterAsync(fleet, ['jobs', 'show', jid, '--out', 'json']);
    expect(shown.code).toBe(0);
    const rets = JSON.parse(shown.stdout) as Record<string, string>;
    expect(Object.keys(rets).sort()).toEqual(['m1', 'm2']);
    for (const r of Object.values(rets)) expect(r).toMatch(/^done-/);
  }, 60_000);
});
