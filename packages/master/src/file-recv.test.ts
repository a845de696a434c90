/** cp.push on the master (Salt's _file_recv): off unless file_recv, size-limited, confined to the minion's directory. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger } from '@brine/core';
import type { MasterOpts } from '@brine/config';
import { FileRecv, RequestRefused } from './file-recv';

let cachedir: string;
const recv = (o: Record<string, unknown>) => new FileRecv({ cachedir, ...o } as unknown as MasterOpts, new MemoryLogger());
const stored = (id: string, rel: string) => path.join(cachedir, 'minions', id, 'files', rel);

beforeEach(() => {
  cachedir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-recv-'));
});
afterEach(() => fs.rmSync(cachedir, { recursive: true, force: true }));

test('refused unless file_recv is on', () => {
  expect(() => recv({}).receive('m1', '/etc/hosts', Buffer.from('x'), 0)).toThrow(/file_recv is False/);
  expect(fs.existsSync(stored('m1', 'etc/hosts'))).toBe(false);
});

test('stores pieces in order under cachedir/minions/<id>/files/<path>', () => {
  const r = recv({ file_recv: true });
  expect(r.receive('m1', '/var/log/app.log', Buffer.from('one '), 0)).toBe(true);
  expect(r.receive('m1', '/var/log/app.log', Buffer.from('two'), 4)).toBe(true);
  expect(fs.readFileSync(stored('m1', 'var/log/app.log'), 'utf8')).toBe('one two');
  expect(() => r.receive('m1', '/var/log/app.log', Buffer.from('!'), 3)).toThrow(/does not follow the 7 bytes/);
  // offset 0 starts the file anew
  r.receive('m1', '/var/log/app.log', Buffer.from('new'), 0);
  expect(fs.readFileSync(stored('m1', 'var/log/app.log'), 'utf8')).toBe('new');
  // Windows drive letters lose their colon, as in Salt
  r.receive('m1', 'C:\\temp\\x.txt', Buffer.from('w'), 0);
  expect(fs.readFileSync(stored('m1', 'C/temp/x.txt'), 'utf8')).toBe('w');
});

test('file_recv_max_size (megabytes) bounds the whole file', () => {
  const r = recv({ file_recv: true, file_recv_max_size: 0.001 });
  expect(r.maxSize).toBe(1048);
  expect(() => r.receive('m1', '/big', Buffer.alloc(1049), 0)).toThrow(/larger than file_recv_max_size \(1048 bytes\)/);
  r.receive('m1', '/grow', Buffer.alloc(1000), 0);
  expect(() => r.receive('m1', '/grow', Buffer.alloc(100), 1000)).toThrow(RequestRefused);
  expect(() => r.receive('m1', '/announced', Buffer.alloc(10), 0, 5000)).toThrow(/file_recv_max_size/);
  expect(() => recv({ file_recv: true, file_recv_max_size: 'lots' })).toThrow(/file_recv_max_size: must be a number/);
});

test('paths are confined to the minion own directory', () => {
  const r = recv({ file_recv: true });
  for (const bad of ['../m2/files/x', '/a/../../../m2/files/x', '..', '/', 'a\0b']) expect(() => r.receive('m1', bad, Buffer.from('x'), 0)).toThrow(RequestRefused);
  expect(fs.existsSync(path.join(cachedir, 'minions', 'm2'))).toBe(false);
  // A link planted in the tree does not carry a write out of it.
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-recv-out-'));
  try {
    fs.mkdirSync(stored('m1', ''), { recursive: true });
    fs.symlinkSync(outside, stored('m1', 'link'));
    expect(() => r.receive('m1', '/link/x', Buffer.from('x'), 0)).toThrow(/resolves outside/);
    fs.symlinkSync(path.join(outside, 'target'), stored('m1', 'filelink'));
    expect(() => r.receive('m1', '/filelink', Buffer.from('x'), 0)).toThrow(/not a regular file/);
    expect(fs.readdirSync(outside)).toEqual([]);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
