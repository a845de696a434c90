/** Returns kept on disk while PostgreSQL is down, replayed when it is back: against a real server stopped and started. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { startPostgres, type PgServer } from '../../../../../test/helpers/postgres';
import { newJid, type JobRecord, type ReturnRecord } from '../../jobcache';
import { QuotaRefusals } from '../../quota';
import { ReturnSpool, SpooledJobs } from './spool';
import { PgStore } from './store';

let pg: PgServer;
let dir: string;
const opened: PgStore[] = [];
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-spool-'));
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let dbs = 0;
async function store(): Promise<PgStore> {
  const s = await PgStore.open({ dsn: await pg.newDatabase(`spool_${++dbs}`), master: 'm1', keepJobsHours: 24, connectTimeoutMs: 3000, quota: { jobCacheBytes: 1e7, mineBytes: 1e7, grainsBytes: 1e7, refusals: new QuotaRefusals(nullLogger) } });
  opened.push(s);
  return s;
}

const job = (jid: string, expected: string[]): JobRecord => ({ jid, fun: 'state.apply', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected, user: 'root', started: new Date().toISOString() });
const ret = (jid: string, id: string, value: unknown): ReturnRecord => ({ id, jid, fun: 'state.apply', ret: value, retcode: 0, success: true, outcome: 'ok', received: new Date().toISOString() });

test('returns recorded while PostgreSQL is down are kept on disk and all stored, newest last, once it is back', async () => {
  const s = await store();
  const jobs = new SpooledJobs(s.jobs, new ReturnSpool(path.join(dir, 'spool')));
  const minions = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const jid = newJid();
  await s.jobs.recordJob(job(jid, minions));
  await jobs.recordReturn(ret(jid, 'm00', 'before the outage'));
  expect(jobs.spool.size).toBe(0);
  await pg.pause();
  try {
    for (const m of minions) await jobs.recordReturn(ret(jid, m, `during ${m}`));
    await jobs.recordReturn(ret(jid, 'm00', 'newest'));
    const sched = { ...job(newJid(), ['m01']), user: 'schedule:nightly', tgt: 'm01', tgt_type: 'list' };
    await jobs.recordReturn(ret(sched.jid, 'm01', 'scheduled'), sched);
    expect(jobs.spool.size).toBe(32);
    // A restarted master finds the same spool.
    const again = new SpooledJobs(s.jobs, new ReturnSpool(path.join(dir, 'spool')));
    expect(again.spool.size).toBe(32);
    expect(await again.flush()).toEqual({ replayed: 0, refused: 0, damaged: [], left: 32 });
  } finally {
    await pg.resume();
  }
  // Once anything is spooled, new returns queue behind it (an older one must not overwrite them later).
  await jobs.recordReturn(ret(jid, 'm29', 'after the outage'));
  expect(jobs.spool.size).toBe(33);
  expect(await jobs.flush()).toEqual({ replayed: 33, refused: 0, damaged: [], left: 0 });
  expect(fs.readdirSync(path.join(dir, 'spool'))).toEqual([]);
  const back = await s.jobs.returns(jid);
  expect(back.map((r) => r.id)).toEqual(minions);
  expect(back.find((r) => r.id === 'm00')?.ret).toBe('newest');
  expect(back.find((r) => r.id === 'm05')?.ret).toBe('during m05');
  expect(back.find((r) => r.id === 'm29')?.ret).toBe('after the outage');
  expect(await s.jobs.missing(jid)).toEqual([]);
  const scheduled = (await s.jobs.list()).find((j) => j.user === 'schedule:nightly');
  expect(scheduled && (await s.jobs.returns(scheduled.jid)).map((r) => r.ret)).toEqual(['scheduled']);
  // With nothing spooled, returns go straight to the store again.
  await jobs.recordReturn(ret(jid, 'm01', 'direct'));
  expect(jobs.spool.size).toBe(0);
  expect((await s.jobs.returns(jid)).find((r) => r.id === 'm01')?.ret).toBe('direct');
});

test('a spooled file that cannot be read, or that the store refuses, is set aside and named; the others are stored', async () => {
  const s = await store();
  const spoolDir = path.join(dir, 'spool');
  const jobs = new SpooledJobs(s.jobs, new ReturnSpool(spoolDir));
  const jid = newJid();
  await s.jobs.recordJob(job(jid, ['a', 'b']));
  jobs.spool.append(ret(jid, 'a', 1));
  jobs.spool.append(ret('not-a-jid', 'b', 2));
  jobs.spool.append(ret(jid, 'b', 3));
  fs.writeFileSync(path.join(spoolDir, '000000000000000-000000000-1.json'), '{"r": {"id": "a", "jid": "cut sh');
  const r = await jobs.flush();
  expect(r.replayed).toBe(2);
  expect(r.damaged).toHaveLength(2);
  expect(r.damaged[0]).toMatch(/000000000000000-000000000-1\.json\.damaged \(/);
  expect(r.damaged[1]).toMatch(/\.json\.failed \(jid 'not-a-jid' is not valid/);
  expect(fs.readdirSync(spoolDir).sort().map((n) => n.replace(/^.*\./, ''))).toEqual(['damaged', 'failed']);
  expect((await s.jobs.returns(jid)).map((x) => x.ret)).toEqual([1, 3]);
  // An error that is not an outage is the caller's, not spooled.
  await expect(jobs.recordReturn(ret('bad', 'a', 4))).rejects.toThrow(/not valid/);
  expect(jobs.spool.size).toBe(0);
});
