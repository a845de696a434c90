/** The job cache's write-ahead log: a master killed right after acknowledging returns loses none of them. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JobCache, newJid } from './jobcache';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-retlog-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ret = (id: string, jid: string, ret: unknown = true) => ({ id, jid, fun: 'test.ping', ret, retcode: 0, success: true, received: '' });

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
    jc.useReturnLog();
    const ids = Array.from({ length: 500 }, (_, i) => 'm' + i);
    jc.recordJob({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ids, user: 'root', started: '' });
    // All 500 arrive in one turn (a crowd: one log write for most of them); each is acknowledged when its
    // promise settles, as the master answers a minion, and the process dies right after the last one.
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
  // Most were still only in the log when it died (so this proves the log, not the files).
  const jobDir = path.join(dir, 'jobs', jid);
  expect(fs.readdirSync(jobDir).filter((n) => n.endsWith('.ret.json')).length).toBeLessThan(500);
  expect(fs.statSync(path.join(dir, 'jobs', 'returns.wal')).size).toBeGreaterThan(0);

  const restarted = new JobCache(dir, 24);
  restarted.useReturnLog();
  expect(restarted.returns(jid).map((x) => x.id).sort()).toEqual([...acked].sort());
  // Replayed into the files themselves (what `brine jobs` in another process reads), and the log emptied.
  expect(new JobCache(dir, 24).returns(jid)).toHaveLength(500);
  expect(fs.statSync(path.join(dir, 'jobs', 'returns.wal')).size).toBe(0);
});

test('returns of a crowd are readable at once, the newest per minion wins, and all reach their files', async () => {
  const jc = new JobCache(dir, 24);
  jc.useReturnLog();
  const jid = newJid();
  jc.recordJob({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: [], user: 'root', started: '' });
  for (let i = 0; i < 200; i++) jc.recordReturn(ret(`m${i}`, jid));
  jc.recordReturn(ret('m7', jid, 'again'));
  const got = jc.returns(jid);
  expect(got).toHaveLength(200);
  expect(got.find((x) => x.id === 'm7')?.ret).toBe('again');
  const other = new JobCache(dir, 24); // reads the files only
  const end = Date.now() + 10_000;
  while (other.returns(jid).length < 200 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
  expect(other.returns(jid)).toHaveLength(200);
  expect(other.returns(jid).find((x) => x.id === 'm7')?.ret).toBe('again');
  jc.flush();
  expect(fs.statSync(path.join(dir, 'jobs', 'returns.wal')).size).toBe(0);
});

test("a crowd's return whose job dir does not exist yet (a minion's scheduled run) reaches its file all the same", async () => {
  const jc = new JobCache(dir, 24);
  jc.useReturnLog();
  const jid = newJid();
  jc.recordJob({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: [], user: 'root', started: '' });
  for (let i = 0; i < 50; i++) jc.recordReturn(ret(`m${i}`, jid)); // a crowd: what follows goes through the log
  const own = newJid();
  expect(fs.existsSync(path.join(dir, 'jobs', own))).toBe(false);
  const job = { jid: own, fun: 'state.apply', arg: [], kwarg: {}, tgt: 'm1', tgt_type: 'list' as const, expected: ['m1'], user: 'schedule:hourly', started: '' };
  jc.recordReturn({ ...ret('m1', own, 'scheduled'), fun: 'state.apply' }, job);
  const other = new JobCache(dir, 24); // reads the files only
  const end = Date.now() + 10_000;
  while (other.returns(own).length < 1 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
  expect(other.returns(own).map((r) => r.ret)).toEqual(['scheduled']);
  expect(other.job(own)?.user).toBe('schedule:hourly');
});
