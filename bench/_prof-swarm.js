'use strict';
// TEMPORARY profiling harness (not committed): workers with --cpu-prof, phase times in monotonic µs.
const { fork } = require('child_process');
const fs = require('fs'); const os = require('os'); const path = require('path');
const { Fleet, waitFor } = require('../packages/cli/dist/fleet/fleet.js');
const { cli, cpuS, askWorker } = require('./proc');
const n = Number(process.argv[2] || 2400); const PER = Number(process.env.PER ?? 240);
const mono = () => Number(process.hrtime.bigint() / 1000n);
(async () => {
  const keysDir = path.join(os.tmpdir(), 'brine-bench-keys');
  const ids = fs.readdirSync(keysDir).filter((d) => /^s\d{5}$/.test(d)).sort().slice(0, n);
  for (const id of ids) fs.rmSync(path.join(keysDir, id, 'minion_master.pub'), { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-prof-swarm-'));
  const fleet = new Fleet({ dir, minions: [], fileRoots: [path.resolve(__dirname, 'peer')], master: { max_pending_keys: n + 100, max_connections: n + 2000, keep_jobs: 1 } });
  await fleet.configure(); await fleet.startMaster();
  const workers = []; const marks = {};
  const pendingDir = path.join(fleet.masterDir, 'pki', 'minions', 'pending');
  marks.t0 = mono();
  for (let i = 0; i * PER < n; i++) {
    const w = fork(path.join(__dirname, 'swarm-worker.js'), ['127.0.0.1', String(fleet.publishPort), String(fleet.requestPort), keysDir, '10', ...ids.slice(i * PER, (i + 1) * PER)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    workers.push(w);
  }
  for (const w of workers) w.send('go');
  const wcpu = () => workers.reduce((a, w) => a + cpuS(w.pid), 0);
  await waitFor(() => fs.readdirSync(pendingDir).filter((x) => !x.includes('.tmp-')).length >= n, 600_000, 'pending');
  marks.pending = mono(); console.log('pending s', (marks.pending - marks.t0) / 1e6, 'wcpu', wcpu(), 'mcpu', cpuS(fleet.master.pid));
  const status = () => Promise.all(workers.map((w) => askWorker(w, 'status', 'accepted')));
  cli(fleet.masterDir, ['key', 'accept', '--all', '-y']);
  await waitFor(async () => (await status()).reduce((a, s) => a + s.accepted, 0) === n, 600_000, 'auth');
  marks.authed = mono(); console.log('authed s', (marks.authed - marks.pending) / 1e6, 'wcpu', wcpu());
  cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
  await new Promise((r) => setTimeout(r, 3000));
  const c0 = wcpu(); marks.ping0 = mono();
  let p; for (let k = 0; k < Number(process.env.PINGS ?? 1); k++) p = cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '10']);
  marks.ping1 = mono(); console.log('ping s', p.s, 'wcpu', wcpu() - c0);
  await new Promise((r) => setTimeout(r, 3000));
  marks.idle0 = mono(); const c1 = wcpu();
  await new Promise((r) => setTimeout(r, 5000));
  marks.idle1 = mono(); console.log('idle 5 s wcpu', wcpu() - c1);
  fs.writeFileSync('/tmp/wprof/marks.json', JSON.stringify(marks));
  await Promise.all(workers.map((w) => new Promise((r) => { w.on('exit', r); w.send('stop'); })));
  await fleet.stop(); fs.rmSync(dir, { recursive: true, force: true });
})().catch((e) => { console.error(e); process.exit(1); });
