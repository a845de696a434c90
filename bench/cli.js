/**
 * CLI start-up benchmark: wall time of whole `brine` processes (Node's own start included), median of N runs, against
 * the targets of issue 12 (2-core machine); CPU time (user + system) beside it, which other work on a shared machine
 * inflates less than the wall time:
 *  - `brine --version`                        <= 0.09 s
 *  - `brine key list` (a master dir with keys) <= 0.10 s
 *  - `brine run one test.ping` (a real master and one real minion) <= 0.12 s
 *  - `brine call --local state.apply peer` (idempotent run of bench/peer) <= 0.15 s
 * `node -e 0` is printed too: the floor no CLI can go under. Each command runs once first (which writes its module
 * pack, see packages/cli/bin/module-pack.js); BRINE_COMPILE_CACHE=0 measures without packs.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Fleet, waitFor } = require('../packages/cli/dist/fleet/fleet.js');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');
const PEER = path.resolve(__dirname, 'peer');

/** Loaded into each measured process (-r): reports its CPU time on fd 3 as it exits. A fixed path, so the flags
 * (and with them the module packs' directory) are the same from one benchmark run to the next. */
const CPU_PROBE = path.join(os.tmpdir(), 'brine-bench-cli-cpu.js');
fs.writeFileSync(CPU_PROBE, "process.on('exit', () => { const c = process.cpuUsage(); require('fs').writeSync(3, String((c.user + c.system) / 1e6)); });\n");

function once(args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', CPU_PROBE, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, cpu: Number(r.output[3]), code: r.status, out: r.stdout, err: r.stderr };
}

const mid = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median wall and CPU time of `runs` runs after one warm-up run (page cache, module pack). */
function median(args, runs, check) {
  const first = once(args);
  check(first);
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const r = once(args);
    check(r);
    wall.push(r.s);
    cpu.push(r.cpu);
  }
  return { wall: mid(wall), cpu: mid(cpu) };
}

const ok = (what) => (r) => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.out.slice(-2000)}\n${r.err.slice(-2000)}`);
};

async function main() {
  const runs = Number(process.env.BENCH_RUNS || 11);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-cli-'));
  const fleet = new Fleet({ dir, minions: ['one'], fileRoots: [PEER] });
  const rows = [];
  try {
    rows.push(['`node -e 0` (the floor: Node alone)', median(['-e', '0'], runs, ok('node -e 0')), null]);
    rows.push(['`brine --version`', median([BRINE, '--version'], runs, ok('brine --version')), 0.09]);

    const pillar = `pillar={"bench_root": "${dir}/peer"}`;
    const peerArgs = [BRINE, 'call', '--local', '--file-root', PEER, '--id', 'bench01', '--out', 'json', 'state.apply', 'peer', pillar];
    ok('first state.apply peer')(once(peerArgs));
    rows.push(['`brine call --local state.apply peer` (idempotent)', median(peerArgs, runs, ok('brine call --local state.apply peer')), 0.15]);

    await fleet.configure();
    await fleet.startMaster();
    fleet.startMinions();
    await fleet.waitForKeys(['one'], 'pending', 60_000);
    ok('key accept')(once([BRINE, '-c', fleet.masterDir, 'key', 'accept', '--all', '-y']));
    const pingArgs = [BRINE, '-c', fleet.masterDir, 'run', 'one', 'test.ping'];
    await waitFor(() => once(pingArgs).code === 0, 60_000, 'minion one answering');
    rows.push(['`brine key list` (the master running, one accepted key)', median([BRINE, '-c', fleet.masterDir, 'key', 'list'], runs, ok('brine key list')), 0.1]);
    rows.push(["`brine run 'one' test.ping` (one real minion)", median(pingArgs, runs, (r) => {
      ok('brine run one test.ping')(r);
      if (!/one:\s*\n\s*True/.test(r.out)) throw new Error(`test.ping: unexpected output\n${r.out}`);
    }), 0.12]);
  } finally {
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const load = os.loadavg()[0].toFixed(1);
  console.log(`\nCLI start-up: whole process (Node's start included), median of ${runs} runs; load average ${load} on ${os.cpus().length} CPUs`);
  console.log('| command | wall | CPU (user + sys) | target (wall) | |');
  console.log('|---|---:|---:|---:|---|');
  for (const [what, t, target] of rows) {
    console.log(`| ${what} | ${t.wall.toFixed(3)} s | ${t.cpu.toFixed(3)} s | ${target === null ? '' : `≤ ${target.toFixed(2)} s`} | ${target === null ? '' : t.wall <= target ? 'met' : 'missed'} |`);
  }
  return Object.fromEntries(rows.map(([what, t]) => [what, t]));
}

module.exports = { main };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
