/** The job cache's returns files: nothing acknowledged is lost, a torn line is named and stepped over, crowds share writes. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JobCache, newJid, type JobRecord } from './jobcache';
import { RETURNS_FILE } from './return-file';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-retfile-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ret = (id: string, jid: string, ret: unknown = true) => ({ id, jid, fun: 'test.ping', ret, retcode: 0, success: true, received: '' });
const job = (jid: string, expected: string[] = [], user = 'root'): JobRecord => ({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected, user, started: '' });
const lines = (jid: string) => fs.readFileSync(path.join(dir, 'jobs', jid, RETURNS_FILE), 'utf8').split('\n').filter(Boolean);

test('a master SIGKILLed right after acknowledging 500 returns: every acknowledged return is in the job cache after restart', () => {
  const jid = newJid();
  // The master's job cache in a process of its own (the build), killed at once after its last acknowledgement.
  const script = `
    const { JobCache } = require(${JSON.stringify(path.resolve(__dirname, '../dist/jobcache.js'))});
    const fs = require('fs');
    const [dir, jid, ackFile] = process.argv.slice(1);
    // Acknowledgements go to a file with a synchronous write: once written they survive the SIGKILL (a pipe's
    // buffered stdout may not, which would make the acknowledged set look smaller than it was).
    const ack = fs.openSync(ackFile, 'a');
    const jc = new JobCache(dir, 24);
    jc.replayLegacyLog();
    const ids = Array.from({ length: 500 }, (_, i) => 'm' + i);
    jc.recordJob({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ids, user: 'root', started: '' });
    // All 500 arrive in one turn (a crowd: one write for most of them); each is acknowledged when its promise
    // settles, as the master answers a minion, and the process dies right after the last one.
    let n = 0;
    for (const id of ids) {
      Promise.resolve(jc.recordReturn({ id, jid, fun: 'test.ping', ret: true, retcode: 0, success: true, received: '' })).then(() => {
        fs.writeSync(ack, 'acked ' + id + '\\n');
        if (++n === ids.length) process.kill(process.pid, 'SIGKILL');
      });
    }
  `;
  const ackFile = path.join(dir, 'acked');
  const r = spawnSync(process.execPath, ['-e', script, dir, jid, ackFile], { encoding: 'utf8' });
  expect(r.signal).toBe('SIGKILL');
  const acked = fs.readFileSync(ackFile, 'utf8').split('\n').filter((l) => l.startsWith('acked ')).map((l) => l.slice(6));
  expect(acked).toHaveLength(500);
  const restarted = new JobCache(dir, 24);
  expect(restarted.returns(jid).map((x) => x.id).sort()).toEqual([...acked].sort());
  expect(restarted.readReturns(jid).damaged).toEqual([]);
});

test('a crowd: readable at once, the newest per minion wins, written in a few appends that another reader sees', async () => {
  const jc = new JobCache(dir, 24);
  const jid = newJid();
  jc.recordJob(job(jid));
  const waits = [];
  for (let i = 0; i < 200; i++) waits.push(jc.recordReturn(ret(`m${i}`, jid)));
  waits.push(jc.recordReturn(ret('m7', jid, 'again')));
  // The first of the window are written at once; the crowd after them waits for the end of this turn.
  expect(waits.filter((w) => w === undefined).length).toBeLessThan(20);
  const got = jc.returns(jid);
  expect(got).toHaveLength(200);
  expect(got.find((x) => x.id === 'm7')?.ret).toBe('again');
  await Promise.all(waits);
  const other = new JobCache(dir, 24); // reads the file only
  expect(other.returns(jid)).toHaveLength(200);
  expect(other.returns(jid).find((x) => x.id === 'm7')?.ret).toBe('again');
  // One line per return, each starting with its minion's id.
  expect(lines(jid)).toHaveLength(201);
  expect(lines(jid).every((l) => /^\{"id":"m\d+",/.test(l))).toBe(true);
});

test('a torn last line (a crash mid-append): the next return starts a line of its own, and readers name the torn one', () => {
  const jc = new JobCache(dir, 24);
  const jid = newJid();
  jc.recordJob(job(jid));
  jc.recordReturn(ret('m1', jid));
  const file = path.join(dir, 'jobs', jid, RETURNS_FILE);
  fs.appendFileSync(file, '{"id":"m2","jid":"');
  jc.recordReturn(ret('m3', jid));
  const { returns, damaged } = new JobCache(dir, 24).readReturns(jid);
  expect(returns.map((r) => r.id)).toEqual(['m1', 'm3']);
  expect(damaged).toEqual([`${file}:2`]);
});

test("a scheduled run's return (its job dir does not exist yet) in a crowd: its record and return are written", async () => {
  const jc = new JobCache(dir, 24);
  const jid = newJid();
  jc.recordJob(job(jid));
  for (let i = 0; i < 50; i++) jc.recordReturn(ret(`m${i}`, jid)); // a crowd: what follows waits for the turn's end
  const own = newJid();
  expect(fs.existsSync(path.join(dir, 'jobs', own))).toBe(false);
  await jc.recordReturn({ ...ret('m1', own, 'scheduled'), fun: 'state.apply' }, job(own, ['m1'], 'schedule:hourly'));
  const other = new JobCache(dir, 24);
  expect(other.returns(own).map((r) => r.ret)).toEqual(['scheduled']);
  expect(other.job(own)?.user).toBe('schedule:hourly');
});

test("a job cache written by an earlier Brine: its per-minion files are read, its write-ahead log is replayed, newer lines win", () => {
  const jid = newJid();
  const jobDir = path.join(dir, 'jobs', jid);
  fs.mkdirSync(jobDir, { recursive: true });
  fs.writeFileSync(path.join(jobDir, 'job.json'), JSON.stringify(job(jid, ['m1', 'm2', 'm3'])));
  fs.writeFileSync(path.join(jobDir, 'm1.ret.json'), JSON.stringify(ret('m1', jid, 'old')));
  fs.writeFileSync(path.join(jobDir, 'm2.ret.json'), JSON.stringify(ret('m2', jid, 'file')));
  const own = newJid();
  const wal = [
    { files: [{ rel: `${jid}/m3.ret.json`, text: JSON.stringify(ret('m3', jid, 'logged')) }] },
    { files: [{ rel: `${own}/job.json`, text: JSON.stringify(job(own, ['m1'], 'schedule:x')) }, { rel: `${own}/m1.ret.json`, text: JSON.stringify(ret('m1', own, 'mine')) }] },
  ];
  fs.writeFileSync(path.join(dir, 'jobs', 'returns.wal'), wal.map((e) => JSON.stringify(e)).join('\n') + '\n{"files":[{"rel"');
  const jc = new JobCache(dir, 24);
  jc.replayLegacyLog();
  expect(fs.existsSync(path.join(dir, 'jobs', 'returns.wal'))).toBe(false);
  jc.recordReturn(ret('m1', jid, 'new'));
  const got = Object.fromEntries(new JobCache(dir, 24).returns(jid).map((r) => [r.id, r.ret]));
  expect(got).toEqual({ m1: 'new', m2: 'file', m3: 'logged' });
  expect(jc.job(own)?.user).toBe('schedule:x');
  expect(jc.returns(own).map((r) => r.ret)).toEqual(['mine']);
});
