'use strict';
// TEMPORARY: per-thread CPU of workers and master while the swarm is idle.
const { fork } = require('child_process');
const fs = require('fs'); const os = require('os'); const path = require('path');
const { Fleet, waitFor } = require('../packages/cli/dist/fleet/fleet.js');
const { cli, askWorker, forkSwarm, startSwarm } = require('./proc');
const n = Number(process.argv[2] || 480); const PER = 240; const pingS = process.argv[3] || '10';
function threads(pid) { const o = {}; for (const t of fs.readdirSync(`/proc/${pid}/task`)) { const s = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'); const name = (String(t) === String(pid) ? 'main:' : '') + s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); o[name] = (o[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100; } return o; }
function sumT(pids) { const o = {}; for (const p of pids) for (const [k, v] of Object.entries(threads(p))) o[k] = (o[k] ?? 0) + v; return o; }
const diff = (a, b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round((v - (a[k] ?? 0)) * 100) / 100]).filter(([, v]) => v > 0));
(async () => {
  const keysDir = path.join(os.tmpdir(), 'brine-bench-keys');
  const ids = fs.readdirSync(keysDir).filter((d) => /^s\d{5}$/.test(d)).sort().slice(0, n);
  for (const id of ids) fs.rmSync(path.join(keysDir, id, 'minion_master.pub'), { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-idle-'));
  const fleet = new Fleet({ dir, minions: [], fileRoots: [path.resolve(__dirname, 'peer')], master: { max_pending_keys: n + 100, max_connections: n + 2000, keep_jobs: 1 } });
  await fleet.configure(); await fleet.startMaster();
  const workers = [];
  const pendingDir = path.join(fleet.masterDir, 'pki', 'minions', 'pending');
  const mt0 = sumT([fleet.master.pid]); const T0 = Date.now();
  const argvs = []; for (let i = 0; i * PER < n; i++) argvs.push(['127.0.0.1', String(fleet.publishPort), String(fleet.requestPort), keysDir, pingS, ...ids.slice(i * PER, (i + 1) * PER)]);
  workers.push(...(await forkSwarm(argvs, 5))); startSwarm(workers);
  await waitFor(() => fs.readdirSync(pendingDir).filter((x) => !x.includes('.tmp-')).length >= n, 600_000, 'pending');
  console.log('start s', (Date.now() - T0) / 1000, 'workers', JSON.stringify(sumT(workers.map((w) => w.pid))), 'master', JSON.stringify(diff(mt0, sumT([fleet.master.pid]))), 'attempts', (await Promise.all(workers.map((w) => askWorker(w, 'status', 'accepted')))).reduce((a, s) => a + s.authAttempts, 0));
  const w0p = sumT(workers.map((w) => w.pid));
  await new Promise((r) => setTimeout(r, 5000));
  console.log('pending idle 5 s workers', JSON.stringify(diff(w0p, sumT(workers.map((w) => w.pid)))));
  cli(fleet.masterDir, ['key', 'accept', '--all', '-y']);
  await waitFor(async () => (await Promise.all(workers.map((w) => askWorker(w, 'status', 'accepted')))).reduce((a, s) => a + s.accepted, 0) === n, 600_000, 'auth');
  await new Promise((r) => setTimeout(r, Number(process.env.SETTLE ?? 12000)));
  const w0 = sumT(workers.map((w) => w.pid)); const m0 = sumT([fleet.master.pid]);
  if (process.env.PERF) require('child_process').execSync(`perf record -F 999 -g -o /tmp/perf.data -p ${workers[0].pid} -- sleep 8 2>/dev/null`); else await new Promise((r) => setTimeout(r, 10000));
  console.log('accepted idle 10 s workers', JSON.stringify(diff(w0, sumT(workers.map((w) => w.pid)))));
  console.log('accepted idle 10 s master', JSON.stringify(diff(m0, sumT([fleet.master.pid]))));
  cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
  const w1 = sumT(workers.map((w) => w.pid)); const m1 = sumT([fleet.master.pid]);
  const pr = cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
  console.log('ping s', pr.s, 'returned', Object.keys(JSON.parse(pr.out || '{}')).length);
  console.log('ping workers', JSON.stringify(diff(w1, sumT(workers.map((w) => w.pid)))));
  console.log('ping master', JSON.stringify(diff(m1, sumT([fleet.master.pid]))));
  for (const w of workers) w.kill('SIGKILL');
  await fleet.stop(); fs.rmSync(dir, { recursive: true, force: true });
})().catch((e) => { console.error(e); process.exit(1); });
