/**
 * `npm run bench -- swarm --minions N [--out json] [--procs P]`: N simulated minions (real RSA keys, real
 * sessions, the daemon's liveness ping; bench/swarm-worker.js), 2,000 a worker process (bench/proc.js
 * SWARM_PER_PROCESS: the worker raises libzmq's per-process socket limit for them), against a real master process with the
 * shipped defaults except the limits a fleet this size must raise (max_pending_keys, max_connections).
 *
 * Measured, in order:
 *  - start -> all pending: from the simulated minions starting (their worker processes loaded) until every key is
 *    in pending/;
 *  - accept -> all authenticated: `brine key accept --all` until every minion has a session (auths per minion:
 *    auth requests the minions sent meanwhile, over N);
 *  - test.ping on '*' (wall time of the CLI command, returns counted): the first right after the accept, then three
 *    5 s apart (their median in the table);
 *  - `state.apply peerfiles` on '*' (each simulated minion answers with a return of that size): every minion
 *    accounted for, returned or named missing;
 *  - master restart (SIGTERM, start again) -> every minion authenticated with the new master (auths per minion,
 *    peak auth requests per second over 1 s windows);
 *  - master peak RSS (VmHWM) and peak fds, per master process, sampled every 250 ms.
 * The worker processes run at nice 5 and the master at nice -10 (when root): the minions would have their own hosts,
 * and here they share the master's two cores (with 42 of them at 10,000 minions, and other work on the machine,
 * the master would otherwise get a small share of the CPU).
 * RSA keys come from a cache dir (bench/keys.js) so key generation is not measured.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Fleet, waitFor } = require('../packages/cli/dist/fleet/fleet.js');
const { ensureKeys } = require('./keys');
const { cli, parseJson, processTree, cpuS, machineCpu, prioritize, askWorker, forkSwarm, startSwarm, SWARM_PER_PROCESS } = require('./proc');

const PEER = path.resolve(__dirname, 'peer');
const PING_S = 10;
/** test.pings measured after the first (the median is reported). */
const PINGS = 3;

function sample(pid, peaks) {
  for (const p of processTree(pid)) {
    let fds = 0;
    let hwm = 0;
    try {
      fds = fs.readdirSync(`/proc/${p}/fd`).length;
      hwm = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      continue;
    }
    const k = p === pid ? 'master' : `master child ${p}`;
    const cur = peaks.get(k) ?? { fds: 0, rssKiB: 0 };
    peaks.set(k, { fds: Math.max(cur.fds, fds), rssKiB: Math.max(cur.rssKiB, hwm) });
  }
}

