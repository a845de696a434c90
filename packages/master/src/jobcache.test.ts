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

test('quota: every return a minion sends counts (a block each at least), a return sent again too, whether counted from memory or from disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-jobs-'));
  try {
    const refusals = new QuotaRefusals(nullLogger);
    const job = (jid: string) => ({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ['m1'], user: 'root', started: '' });
    const ret = (jid: string, n: number) => ({ id: 'm1', jid, fun: 'test.ping', ret: 'x'.repeat(n), retcode: 0, success: true, received: '' });
    const [a, b] = [newJid(), newJid()];
    // Room for four returns (a block each) and not five.
    const quota = { bytes: 4 * 4096 + 100, refusals };
    const jc = new JobCache(dir, 24, quota);
    for (const jid of [a, b]) jc.recordJob(job(jid));
    for (let i = 0; i < 3; i++) jc.recordReturn(ret(a, 1000 + i)); // the same job three times: three lines on disk
    jc.recordReturn(ret(b, 1000));
    expect(jc.used('m1')).toBe(4 * 4096);
    expect(() => jc.recordReturn(ret(b, 10))).toThrow(/over its job cache quota/);
    // A cache started afresh over the same directory counts the lines on disk: the same answers.
    const again = new JobCache(dir, 24, quota);
    expect(again.used('m1')).toBe(4 * 4096);
    expect(() => again.recordReturn(ret(a, 10))).toThrow(/over its job cache quota/);
    expect(again.returns(a)[0]!.ret).toBe('x'.repeat(1002)); // the newest line
    expect(refusals.count('m1', 'job cache')).toBe(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
