import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger } from '@brine/core';
import { mountModule, parseFstab } from './mount';
import type { ExecEnv } from './types';

test("mount.fstab reads an fstab as Salt 3006 does: 4-6 fields, '0' for the missing, opts split, repeats suffixed, comments skipped", () => {
  const text = '# comment\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/sdb1\t/data  xfs defaults,noatime\nproc /proc proc defaults 0 0 extra\n/dev/sdc1 /data ext4 rw 0 2\n\nbad line\n';
  expect(parseFstab(text)).toEqual({
    '/': { device: 'UUID=abc', fstype: 'ext4', opts: ['errors=remount-ro'], dump: '0', pass: '1' },
    '/data': { device: '/dev/sdb1', fstype: 'xfs', opts: ['defaults', 'noatime'], dump: '0', pass: '0' },
    '/data_': { device: '/dev/sdc1', fstype: 'ext4', opts: ['rw'], dump: '0', pass: '2' },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-fstab-'));
  try {
    fs.writeFileSync(path.join(dir, 'fstab'), text);
    const env = { log: new MemoryLogger() } as unknown as ExecEnv;
    expect(Object.keys(mountModule.functions['fstab']!([path.join(dir, 'fstab')], {}, env) as object)).toEqual(['/', '/data', '/data_']);
    expect(mountModule.functions['fstab']!([], { config: path.join(dir, 'missing') }, env)).toEqual({});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
