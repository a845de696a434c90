/**
 * Events benchmark (`npm run bench -- events`), with a real master and real minion processes on 127.0.0.1:
 *  - reactor latency: a minion's event (`event.send`) fired on the master's bus -> the job its reaction publishes
 *    (`local.test.echo`), both read from `brine event listen` by their `_stamp` (the master's clock, ms resolution)
 *  - event-bus throughput with 50 minions: each minion's inotify beacon reports K new files at once; the rate at
 *    which the master puts the 50 x K events on its bus, as `brine event listen` receives them
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Fleet, waitFor } = require('../packages/cli/dist/fleet/fleet.js');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');

function cli(masterDir, args) {
  const r = spawnSync(process.execPath, [BRINE, '-c', masterDir, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `brine event listen --out json`, each event with the time this process received it. */
function listen(masterDir) {
  const p = spawn(process.execPath, [BRINE, '-c', masterDir, 'event', 'listen', '--out', 'json'], { env: { ...process.env, NO_COLOR: '1' } });
  const events = [];
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) events.push({ ...JSON.parse(line), at: Number(process.hrtime.bigint()) / 1e6 });
    }
  });
  return { events, stop: () => new Promise((r) => (p.exitCode !== null ? r() : (p.once('exit', r), p.kill('SIGTERM')))) };
}

const ids = (n) => Array.from({ length: n }, (_, i) => `e${String(i + 1).padStart(3, '0')}`);
const stampMs = (e) => Date.parse(`${e.data._stamp}Z`);
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

async function fleetOf(n, o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-events-'));
  for (const [rel, text] of Object.entries({ 'tree/top.sls': 'base: {}\n', 'pillar/top.sls': 'base: {}\n', ...o.files })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const all = ids(n);
  const fleet = new Fleet({ dir, minions: all, fileRoots: [path.join(dir, 'tree')], master: o.master, minion: (id) => o.minion?.(id, dir) ?? {} });
  await fleet.configure();
  await fleet.startMaster();
  fleet.startMinions();
  await fleet.waitForKeys(all, 'pending', 120_000);
  cli(fleet.masterDir, ['key', 'accept', '--all', '-y']);
  await waitFor(() => {
    const r = cli(fleet.masterDir, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
    try {
      return r.code === 0 && Object.keys(JSON.parse(r.out)).length === n;
    } catch {
      return false;
    }
  }, 120_000, `all ${n} answering`);
  return { fleet, dir, all };
}

async function reactorLatency(samples) {
  const { fleet, dir, all } = await fleetOf(1, {
    files: { 'tree/reactor/echo.sls': "echo:\n  local.test.echo:\n    - tgt: {{ data['id'] }}\n    - arg:\n      - {{ data['data']['seq'] }}\n" },
    master: { reactor: [{ 'bench/react': 'salt://reactor/echo.sls' }], reactor_loop_limit: samples * 2 },
  });
  const bus = listen(fleet.masterDir);
  try {
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 1; i <= samples; i++) {
      const r = cli(fleet.masterDir, ['run', all[0], 'event.send', 'bench/react', `seq=${i}`, '--out', 'json']);
      if (r.code !== 0) throw new Error(`event.send: ${r.err}`);
    }
    const reaction = (seq) => bus.events.find((e) => /^salt\/job\/\d+\/new$/.test(e.tag) && e.data.fun === 'test.echo' && String((e.data.arg ?? [])[0]) === String(seq));
    await waitFor(() => Array.from({ length: samples }, (_, i) => reaction(i + 1)).every(Boolean), 30_000, 'every reaction');
    const ms = [];
    for (let i = 1; i <= samples; i++) {
      const fired = bus.events.find((e) => e.tag === 'bench/react' && String(e.data.data?.seq) === String(i));
      ms.push(stampMs(reaction(i)) - stampMs(fired));
    }
    return { samples, p50: pct(ms, 0.5), p95: pct(ms, 0.95), max: Math.max(...ms) };
  } finally {
    await bus.stop();
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function busThroughput(n, perMinion) {
  const { fleet, dir, all } = await fleetOf(n, {
    minion: (id, d) => {
      fs.mkdirSync(path.join(d, 'watch', id), { recursive: true });
      return { beacons: { inotify: [{ files: { [path.join(d, 'watch', id)]: { mask: ['create'] } } }, { interval: 1 }] } };
    },
  });
  const bus = listen(fleet.masterDir);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    for (const id of all) for (let i = 0; i < perMinion; i++) fs.writeFileSync(path.join(dir, 'watch', id, `f${i}`), '');
    const total = n * perMinion;
    const got = () => bus.events.filter((e) => e.tag.includes('/inotify/'));
    await waitFor(() => got().length >= total, 180_000, `${total} beacon events`);
    const ev = got();
    const span = ev[ev.length - 1].at - ev[0].at;
    return { minions: n, events: ev.length, spanS: span / 1000, perS: ev.length / (span / 1000) };
  } finally {
    await bus.stop();
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const lat = await reactorLatency(30);
  console.log('\n### Events: reactor latency (event fired on the bus -> its reaction\'s job published; master clock, ms)\n');
  console.log('| samples | p50 | p95 | max |\n|---:|---:|---:|---:|');
  console.log(`| ${lat.samples} | ${lat.p50} ms | ${lat.p95} ms | ${lat.max} ms |`);
  const tp = await busThroughput(50, 400);
  console.log('\n### Events: bus throughput (beacon events from 50 minions, as `brine event listen` receives them)\n');
  console.log('| minions | events | span | events/s |\n|---:|---:|---:|---:|');
  console.log(`| ${tp.minions} | ${tp.events} | ${tp.spanS.toFixed(2)} s | ${Math.round(tp.perS)} |`);
}

module.exports = { main, reactorLatency, busThroughput };
if (require.main === module) main().catch((e) => (console.error(e), process.exit(1)));
