import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { JobCache, newJid } from './jobcache';
import { QuotaRefusals } from './quota';

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

test('quota: a minion returning again for a job is charged the difference, whether the cache knows the job from memory or from disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-jobs-'));
  try {
    const refusals = new QuotaRefusals(nullLogger);
    // Two blocks: the job's return (one block) may be replaced any number of times; a second job's return fits, a third does not.
    const quota = { bytes: 2 * 4096, refusals };
    const jc = new JobCache(dir, 24, quota);
    const job = (jid: string) => ({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ['m1'], user: 'root', started: '' });
    const ret = (jid: string, n: number) => ({ id: 'm1', jid, fun: 'test.ping', ret: 'x'.repeat(n), retcode: 0, success: true, received: '' });
    const [a, b, c] = [newJid(), newJid(), newJid()];
    for (const jid of [a, b, c]) jc.recordJob(job(jid));
    for (let i = 0; i < 5; i++) jc.recordReturn(ret(a, 100 + i));
    jc.recordReturn(ret(b, 100));
    expect(() => jc.recordReturn(ret(c, 100))).toThrow(/over its job cache quota/);
    // A cache started afresh over the same directory reads the sizes from disk: the same answers.
    const again = new JobCache(dir, 24, quota);
    again.recordReturn(ret(a, 200));
    expect(() => again.recordReturn(ret(c, 100))).toThrow(/over its job cache quota/);
    expect(again.returns(a)[0]!.ret).toBe('x'.repeat(200));
    expect(refusals.count('m1', 'job cache')).toBe(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
