/** mount.mounted with real tmpfs and bind mounts in a temp dir (root), persisted in a temp fstab. */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { activeMount, mountModule, setFstab } from './mount';
import { chunk, converge, kit, recheck } from './testkit';

const { mounted } = mountModule.functions;
let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-mount-'))));
afterEach(() => {
  // Unmount whatever a test mounted under tmp (deepest first), then remove it.
  const mine = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(tmp + '/'));
  for (const m of mine.reverse()) execFileSync('umount', [m]);
  rmSync(tmp, { recursive: true, force: true });
});
const parse = (c: ReturnType<typeof chunk>) => mounted.parse(`mount.mounted ${c.id}`, c.args, c);

it('tmpfs: mkmnt, mounts, persists in the given config, then converged; a dry run says what it would do', async () => {
  const k = kit();
  const mnt = path.join(tmp, 'mnt', 'data');
  const fstab = path.join(tmp, 'fstab');
  writeFileSync(fstab, '# static\n/dev/sda1\t/\text4\tdefaults\t0 1\n');
  const c = chunk('mount', 'mounted', mnt, { device: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m,mode=0755', mkmnt: true, config: fstab });
  const p = parse(c);
  expect(await mounted.check(p, k.checkCtx(c))).toEqual({ mount: true, persist: 'new' });
  expect(mounted.testComment!(p)).toBe(`${mnt} would be created and mounted. ${mnt} needs to be written to the fstab in order to be made persistent.`);
  expect(mounted.testChanges!(p, {})).toEqual({});
  const r = await converge(k, mounted, c);
  expect(r.outcome).toEqual({ changes: { mount: true, persist: 'new' }, comment: 'Target was successfully mounted. Added new entry to the fstab.' });
  expect(await activeMount(k.reader, mnt)).toMatchObject({ device: 'tmpfs', fstype: 'tmpfs' });
  expect(readFileSync(fstab, 'utf8')).toBe(`# static\n/dev/sda1\t/\text4\tdefaults\t0 1\ntmpfs\t\t${mnt}\ttmpfs\tsize=1m,mode=0755\t0 0\n`);
  expect(r.after).toEqual({});
  expect(mounted.okComment!(p)).toBe('Target was already mounted. Entry already exists in the fstab.');
  // A changed option updates the fstab entry in place (the live mount stays).
  const c2 = chunk('mount', 'mounted', mnt, { device: 'tmpfs', fstype: 'tmpfs', opts: ['size=2m'], config: fstab, dump: 0, pass_num: 2 });
  const r2 = await converge(k, mounted, c2);
  expect(r2.outcome).toEqual({ changes: { persist: 'update' }, comment: 'Target was already mounted. Updated the entry in the fstab.' });
  expect(readFileSync(fstab, 'utf8')).toContain(`tmpfs\t\t${mnt}\ttmpfs\tsize=2m\t0 2\n`);
});

it('bind mount without persist; a missing mount point fails without mkmnt; bad arguments', async () => {
  const k = kit();
  const src = path.join(tmp, 'src');
  const dst = path.join(tmp, 'dst');
  mkdirSync(src);
  writeFileSync(path.join(src, 'f'), 'via bind\n');
  const missing = chunk('mount', 'mounted', dst, { device: src, fstype: 'none', opts: 'bind', persist: false });
  await expect(mounted.apply(parse(missing), {}, k.applyCtx(missing))).rejects.toThrow('Mount directory is not present');
  mkdirSync(dst);
  const r = await converge(k, mounted, missing);
  expect(r.outcome.changes).toEqual({ mount: true });
  expect(readFileSync(path.join(dst, 'f'), 'utf8')).toBe('via bind\n');
  expect(await recheck(k, mounted, missing)).toEqual({});
  expect(() => parse(chunk('mount', 'mounted', dst, { fstype: 'ext4' }))).toThrow('Must provide device to mount.mounted');
  expect(() => parse(chunk('mount', 'mounted', dst, { device: '/dev/x' }))).toThrow('Must provide fstype to mount.mounted');
  expect(() => parse(chunk('mount', 'mounted', dst, { device: '/dev/x', fstype: 'ext4', opts: 'a b' }))).toThrow(/contains whitespace/);
});

it('setFstab matches by mount point and leaves comments alone', () => {
  const p = parse(chunk('mount', 'mounted', '/srv', { device: '/dev/vdb', fstype: 'xfs' }));
  expect(setFstab('# /srv is here\n', p)).toEqual({ text: '# /srv is here\n/dev/vdb\t\t/srv\txfs\tdefaults\t0 0\n', out: 'new' });
  expect(setFstab('/dev/vdb /srv xfs defaults 0 0\n', p).out).toBe('present');
  expect(setFstab('/dev/vdc /srv xfs defaults 0 0\n', p)).toEqual({ text: '/dev/vdb\t\t/srv\txfs\tdefaults\t0 0\n', out: 'change' });
});
