import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JobCache, newJid } from './jobcache';

test('jids are sortable timestamps, strictly increasing', () => {
  const now = new Date(Date.UTC(2026, 10, 22, 5, 6, 7, 891));
  const a = newJid(now);
  const b = newJid(now);
  expect(a).toBe('20261122050607891000');
  expect(b > a).toBe(true);
  expect(b).toHaveLength(20);
});

test('records jobs and returns, lists them, prunes what is older than keep_jobs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-jobs-'));
  try {
    const jc = new JobCache(dir, 24);
    const old = '20200101000000000000'; // long past keep_jobs
    const fresh = newJid();
    for (const jid of [old, fresh]) jc.recordJob({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ['m1'], user: 'root', started: '' });
    jc.recordReturn({ id: 'm1', jid: fresh, fun: 'test.ping', ret: true, retcode: 0, success: true, received: '' });
    jc.recordReturn({ id: '../evil', jid: fresh, fun: 'test.ping', ret: true, retcode: 0, success: true, received: '' });
    expect(jc.list().map((j) => j.jid)).toEqual([old, fresh]);
    expect(jc.returns(fresh).map((r) => r.id)).toEqual(['m1']);
    expect(jc.prune()).toBe(1);
    expect(jc.list().map((j) => j.jid)).toEqual([fresh]);
    expect(jc.job('../../etc')).toBeNull();
    expect(() => jc.recordJob({ jid: '../../etc', fun: 'x.y', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: [], user: 'root', started: '' })).toThrow(/not valid/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
