/**
 * Job cache benchmark (`npm run bench -- jobcache`): a crowd of 10,000 returns to one job stored by the master's job
 * cache (packages/master/src/jobcache.ts), 100 per event-loop turn as a master receives them, each acknowledged when
 * its write settles. Printed: the time until every return is acknowledged and on disk, and the process's CPU (user
 * and system: kernel and thread-pool time included) for it. Three runs, each in a fresh directory.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { JobCache, newJid } = require('../packages/master/dist/jobcache.js');

const N = 10_000;
const PER_TURN = 100;

function once() {
  return new Promise((resolve) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-jobcache-'));
    const jc = new JobCache(dir, 24, { bytes: 64 << 20, refusals: { refuse() { throw new Error('over quota'); } } });
    jc.replayLegacyLog();
    const ids = Array.from({ length: N }, (_, i) => `s${String(i).padStart(5, '0')}`);
    const jid = newJid();
    jc.recordJob({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ids, user: 'root', started: '' });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let i = 0;
    const turn = () => {
      const waits = [];
      for (let k = 0; k < PER_TURN && i < N; k++, i++) waits.push(jc.recordReturn({ id: ids[i], jid, fun: 'test.ping', ret: true, retcode: 0, success: true, received: new Date().toISOString() }));
      Promise.all(waits).then(() => (i < N ? setImmediate(turn) : done()));
    };
    const done = () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const c = process.cpuUsage(cpu0);
      const stored = new JobCache(dir, 24).returns(jid).length;
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ ms, userMs: c.user / 1000, sysMs: c.system / 1000, stored });
    };
    turn();
  });
}

async function main() {
  const runs = [];
  for (let k = 0; k < 3; k++) runs.push(await once());
  const f = (x) => x.toFixed(0);
  console.log(`\nJob cache: ${N.toLocaleString('en-US')} returns to one job, ${PER_TURN} per event-loop turn`);
  console.log('| run | acknowledged and on disk | CPU user | CPU system | returns read back |');
  console.log('|---|---|---|---|---|');
  runs.forEach((r, k) => console.log(`| ${k + 1} | ${f(r.ms)} ms | ${f(r.userMs)} ms | ${f(r.sysMs)} ms | ${r.stored} |`));
}

module.exports = { main };
if (require.main === module) main();
