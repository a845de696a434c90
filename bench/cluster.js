/**
 * `npm run bench -- cluster [--out json]`: a master cluster on PostgreSQL (packages/cli/src/fleet/cluster-fleet.ts):
 * a throwaway PostgreSQL server, 3 masters sharing it and the cluster key, 30 real minion processes listing every
 * master (master_type failover, master_alive_interval 5; minion i lists master i mod 3 first, so each master serves
 * 10), with the shipped auth defaults (ping_interval 10, random_reauth_delay 10, ...) as bench/fleet.js uses them.
 *
 * Measured, in order:
 *  - test.ping on '*' from master 1: wall time of the whole `brine run` command until all 30 returned (mean of
 *    BENCH_RUNS, default 5, after one warm-up), a third of them served by each master;
 *  - PostgreSQL per return: pg_total_relation_size and row counts of brine_returns (and of all the job tables:
 *    brine_jobs, brine_job_minions, brine_returns) before and after BENCH_RETURN_JOBS (default 30) test.pings of 30,
 *    and the mean row width of those returns (pg_column_size of the row);
 *  - failover: SIGKILL the master serving the most minions (10) -> every minion connected to another master (the
 *    survivors' control-channel status, polled every 50 ms) -> all 30 answering test.ping from master 1 (the time of
 *    the last return of the first ping all 30 answered; pings of 2 s silence timeout, one after another).
 * With `--swarm N` it runs bench/cluster-swarm.js instead: the same 3 masters with no real minions and N simulated
 * minions on each (issue 13's test.ping at 3 x 3,000 is `--swarm 3000`).
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client } = require('pg');
const { ClusterFleet } = require('../packages/cli/dist/fleet/cluster-fleet.js');
const { waitFor } = require('../packages/cli/dist/fleet/fleet.js');
const { cli } = require('./proc');
const { allPresent: allPresentIn, quietPing, servedBy } = require('../packages/cli/dist/fleet/cluster-probe.js');

const PEER = path.resolve(__dirname, 'peer');
const MASTERS = 3;
const MINIONS = 30;
const ALIVE_INTERVAL_S = 5;
/** Brine's job tables: a job's record, its expected minions, their returns. */
const JOB_TABLES = ['brine_jobs', 'brine_job_minions', 'brine_returns'];

