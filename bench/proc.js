/**
 * Helpers the benchmarks share: the CLI timed, lenient JSON, a process tree from /proc, its CPU time and priority,
 * and the simulated-minion worker processes of the swarm benchmarks.
 */
'use strict';
const { fork, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');

/** `brine -c <masterDir> ...args`, timed (seconds of wall time). */
function cli(masterDir, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BRINE, '-c', masterDir, ...args], { encoding: 'utf8', maxBuffer: 512 * 2 ** 20, env: { ...process.env, NO_COLOR: '1' } });
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** A process and its descendants (a master's publisher process, if any). */
function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of fs.readdirSync(`/proc/${out[i]}/task`)) {
        const kids = fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU seconds (user + system) of a process and its children so far. */
/** The machine's CPU time so far (all cores, in ticks): busy and total, from /proc/stat. */
function machineCpu() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] || 0), total };
}

function cpuS(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

/**
 * A master (and its publisher process) at nice -10 when permitted: on this shared 2-core machine the swarm's
 * worker processes and whatever else runs would otherwise starve it, which a master on its own host is not.
 */
function prioritize(pid) {
  for (const p of processTree(pid)) {
    try {
      os.setPriority(p, -10);
    } catch {
      /* not root: measured at normal priority */
    }
  }
}

/** Send `what` to a forked worker and resolve with its first message carrying `key`. */
function askWorker(w, what, key) {
  return new Promise((res) => {
    const on = (m) => {
      if (m && typeof m === 'object' && key in m) {
        w.off('message', on);
        res(m);
      }
    };
    w.on('message', on);
    w.send(what);
  });
}

/**
 * Simulated minions per worker process. Each has four ZeroMQ sockets (a SUB, a DEALER and the two of its event
 * monitor) and about six fds; the worker puts every 25 in a libzmq context of their own (bench/swarm-worker.js
 * PER_CONTEXT), well inside libzmq's 1,023 sockets a context. 2,000 a process stay well inside a 20,000-fd limit,
 * and fewer, larger processes cost this shared machine less than 42 small ones (at 10,000 minions: 34 CPU-seconds
 * to start instead of 46, 3.7 for a test.ping instead of 6.7).
 */
const SWARM_PER_PROCESS = 2000;

/**
 * Fork simulated-minion worker processes (bench/swarm-worker.js, one argv each) at `nice` when permitted, and wait
 * until every one has loaded: their minions start at `startSwarm`, so a benchmark's clock measures the minions and
 * the master, not Node loading the harness's worker processes (each minion host would do that on its own CPU).
 */
async function forkSwarm(argvs, nice) {
  const workers = argvs.map((argv) => {
    // BRINE_SWARM_CPU_PROF=<dir>: each simulated-minion process writes a V8 CPU profile there when it stops.
    const prof = process.env.BRINE_SWARM_CPU_PROF;
    const execArgv = prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : [];
    const w = fork(path.join(__dirname, 'swarm-worker.js'), argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
    if (nice !== undefined) {
      try {
        os.setPriority(w.pid, nice);
      } catch {
        /* not permitted: measured at equal priority */
      }
    }
    return w;
  });
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          const gone = (code) => reject(new Error(`a swarm worker exited (${code}) before it was ready`));
          const on = (m) => {
            if (!m || typeof m !== 'object' || !('ready' in m)) return;
            w.off('message', on);
            w.off('exit', gone);
            resolve();
          };
          w.on('message', on);
          w.once('exit', gone);
        }),
    ),
  );
  return workers;
}

/** Start the minions of workers from forkSwarm (each spreads its starts over a few seconds). */
function startSwarm(workers) {
  for (const w of workers) w.send('go');
}

module.exports = { BRINE, cli, parseJson, processTree, cpuS, machineCpu, prioritize, askWorker, forkSwarm, startSwarm, SWARM_PER_PROCESS };
