/**
 * Fleet benchmark, against Salt 3006.1's figures on this kind of machine (shared/bench/peer/README.md):
 *  - test.ping wall time (the whole `brine run` command) for 1, 10, 25, 50 real minion processes
 *  - state.apply peer (idempotent run) on 1, 10, 25 minions
 *  - time from `key accept --all` to every minion answering, minion and master RSS
 *  - test.ping for 1,000 simulated minions (many identities in a few processes) against the real master
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Fleet, waitFor } = require('../packages/cli/dist/fleet/fleet.js');
const { ensureKeys } = require('./keys');
const { forkSwarm, startSwarm } = require('./proc');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');
const PEER = path.resolve(__dirname, 'peer');
const SALT = { ping: { 1: 1.61, 10: 1.81, 25: 3.29, 50: 5.89 }, peer: { 1: 7.35, 10: 46.4, 25: 130.4 }, minionMB: 107, masterMB: 775 };

function cli(masterDir, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BRINE, '-c', masterDir, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, code: r.status, out: r.stdout, err: r.stderr };
}

function returnedAll(r, n) {
  if (r.code !== 0) return false;
  try {
    return Object.keys(JSON.parse(r.out)).length === n;
  } catch {
    return false;
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ids = (n, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);

async function realMinions(rows, runs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-fleet-'));
  const all = ids(50);
  fs.mkdirSync(path.join(dir, 'pillar'));
  fs.writeFileSync(path.join(dir, 'pillar/top.sls'), "base:\n  '*':\n    - bench\n");
  fs.writeFileSync(path.join(dir, 'pillar/bench.sls'), `bench_root: ${dir}/out\n`);
  // The shipped auth defaults (the test harness retries faster), so "key accept -> answering" is what a user sees.
  const shipped = { ping_interval: 10, acceptance_wait_time: 1, acceptance_wait_time_max: 10, random_reauth_delay: 10 };
  const fleet = new Fleet({ dir, minions: all, fileRoots: [PEER], minion: () => shipped });
  try {
    await fleet.configure();
    await fleet.startMaster();
    fleet.startMinions();
    await fleet.waitForKeys(all, 'pending', 120_000);
    const t0 = Date.now();
    cli(fleet.masterDir, ['key', 'accept', '--all', '-y']);
    await waitFor(() => returnedAll(cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '1']), 50), 120_000, 'all 50 answering');
    const acceptToAnswer = (Date.now() - t0) / 1000;
    for (const n of [1, 10, 25, 50]) {
      const tgt = all.slice(0, n).join(',');
      cli(fleet.masterDir, ['run', '-L', tgt, 'test.ping', '--out', 'json']);
      const times = [];
      for (let i = 0; i < runs; i++) {
        const r = cli(fleet.masterDir, ['run', '-L', tgt, 'test.ping', '--out', 'json', '-t', '10']);
        if (!returnedAll(r, n)) throw new Error(`test.ping on ${n}: not all returned\n${r.out.slice(0, 500)}${r.err}`);
        times.push(r.s);
      }
      rows.push({ what: `test.ping, ${n} minion${n > 1 ? 's' : ''}`, brine: mean(times), salt: SALT.ping[n] });
    }
    for (const n of [1, 10, 25]) {
      const tgt = all.slice(0, n).join(',');
      const first = cli(fleet.masterDir, ['state', 'apply', tgt, 'peer', '-L', '--out', 'json', '-t', '60']);
      if (!returnedAll(first, n)) throw new Error(`state.apply on ${n}: ${first.out.slice(0, 500)}${first.err}`);
      const times = [];
      for (let i = 0; i < Math.max(2, Math.floor(runs / 2)); i++) {
        const r = cli(fleet.masterDir, ['state', 'apply', tgt, 'peer', '-L', '--out', 'json', '-t', '60']);
        if (!returnedAll(r, n)) throw new Error(`state.apply on ${n}: not all returned`);
        times.push(r.s);
      }
      rows.push({ what: `state.apply peer (idempotent), ${n} minion${n > 1 ? 's' : ''}`, brine: mean(times), salt: SALT.peer[n] });
    }
    const minionKiB = [...fleet.minions.values()].map((p) => Fleet.rssKiB(p.pid));
    const minionPssKiB = [...fleet.minions.values()].map((p) => Fleet.pssKiB(p.pid));
    return { acceptToAnswer, minionMB: mean(minionKiB) / 1024, minionMaxMB: Math.max(...minionKiB) / 1024, minionPssMB: mean(minionPssKiB) / 1024, masterMB: Fleet.rssKiB(fleet.master.pid) / 1024, masterPssMB: Fleet.pssKiB(fleet.master.pid) / 1024 };
  } finally {
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function swarm(rows, n, procs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-swarm-'));
  const keysDir = path.join(os.tmpdir(), 'brine-bench-keys');
  const all = ids(n, 's');
  const made = await ensureKeys(keysDir, all);
  // Each run starts a new master with a new key: forget the master the cached identities pinned last time.
  for (const id of all) fs.rmSync(path.join(keysDir, id, 'minion_master.pub'), { force: true });
  const fleet = new Fleet({ dir, minions: [], fileRoots: [PEER] });
  const workers = [];
  try {
    await fleet.configure();
    await fleet.startMaster();
    const per = Math.ceil(n / procs);
    const argvs = [];
    for (let i = 0; i < procs; i++) argvs.push(['127.0.0.1', String(fleet.publishPort), String(fleet.requestPort), keysDir, ...all.slice(i * per, (i + 1) * per)]);
    workers.push(...(await forkSwarm(argvs)));
    startSwarm(workers);
    await fleet.waitForKeys(all, 'pending', 300_000);
    const t0 = Date.now();
    cli(fleet.masterDir, ['key', 'accept', '--all', '-y']);
    const status = () => Promise.all(workers.map((w) => new Promise((res) => { w.once('message', res); w.send('status'); })));
    await waitFor(async () => {
      const got = (await status()).reduce((a, s) => a + s.accepted, 0);
      if (process.env.BENCH_DEBUG) console.error('accepted', got);
      return got === n;
    }, 300_000, 'swarm accepted');
    await waitFor(() => returnedAll(cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '5']), n), 120_000, `all ${n} answering`);
    const acceptToAnswer = (Date.now() - t0) / 1000;
    const times = [];
    for (let i = 0; i < 3; i++) {
      const r = cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
      if (!returnedAll(r, n)) throw new Error(`swarm test.ping: not all ${n} returned`);
      times.push(r.s);
    }
    rows.push({ what: `test.ping, ${n} simulated minions (${procs} processes)`, brine: mean(times), salt: null });
    return { swarmAcceptToAnswer: acceptToAnswer, swarmMasterMB: Fleet.rssKiB(fleet.master.pid) / 1024, keysGenerated: made };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  const runs = Number(process.env.BENCH_RUNS || 5);
  const real = process.env.BENCH_SKIP_REAL ? { acceptToAnswer: 0, minionMB: 0, minionMaxMB: 0, minionPssMB: 0, masterMB: 0, masterPssMB: 0 } : await realMinions(rows, runs);
  const sw = await swarm(rows, Number(process.env.BENCH_SWARM || 1000), 4);
  console.log('\nFleet: master and minions on 127.0.0.1, wall time of the whole CLI command (mean)');
  console.log('| workload | Brine | Salt 3006.1 | speed-up |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.brine.toFixed(3)} s | ${r.salt ? r.salt + ' s' : 'n/a'} | ${r.salt ? (r.salt / r.brine).toFixed(0) + 'x' : ''} |`);
  console.log(`| key accept --all -> 50 minions answering | ${real.acceptToAnswer.toFixed(2)} s | <= 40 s | |`);
  console.log(`| key accept --all -> ${process.env.BENCH_SWARM || 1000} simulated minions answering | ${sw.swarmAcceptToAnswer.toFixed(2)} s | | |`);
  console.log(`| minion RSS (mean of 50 / max) | ${real.minionMB.toFixed(1)} / ${real.minionMaxMB.toFixed(1)} MB | ${SALT.minionMB} MB | |`);
  console.log(`| minion PSS (mean of 50) | ${real.minionPssMB.toFixed(1)} MB | 77 MB | |`);
  console.log(`| master RSS / PSS with 50 minions | ${real.masterMB.toFixed(1)} / ${real.masterPssMB.toFixed(1)} MB | ${SALT.masterMB} / 287 MB (14 processes) | |`);
  console.log(`| master RSS with 1000 simulated minions | ${sw.swarmMasterMB.toFixed(1)} MB | | |`);
  if (sw.keysGenerated) console.log(`(generated ${sw.keysGenerated} swarm keys into ${path.join(os.tmpdir(), 'brine-bench-keys')}; later runs reuse them)`);
}

module.exports = { main };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