function returnedAll(r, n) {
  if (r.code !== 0) return false;
  try {
    const o = JSON.parse(r.out);
    return Object.keys(o).length === n && Object.values(o).every((v) => v === true);
  } catch {
    return false;
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Every minion connected somewhere and every given master knowing it (manage.present: the cluster's view, no ping). */
function allPresent(c, masters, ids) {
  return allPresentIn(masters.map((i) => c.masters[i].masterDir), ids);
}

async function pgSizes(db) {
  const out = {};
  for (const t of JOB_TABLES) {
    const r = await db.query(`SELECT pg_total_relation_size($1::regclass) AS bytes, (SELECT count(*) FROM ${t}) AS rows`, [t]);
    out[t] = { bytes: Number(r.rows[0].bytes), rows: Number(r.rows[0].rows) };
  }
  out.lastJid = (await db.query('SELECT coalesce(max(jid), $1) AS j FROM brine_jobs', ['0'.repeat(20)])).rows[0].j;
  return out;
}

async function run() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-cluster-'));
  const ids = Array.from({ length: MINIONS }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
  fs.mkdirSync(path.join(dir, 'm1', 'pillar'), { recursive: true });
  const runs = Number(process.env.BENCH_RUNS || 5);
  const returnJobs = Number(process.env.BENCH_RETURN_JOBS || 30);
  // The shipped auth defaults, as bench/fleet.js: what a user sees after a failover.
  const shipped = { ping_interval: 10, acceptance_wait_time: 1, acceptance_wait_time_max: 10, random_reauth_delay: 10 };
  const c = new ClusterFleet({
    dir,
    masters: MASTERS,
    minions: ids,
    fileRoots: [PEER],
    pillarRoots: [path.join(dir, 'm1', 'pillar')],
    clusterId: 'bench',
    minion: (id) => {
      // Minion i lists master (i mod 3) first, unshuffled: each master serves a third of them.
      const first = ids.indexOf(id) % MASTERS;
      const list = c.ports.map((p) => `127.0.0.1:${p.request}`);
      return { ...shipped, master: [...list.slice(first), ...list.slice(0, first)], master_shuffle: false, master_alive_interval: ALIVE_INTERVAL_S };
    },
  });
  const alive = Array.from({ length: MASTERS }, (_, i) => i);
  let db;
  try {
    await c.configure();
    await c.startMasters();
    c.startMinions();
    const m1 = c.masters[0].masterDir;
    await c.masters[0].waitForKeys(ids, 'pending', 120_000);
    const accept = cli(m1, ['key', 'accept', '--all', '-y']);
    if (accept.code !== 0) throw new Error(`key accept on master 1 failed: ${accept.err}`);
    await waitFor(async () => (await Promise.all(alive.map((i) => servedBy(c.masters[i].masterDir)))).flat().length === MINIONS && (await allPresent(c, alive, ids)), 120_000, `all ${MINIONS} minions connected, as every master sees it`);
    const before = await Promise.all(alive.map((i) => servedBy(c.masters[i].masterDir)));

    // test.ping from master 1, a third of the minions its own.
    const warm = cli(m1, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
    if (!returnedAll(warm, MINIONS)) throw new Error(`test.ping from master 1: not all ${MINIONS} returned\n${warm.out.slice(0, 1000)}${warm.err}`);
    const times = [];
    for (let i = 0; i < runs; i++) {
      const r = cli(m1, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
      if (!returnedAll(r, MINIONS)) throw new Error(`test.ping from master 1 (run ${i + 1}): not all ${MINIONS} returned\n${r.out.slice(0, 1000)}${r.err}`);
      times.push(r.s);
    }

    // PostgreSQL per return.
    db = new Client({ connectionString: c.dsn });
    await db.connect();
    await db.query('VACUUM ANALYZE');
    const s0 = await pgSizes(db);
    for (let i = 0; i < returnJobs; i++) {
      const r = cli(m1, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
      if (!returnedAll(r, MINIONS)) throw new Error(`test.ping for the store figures: not all ${MINIONS} returned\n${r.out.slice(0, 1000)}${r.err}`);
    }
    const s1 = await pgSizes(db);
    const returns = s1.brine_returns.rows - s0.brine_returns.rows;
    if (returns !== returnJobs * MINIONS) throw new Error(`expected ${returnJobs * MINIONS} new rows in brine_returns, found ${returns}`);
    const width = await db.query('SELECT avg(pg_column_size(r.*)) AS w, avg(length(r.record::text)) AS j FROM brine_returns r WHERE jid > $1', [s0.lastJid]);
    const delta = (f) => JOB_TABLES.reduce((a, t) => a + (s1[t][f] - s0[t][f]), 0);

    // Failover: SIGKILL the master serving the most minions (not master 1 on a tie: the pings come from it).
    const victim = [1, 2, 0].reduce((best, i) => (before[i].length > before[best].length ? i : best), 1);
    const moved = before[victim].length;
    const killedAt = Date.now();
    await c.masters[victim].stopMaster('SIGKILL');
    alive.splice(alive.indexOf(victim), 1);
    const via = alive[0];
    await waitFor(async () => (await Promise.all(alive.map((i) => servedBy(c.masters[i].masterDir)))).flat().length === MINIONS, 120_000, `all ${MINIONS} connected to the other masters`);
    const reconnected = (Date.now() - killedAt) / 1000;
    let answeredAt = 0;
    await waitFor(async () => {
      const p = await quietPing(c.masters[via].masterDir, 2);
      answeredAt = p.lastAt;
      return p.answered.size === MINIONS;
    }, 120_000, `all ${MINIONS} answering after the kill`);
    const answering = (answeredAt - killedAt) / 1000;

    return {
      masters: MASTERS,
      minions: MINIONS,
      servedBefore: Object.fromEntries(before.map((s, i) => [c.masterName(i), s.length])),
      pingFromMaster1S: mean(times),
      pingRuns: runs,
      pingMinS: Math.min(...times),
      pingMaxS: Math.max(...times),
      failover: { killed: c.masterName(victim), minionsMoved: moved, masterAliveIntervalS: ALIVE_INTERVAL_S, allReconnectedS: reconnected, allAnsweringS: answering, answeringVia: c.masterName(via) },
      store: {
        returns,
        returnsTableBytesPerReturn: (s1.brine_returns.bytes - s0.brine_returns.bytes) / returns,
        returnRowBytes: Number(width.rows[0].w),
        returnRecordJsonBytes: Number(width.rows[0].j),
        returnsTableRowsPerReturn: (s1.brine_returns.rows - s0.brine_returns.rows) / returns,
        jobTablesBytesPerReturn: delta('bytes') / returns,
        jobTablesRowsPerReturn: delta('rows') / returns,
        tables: Object.fromEntries(JOB_TABLES.map((t) => [t, { rows: s1[t].rows - s0[t].rows, bytes: s1[t].bytes - s0[t].bytes }])),
      },
    };
  } finally {
    await db?.end().catch(() => undefined);
    await c.stop();
    if (process.env.KEEP) console.error(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(r) {
  const st = r.store;
  console.log(`\nCluster: ${r.masters} masters on one PostgreSQL, ${r.minions} real minions on 127.0.0.1 (served before the kill: ${Object.entries(r.servedBefore).map(([m, n]) => `${m} ${n}`).join(', ')})`);
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| test.ping '*' from master 1, ${r.minions} minions (CLI wall time, mean of ${r.pingRuns}; min / max) | ${r.pingFromMaster1S.toFixed(3)} s (${r.pingMinS.toFixed(3)} / ${r.pingMaxS.toFixed(3)}) |`);
  console.log(`| failover: SIGKILL ${r.failover.killed} (${r.failover.minionsMoved} minions) -> all connected to the others (master_alive_interval ${r.failover.masterAliveIntervalS}) | ${r.failover.allReconnectedS.toFixed(2)} s |`);
  console.log(`| failover: SIGKILL -> all ${r.minions} answering test.ping (from ${r.failover.answeringVia}) | ${r.failover.allAnsweringS.toFixed(2)} s |`);
  console.log(`| brine_returns per return (${st.returns} returns of test.ping; table + indexes) | ${st.returnsTableRowsPerReturn.toFixed(2)} row, ${Math.round(st.returnsTableBytesPerReturn)} bytes |`);
  console.log(`| a test.ping return's row (pg_column_size) / its record's JSON | ${Math.round(st.returnRowBytes)} / ${Math.round(st.returnRecordJsonBytes)} bytes |`);
  console.log(`| brine_jobs + brine_job_minions + brine_returns per return | ${st.jobTablesRowsPerReturn.toFixed(2)} rows, ${Math.round(st.jobTablesBytesPerReturn)} bytes |`);
  for (const [t, v] of Object.entries(st.tables)) console.log(`|   ${t}: added | ${v.rows} rows, ${v.bytes} bytes |`);
}

async function main(argv = process.argv.slice(2)) {
  if (argv.includes('--swarm')) return require('./cluster-swarm').main(argv);
  const i = argv.indexOf('--out');
  const out = i >= 0 ? argv[i + 1] : 'table';
  const r = await run();
  if (out === 'json') console.log(JSON.stringify(r, null, 2));
  else table(r);
}

module.exports = { main };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
