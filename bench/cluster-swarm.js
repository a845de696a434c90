/**
 * `npm run bench -- cluster --swarm N [--out json]`: test.ping through a master cluster at 3 x N simulated minions
 * (issue 13's case is N = 3,000). A throwaway PostgreSQL server and 3 masters sharing it and the cluster key
 * (packages/cli/src/fleet/cluster-fleet.ts, no real minions), each master configured for the fleet size as
 * bench/swarm.js does (max_pending_keys, max_connections, keep_jobs: 1); N simulated minions per master
 * (bench/swarm-worker.js: real RSA keys, sessions and liveness pings), at most 2,000 a worker process as in
 * bench/swarm.js (bench/proc.js SWARM_PER_PROCESS), the workers of group i pointed at master i's
 * host, publish port and ret port.
 *
 * Measured, in order:
 *  - start -> all 3N keys pending (rows of brine_keys in PostgreSQL, whichever master recorded them);
 *  - `brine key accept --all -y` on master 1 -> every simulated minion authenticated with its own master;
 *  - `brine run '*' test.ping --out json -t 10` from master 1: wall time of the CLI command and how many of the 3N
 *    returned true (the first may meet minions still subscribing: the second is taken, as bench/swarm.js does);
 *  - the same from master 3;
 *  - each master's peak RSS (VmHWM, sampled every 250 ms), and its publisher child's if it has one.
 * Workers run at nice 5 and the masters at nice -10 when permitted (as bench/swarm.js: the minions would have their
 * own hosts). RSA keys come from the cache of bench/keys.js; the ones missing are generated first (not measured).
 * When something is not reached in time the bench prints where (per master: keys, authenticated minions, returns)
 * and the tail of each master's log before failing; everything is stopped and removed either way.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client } = require('pg');
const { ClusterFleet } = require('../packages/cli/dist/fleet/cluster-fleet.js');
const { waitFor } = require('../packages/cli/dist/fleet/fleet.js');
const { ensureKeys } = require('./keys');
const { cli, parseJson, processTree, prioritize, askWorker, forkSwarm, startSwarm, SWARM_PER_PROCESS } = require('./proc');

const PEER = path.resolve(__dirname, 'peer');
const MASTERS = 3;
const PING_S = 10;
const WAIT_MS = Number(process.env.BENCH_WAIT_S || 900) * 1000;

/** Peak RSS (VmHWM, KiB) of a master and of each of its children, kept in `peaks` under `m1`, `m1 child <pid>`. */
function sample(name, pid, peaks) {
  for (const p of processTree(pid)) {
    let hwm = 0;
    try {
      hwm = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      continue;
    }
    const k = p === pid ? name : `${name} child ${p}`;
    peaks.set(k, Math.max(peaks.get(k) ?? 0, hwm));
  }
}

function logLines(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch (e) {
    return [`(${e.message})`];
  }
}

