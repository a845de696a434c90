/**
 * Large SLS files: wall time and peak RSS of whole `brine call --local` processes (node start included) that
 * render a generated SLS of file.managed states with a little Jinja in each:
 *  - 10,000 states (~1.6 MB): state.show_low_sls
 *  - ~129,000 states (20 MB): state.show_low_sls, and a state.apply test=True dry run
 *
 * Also the generator for test/large-sls.test.ts: `node bench/large-sls.js write FILE MB [--broken-last]`.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');

function state(n) {
  return `file_${n}_{{ grains['id'] }}:\n  file.managed:\n    - name: /tmp/big-out/{{ grains.id }}/f${n}\n    - contents: 'value ${n} {{ 'x' ~ ${n} }}'\n    - mode: '0644'\n`;
}

/**
 * Write an SLS of at least `bytes` (or exactly `states` states). `brokenLast`: the last ID's state is not a list,
 * so the whole file renders and then fails to compile, with a short error naming that ID's line.
 */
function writeLargeSls(file, { bytes = Infinity, states = Infinity, brokenLast = false } = {}) {
  const parts = [];
  let size = 0;
  for (let n = 0; size < bytes && n < states; n++) {
    const s = state(n);
    parts.push(s);
    size += s.length;
  }
  if (brokenLast) parts.push('broken_last:\n  file.managed: not a list\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, parts.join(''));
  return { states: parts.length, bytes: size };
}

/** Wall time, CPU time and peak RSS of one brine process. */
function measure(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', path.join(__dirname, 'peak-rss.js'), BRINE, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`brine ${args.join(' ')} exited ${r.status}\n${r.stderr.slice(-2000)}`);
  const m = /BENCH_MAX_RSS_KB=(\d+) BENCH_CPU_MS=(\d+)/.exec(r.stderr);
  return { s, cpu: m ? Number(m[2]) / 1000 : NaN, rssMiB: m ? Number(m[1]) / 1024 : NaN, out: r.stdout };
}

function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-large-'));
  try {
    const roots = path.join(tmp, 'states');
    const pillar = path.join(tmp, 'pillar');
    fs.mkdirSync(pillar, { recursive: true });
    const k10 = writeLargeSls(path.join(roots, 'k10.sls'), { states: 10000 });
    const big = writeLargeSls(path.join(roots, 'big.sls'), { bytes: 20 * 1024 * 1024 });
    const call = (...a) => ['call', '--local', '--file-root', roots, '--pillar-root', pillar, '--id', 'bench01', '--out', 'json', ...a];
    const rows = [];
    const run = (name, args, count) => {
      const r = measure(args);
      const n = count(JSON.parse(r.out).local);
      rows.push([name, r.s, r.cpu, r.rssMiB, n]);
    };
    run(`10,000 states (${(k10.bytes / 1048576).toFixed(1)} MB): show_low_sls`, call('state.show_low_sls', 'k10'), (x) => x.length);
    run(`${big.states.toLocaleString('en')} states (20 MB): show_low_sls`, call('state.show_low_sls', 'big'), (x) => x.length);
    run(`${big.states.toLocaleString('en')} states (20 MB): state.apply test=True`, call('state.apply', 'big', 'test=True'), (x) => Object.keys(x).length);
    console.log('\nLarge SLS: brine call --local (whole process, node start included)');
    console.log('| workload | wall time | CPU time | peak RSS | chunks / states |');
    console.log('|---|---|---|---|---|');
    for (const [n, s, cpu, rss, c] of rows) console.log(`| ${n} | ${s.toFixed(2)} s | ${cpu.toFixed(2)} s | ${rss.toFixed(0)} MiB | ${c} |`);
    return rows;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { main, writeLargeSls };
if (require.main === module) {
  const [cmd, file, mb] = process.argv.slice(2);
  if (cmd === 'write') console.log(JSON.stringify(writeLargeSls(file, { bytes: Number(mb) * 1024 * 1024, brokenLast: process.argv.includes('--broken-last') })));
  else main();
}