async function run(n, procs) {
  const keysDir = path.join(os.tmpdir(), 'brine-bench-keys');
  // The identities whose keys are cached first (any of s00001..s99999), then new ones generated as needed.
  let cached = [];
  try {
    cached = fs.readdirSync(keysDir).filter((d) => /^s\d{5}$/.test(d) && fs.existsSync(path.join(keysDir, d, 'minion.pub'))).sort();
  } catch {
    /* first run */
  }
  const have = new Set(cached);
  const fresh = Array.from({ length: 99_999 }, (_, i) => `s${String(i + 1).padStart(5, '0')}`).filter((id) => !have.has(id));
  const ids = [...cached.slice(0, n), ...fresh.slice(0, Math.max(0, n - cached.length))].sort();
  const made = await ensureKeys(keysDir, ids);
  // Each run starts a new master with a new key: forget the master the cached identities pinned last time.
  for (const id of ids) fs.rmSync(path.join(keysDir, id, 'minion_master.pub'), { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-swarm-'));
  const fleet = new Fleet({ dir, minions: [], fileRoots: [PEER], master: { max_pending_keys: n + 100, max_connections: n + 2000, keep_jobs: 1 } });
  const workers = [];
  const workersCpuS = () => workers.reduce((a, w) => a + cpuS(w.pid), 0);
  const peaks = new Map();
  let sampler;
  const ask = askWorker;
  const status = () => Promise.all(workers.map((w) => ask(w, 'status', 'accepted')));
  const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
  const r = { minions: n, processes: procs, keysGenerated: made };
  try {
    await fleet.configure();
    // Epoch ms the master was started at: a master CPU profile's time 0 (BRINE_MASTER_CPU_PROF), to cut it to a phase.
    r.masterStartedAt = Date.now();
    await fleet.startMaster();
    prioritize(fleet.master.pid);
    sampler = setInterval(() => fleet.master?.pid && sample(fleet.master.pid, peaks), 250);
    const pendingDir = path.join(fleet.masterDir, 'pki', 'minions', 'pending');
    const per = Math.ceil(n / procs);
    const argvs = [];
    for (let i = 0; i < procs; i++) {
      const mine = ids.slice(i * per, (i + 1) * per);
      if (mine.length > 0) argvs.push(['127.0.0.1', String(fleet.publishPort), String(fleet.requestPort), keysDir, String(PING_S), ...mine]);
    }
    // The simulated minions would run on their own hosts: on this one they yield the CPU to the master (nice 5).
    workers.push(...(await forkSwarm(argvs, 5)));
    const t0 = Date.now();
    startSwarm(workers);
    const cpu0 = cpuS(fleet.master.pid);
    const busy0 = machineCpu();
    await waitFor(() => fs.readdirSync(pendingDir).filter((x) => !x.includes('.tmp-')).length >= n, 600_000, `all ${n} pending`);
    r.startToPendingS = (Date.now() - t0) / 1000;
    r.startAt = [t0, Date.now()];
    r.startMasterCpuS = Math.round((cpuS(fleet.master.pid) - cpu0) * 100) / 100;
    r.startWorkersCpuS = Math.round(workersCpuS() * 100) / 100;
    const busy1 = machineCpu();
    r.startMachineBusyPct = Math.round((100 * (busy1.busy - busy0.busy)) / Math.max(1, busy1.total - busy0.total));
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(r));

    // Accept -> every minion authenticated.
    await Promise.all(workers.map((w) => ask(w, 'mark', 'marked')));
    const before = sum(await status(), (s) => s.authAttempts);
    const t1 = Date.now();
    const cpu1 = cpuS(fleet.master.pid);
    r.acceptCliS = cli(fleet.masterDir, ['key', 'accept', '--all', '-y']).s;
    await waitFor(async () => sum(await status(), (s) => s.accepted) === n, 600_000, `all ${n} authenticated`);
    r.acceptToAuthS = (Date.now() - t1) / 1000;
    r.acceptAt = [t1, Date.now()];
    r.authsPerMinion = (sum(await status(), (s) => s.authAttempts) - before) / n;
    r.acceptMasterCpuS = cpuS(fleet.master.pid) - cpu1;
    if (process.env.BENCH_DEBUG) {
      const st = await status();
      console.error(`accept (CLI ${r.acceptCliS} s); since: auth started`, JSON.stringify(st.map((x) => x.authCalls)), 'with delays', JSON.stringify(st.map((x) => x.authCallDelays)), 'authenticated', JSON.stringify(st.map((x) => x.authedMs)));
    }
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(r));

    // test.ping: the CLI command's wall time. The first may meet minions still subscribing: it is printed apart.
    // Then PINGS more, 5 s apart; the table shows their median (one run can meet a major GC or a wave of liveness
    // pings), the JSON all of them.
    const first = cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
    r.pingFirstS = first.s;
    r.pingFirstReturned = Object.values(parseJson(first.out)).filter((v) => v === true).length;
    r.pingRuns = [];
    for (let k = 0; k < PINGS; k++) {
      await new Promise((res) => setTimeout(res, 5000));
      const cpu2 = cpuS(fleet.master.pid);
      const wcpu2 = workersCpuS();
      const busy2 = machineCpu();
      const startedAt = Date.now();
      const ping = cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
      const busy3 = machineCpu();
      r.pingRuns.push({
        s: Math.round(ping.s * 1000) / 1000,
        // Wall-clock window (epoch ms), to cut a master CPU profile (BRINE_MASTER_CPU_PROF) to the ping.
        at: [startedAt, Date.now()],
        returned: Object.values(parseJson(ping.out)).filter((v) => v === true).length,
        // Where the machine's CPU went meanwhile: the master, the simulated minions, and how busy both cores were.
        masterCpuS: Math.round((cpuS(fleet.master.pid) - cpu2) * 100) / 100,
        workersCpuS: Math.round((workersCpuS() - wcpu2) * 100) / 100,
        machineBusyPct: Math.round((100 * (busy3.busy - busy2.busy)) / Math.max(1, busy3.total - busy2.total)),
      });
    }
    const median = [...r.pingRuns].sort((a, b) => a.s - b.s)[PINGS >> 1];
    r.pingS = median.s;
    r.pingReturned = median.returned;
    r.pingMasterCpuS = median.masterCpuS;
    r.pingWorkersCpuS = median.workersCpuS;
    r.pingMachineBusyPct = median.machineBusyPct;
    r.pingReturnedAll = r.pingRuns.every((x) => x.returned === n);

    // A state.apply peerfiles-sized job: every minion returned or named.
    const apply = cli(fleet.masterDir, ['state', 'apply', '*', 'peerfiles', '--out', 'json', '-t', '60']);
    const got = parseJson(apply.out);
    r.applyS = apply.s;
    r.applyReturned = Object.values(got).filter((v) => v && typeof v === 'object').length;
    r.applyAccountedFor = ids.filter((id) => id in got).length;
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(r));

    // Master restart -> every minion authenticated with the new master.
    await fleet.stopMaster('SIGTERM');
    await Promise.all(workers.map((w) => ask(w, 'mark', 'marked')));
    const beforeRestart = sum(await status(), (s) => s.authAttempts);
    const t2 = Date.now();
    r.masterRestartedAt = t2;
    await fleet.startMaster();
    prioritize(fleet.master.pid);
    let last = beforeRestart;
    let lastAt = Date.now();
    r.peakAuthPerS = 0;
    await waitFor(async () => {
      const st = await status();
      const now = Date.now();
      if (now - lastAt >= 1000) {
        const a = sum(st, (s) => s.authAttempts);
        r.peakAuthPerS = Math.max(r.peakAuthPerS, Math.round(((a - last) * 1000) / (now - lastAt)));
        last = a;
        lastAt = now;
      }
      r.restartBack = sum(st, (s) => s.authed);
      return r.restartBack === n;
    }, 300_000, `all ${n} back after the restart`).catch(() => undefined); // reported as "k of n back" instead
    r.restartToBackS = r.restartBack === n ? (Date.now() - t2) / 1000 : null;
    r.restartAt = [t2, Date.now()];
    r.restartMasterCpuS = cpuS(fleet.master.pid);
    const st = await status();
    r.restartAuthsPerMinion = (sum(st, (s) => s.authAttempts) - beforeRestart) / n;
    if (process.env.BENCH_DEBUG) console.error('since the master stopped (ms; min, median, max per worker): reconnected', JSON.stringify(st.map((s) => s.reconnectedMs)), 'authenticated', JSON.stringify(st.map((s) => s.authedMs)), 'auth started', JSON.stringify(st.map((s) => s.authCalls)), 'with delays', JSON.stringify(st.map((s) => s.authCallDelays)));
    sample(fleet.master.pid, peaks);
    const main = peaks.get('master') ?? { fds: 0, rssKiB: 0 };
    r.masterRssMb = Math.round(main.rssKiB / 1024);
    r.masterPeakFds = main.fds;
    r.masterProcesses = Object.fromEntries([...peaks].map(([k, v]) => [k, { peakFds: v.fds, peakRssMb: Math.round(v.rssKiB / 1024) }]));
    r.fdLimit = Number(/Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${fleet.master.pid}/limits`, 'utf8'))?.[1] ?? 0);
    return r;
  } finally {
    clearInterval(sampler);
    // A profiled worker (BRINE_SWARM_CPU_PROF) writes its profile only when it exits by itself.
    if (process.env.BRINE_SWARM_CPU_PROF) await Promise.all(workers.map((w) => new Promise((res) => { w.once('exit', res); w.send('stop'); setTimeout(res, 30_000); })));
    for (const w of workers) w.kill('SIGKILL');
    await fleet.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows) {
  const f = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : 'n/a');
  console.log('\nSwarm: simulated minions (real keys and sessions) against one master on 127.0.0.1');
  console.log('| minions | start -> all pending | accept -> all authenticated | test.ping (returned) | master CPU per return (test.ping) | state.apply peerfiles (accounted for) | restart -> all back | master RSS (peak) | master peak fds |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.minions.toLocaleString('en')} (${r.processes} processes) | ${f(r.startToPendingS)} s | ${f(r.acceptToAuthS)} s (${f(r.authsPerMinion, 2)} auths per minion) | ${f(r.pingS, 2)} s (median of ${r.pingRuns.length}: ${r.pingRuns.map((x) => x.s.toFixed(2)).join(', ')}; ${r.pingReturnedAll ? 'all' : 'NOT all'} returned; first after accept ${f(r.pingFirstS, 2)} s) | ${f((r.pingMasterCpuS * 1000) / r.minions, 3)} ms (${f(r.pingMasterCpuS, 2)} CPU-s, publisher included) | ${f(r.applyS, 2)} s (${r.applyAccountedFor} of ${r.minions}, ${r.applyReturned} returned) | ${r.restartToBackS === null ? `not all back in 300 s: ${r.restartBack} of ${r.minions}` : `${f(r.restartToBackS)} s`} (${f(r.restartAuthsPerMinion, 2)} auths per minion, peak ${r.peakAuthPerS}/s) | ${r.masterRssMb} MB | ${r.masterPeakFds} (limit ${r.fdLimit}) |`,
    );
    const kids = Object.entries(r.masterProcesses).filter(([k]) => k !== 'master');
    for (const [k, v] of kids) console.log(`|  ${k} | | | | | | | ${v.peakRssMb} MB | ${v.peakFds} |`);
  }
}

async function main(argv = process.argv.slice(2)) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const sizes = String(opt('minions', process.env.BENCH_SWARM || '1000')).split(',').map(Number);
  const rows = [];
  for (const n of sizes) {
    const procs = Number(opt('procs', Math.ceil(n / SWARM_PER_PROCESS)));
    rows.push(await run(n, procs));
  }
  if (opt('out', 'table') === 'json') console.log(JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2));
  else table(rows);
}

module.exports = { main };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