async function run(n) {
  const keysDir = path.join(os.tmpdir(), 'brine-bench-keys');
  // As bench/swarm.js: the identities whose keys are cached first, then new ones.
  let cached = [];
  try {
    cached = fs.readdirSync(keysDir).filter((d) => /^s\d{5}$/.test(d) && fs.existsSync(path.join(keysDir, d, 'minion.pem'))).sort();
  } catch {
    /* first run */
  }
  const total = n * MASTERS;
  const have = new Set(cached);
  const fresh = Array.from({ length: 99_999 }, (_, i) => `s${String(i + 1).padStart(5, '0')}`).filter((id) => !have.has(id));
  const ids = [...cached.slice(0, total), ...fresh.slice(0, Math.max(0, total - cached.length))].sort();
  const tk = Date.now();
  const made = await ensureKeys(keysDir, ids);
  const keygenS = (Date.now() - tk) / 1000;
  // A new cluster key each run: forget the master key the cached identities pinned last time.
  for (const id of ids) fs.rmSync(path.join(keysDir, id, 'minion_master.pub'), { force: true });
  const groups = Array.from({ length: MASTERS }, (_, i) => ids.slice(i * n, (i + 1) * n));
  const groupOf = new Map(groups.flatMap((g, i) => g.map((id) => [id, i])));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-cluster-swarm-'));
  const c = new ClusterFleet({
    dir,
    masters: MASTERS,
    minions: [],
    fileRoots: [PEER],
    pillarRoots: [path.join(dir, 'pillar')],
    clusterId: 'bench',
    // Pending keys are counted cluster-wide (in PostgreSQL); connections per master.
    master: { max_pending_keys: total + 100, max_connections: n + 2000, keep_jobs: 1 },
  });
  fs.mkdirSync(path.join(dir, 'pillar'), { recursive: true });
  const procsPer = Math.ceil(n / SWARM_PER_PROCESS);
  const workers = []; // { w, group }
  const peaks = new Map();
  let sampler;
  let db;
  const ask = askWorker;
  const status = () => Promise.all(workers.map(({ w }) => ask(w, 'status', 'accepted')));
  const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
  const r = { masters: MASTERS, swarmPerMaster: n, swarmMinions: total, swarmProcesses: MASTERS * procsPer, keysGenerated: made, keysGeneratedS: made ? Math.round(keygenS * 10) / 10 : 0 };
  let stage = 'start';
  /** Where it stands, per master: keys in PostgreSQL by who recorded them, minions authenticated, a log's tail. */
  const diagnose = async (extra) => {
    const lines = [`cluster swarm (${MASTERS} x ${n}): stalled at "${stage}"`];
    if (extra) lines.push(extra);
    try {
      const k = await db.query('SELECT minion_id, state FROM brine_keys');
      const counts = groups.map(() => ({}));
      for (const { minion_id: id, state } of k.rows) {
        const g = counts[groupOf.get(id)];
        if (g) g[state] = (g[state] ?? 0) + 1;
      }
      lines.push(`brine_keys, by the master the minions talk to: ${counts.map((x, g) => `${c.masterName(g)}'s: ${Object.entries(x).map(([st, k]) => `${k} ${st}`).join(', ') || 'none'}`).join('; ')}`);
    } catch (e) {
      lines.push(`brine_keys: ${e.message}`);
    }
    try {
      const st = await Promise.race([status(), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer in 10 s')), 10_000))]);
      for (let g = 0; g < MASTERS; g++) {
        const mine = st.filter((_, i) => workers[i].group === g);
        lines.push(`${c.masterName(g)}'s minions: ${sum(mine, (s) => s.accepted)} of ${n} authenticated, ${sum(mine, (s) => s.pending)} answered pending, ${sum(mine, (s) => s.notSubscribed.length)} not subscribed, ${sum(mine, (s) => s.authAttempts)} auth requests`);
      }
    } catch (e) {
      lines.push(`workers' status: ${e.message}`);
    }
    for (let g = 0; g < c.masters.length; g++) {
      const m = c.masters[g];
      const log = logLines(path.join(m.masterDir, 'master.log'));
      const bad = log.filter((l) => /"level":"(warn|error)"/.test(l));
      const count = (st) => {
        try {
          return fs.readdirSync(path.join(m.masterDir, 'pki', 'minions', st)).filter((x) => !x.includes('.tmp-')).length;
        } catch {
          return 0;
        }
      };
      // warn/error records counted by message (the first and last time each was logged).
      const byMsg = new Map();
      for (const l of bad) {
        const o = parseJson(l);
        const k = `${o.level}: ${o.message}${o.error ? ` (${String(o.error).slice(0, 160)})` : ''}`;
        const e = byMsg.get(k) ?? { n: 0, first: o.timestamp, last: o.timestamp };
        e.n++;
        e.last = o.timestamp;
        byMsg.set(k, e);
      }
      lines.push(`--- ${c.masterName(g)} (pid ${m.master?.pid ?? 'gone'}, exit ${m.master?.exitCode ?? m.master?.signalCode ?? '-'}): its key mirror ${count('accepted')} accepted, ${count('pending')} pending; master.log ${log.length} lines, ${bad.length} warn/error:`);
      for (const [k, e] of byMsg) lines.push(`  ${e.n} x ${k} [${e.first} .. ${e.last}]`);
      lines.push('  last lines:', ...log.slice(-3));
      // What is not a log record on its stdout/stderr (a crash's stack).
      const other = logLines(path.join(m.masterDir, 'master.out')).filter((l) => !l.startsWith('{'));
      if (other.length) lines.push(`--- ${c.masterName(g)} master.out, not log records:`, ...other.slice(-10));
    }
    console.error(lines.join('\n'));
  };
  try {
    await c.configure();
    await c.startMasters();
    c.masters.forEach((m) => prioritize(m.master.pid));
    const sampleAll = () => c.masters.forEach((m, i) => m.master?.pid && sample(c.masterName(i), m.master.pid, peaks));
    sampler = setInterval(sampleAll, 250);
    db = new Client({ connectionString: c.dsn });
    await db.connect();
    const keyCount = async (state) => Number((await db.query('SELECT count(*) AS n FROM brine_keys WHERE state = $1', [state])).rows[0].n);

    stage = `start -> all ${total} pending`;
    const argvs = [];
    const workerGroup = [];
    for (let g = 0; g < MASTERS; g++) {
      const per = Math.ceil(n / procsPer);
      for (let i = 0; i < procsPer; i++) {
        const mine = groups[g].slice(i * per, (i + 1) * per);
        if (mine.length === 0) break;
        argvs.push(['127.0.0.1', String(c.ports[g].publish), String(c.ports[g].request), keysDir, String(PING_S), ...mine]);
        workerGroup.push(g);
      }
    }
    // The simulated minions would run on their own hosts: on this one they yield the CPU to the masters (nice 5).
    const forked = await forkSwarm(argvs, 5);
    forked.forEach((w, i) => workers.push({ w, group: workerGroup[i] }));
    const t0 = Date.now();
    startSwarm(forked);
    await waitFor(async () => (await keyCount('pending')) >= total, WAIT_MS, `all ${total} pending`);
    r.swarmStartToPendingS = (Date.now() - t0) / 1000;
    // The check the brief names: the CLI's view (PostgreSQL in cluster mode) agrees.
    const listed = parseJson(cli(c.masters[0].masterDir, ['key', 'list', '--out', 'json']).out);
    r.swarmPendingListedByM1 = Array.isArray(listed.minions_pre) ? listed.minions_pre.length : Array.isArray(listed.pending) ? listed.pending.length : null;
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(r));

    stage = `accept on m1 -> all ${total} authenticated`;
    await Promise.all(workers.map(({ w }) => ask(w, 'mark', 'marked')));
    const before = sum(await status(), (s) => s.authAttempts);
    const t1 = Date.now();
    const accept = cli(c.masters[0].masterDir, ['key', 'accept', '--all', '-y']);
    if (accept.code !== 0) throw new Error(`key accept on m1 failed (${accept.code}): ${accept.err.slice(0, 2000)}`);
    r.swarmAcceptCliS = accept.s;
    await waitFor(async () => sum(await status(), (s) => s.accepted) === total, WAIT_MS, `all ${total} authenticated`);
    r.swarmAcceptToAuthS = (Date.now() - t1) / 1000;
    r.swarmAuthsPerMinion = (sum(await status(), (s) => s.authAttempts) - before) / total;
    r.swarmAcceptedInStore = await keyCount('accepted');
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(r));

    // test.ping from master 1, then master 3: the second of two each (the first may meet minions still subscribing).
    const ping = (g) => {
      const runs = [cli(c.masters[g].masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10'])];
      runs.push(cli(c.masters[g].masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']));
      return runs.map((p) => {
        const got = parseJson(p.out);
        const trueIds = Object.keys(got).filter((id) => got[id] === true);
        return { s: p.s, code: p.code, returned: trueIds.length, byMaster: groups.map((_, i) => trueIds.filter((id) => groupOf.get(id) === i).length), err: p.err, keys: Object.keys(got).length };
      });
    };
    // Two pings from master `i` (the second is the figure), recorded as swarmPing<prefix>{FirstS,FirstReturned,S,Returned,ReturnedByMaster}.
    const pingFrom = (i, prefix) => {
      stage = `test.ping from ${c.masterName(i)}`;
      const [first, second] = ping(i);
      r[`swarmPing${prefix}FirstS`] = first.s;
      r[`swarmPing${prefix}FirstReturned`] = first.returned;
      r[`swarmPing${prefix}S`] = second.s;
      r[`swarmPing${prefix}Returned`] = second.returned;
      r[`swarmPing${prefix}ReturnedByMaster`] = Object.fromEntries(second.byMaster.map((x, k) => [c.masterName(k), x]));
      return [first, second];
    };
    const [w1, p1] = pingFrom(0, '');
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(r));
    const [w3, p3] = pingFrom(2, 'FromM3');
    for (const [who, p] of [['m1 (first)', w1], ['m1', p1], ['m3 (first)', w3], ['m3', p3]]) {
      if (p.returned !== total) await diagnose(`test.ping from ${who}: ${p.returned} of ${total} returned true (${p.keys} keys in its output; per serving master ${p.byMaster.join(' / ')}), exit ${p.code}; stderr: ${p.err.slice(0, 1500)}`);
    }

    sampleAll();
    r.masterRssMb = Object.fromEntries([...peaks].map(([k, v]) => [k, Math.round(v / 1024)]));
    return r;
  } catch (e) {
    await diagnose(String(e?.message ?? e));
    throw e;
  } finally {
    clearInterval(sampler);
    for (const { w } of workers) w.kill('SIGKILL');
    await db?.end().catch(() => undefined);
    await c.stop();
    if (process.env.KEEP) console.error(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(r) {
  const f = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : 'n/a');
  const by = (o) => Object.entries(o).map(([m, k]) => `${m} ${k}`).join(', ');
  console.log(`\nCluster swarm: ${r.masters} masters on one PostgreSQL, ${r.swarmPerMaster.toLocaleString('en')} simulated minions on each (${r.swarmMinions.toLocaleString('en')}, ${r.swarmProcesses} worker processes)${r.keysGenerated ? `; ${r.keysGenerated} RSA keys generated first in ${r.keysGeneratedS} s` : ''}`);
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| start -> all ${r.swarmMinions.toLocaleString('en')} keys pending (in PostgreSQL) | ${f(r.swarmStartToPendingS)} s |`);
  console.log(`| \`key accept --all\` on m1 -> all authenticated with their masters | ${f(r.swarmAcceptToAuthS)} s (the CLI ${f(r.swarmAcceptCliS)} s; ${f(r.swarmAuthsPerMinion, 2)} auths per minion) |`);
  console.log(`| test.ping '*' from m1 (second of two; CLI wall time) | ${f(r.swarmPingS, 2)} s (${r.swarmPingReturned} of ${r.swarmMinions}: ${by(r.swarmPingReturnedByMaster)}; the first ${f(r.swarmPingFirstS, 2)} s, ${r.swarmPingFirstReturned}) |`);
  console.log(`| test.ping '*' from m3 (second of two) | ${f(r.swarmPingFromM3S, 2)} s (${r.swarmPingFromM3Returned} of ${r.swarmMinions}: ${by(r.swarmPingFromM3ReturnedByMaster)}; the first ${f(r.swarmPingFromM3FirstS, 2)} s, ${r.swarmPingFromM3FirstReturned}) |`);
  console.log(`| master RSS (peak) | ${by(Object.fromEntries(Object.entries(r.masterRssMb).map(([k, v]) => [k, `${v} MB`])))} |`);
}

async function main(argv = process.argv.slice(2)) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const n = Number(opt('swarm', '3000'));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--swarm wants a number of simulated minions per master, not ${opt('swarm')}`);
  const r = await run(n);
  if (opt('out', 'table') === 'json') console.log(JSON.stringify(r, null, 2));
  else table(r);
}

module.exports = { main };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
