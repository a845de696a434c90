/**
 * Masterless benchmark: wall time of whole `brine call --local state.apply` processes (node start included).
 *  - the shared `peer` workload (Salt's salt-call --local: 8.90 s), idempotent run, mean of N
 *  - a generated tree of 100 states (files, directories, guarded commands), first run and idempotent run
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');
const PEER = path.resolve(__dirname, 'peer');

function timeRun(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BRINE, ...args], { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`brine ${args.join(" ")} exited ${r.status}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  return { s, out: r.stdout };
}

function changes(out) {
  const ret = JSON.parse(out).local;
  return Object.values(ret).filter((x) => Object.keys(x.changes).length).length;
}

function stats(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: sorted[0], p50: sorted[Math.floor(xs.length / 2)] };
}

function generateTree(dir, root) {
  fs.mkdirSync(path.join(dir, 'gen/files'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'top.sls'), "base:\n  '*':\n    - gen\n");
  fs.writeFileSync(path.join(dir, 'gen/files/item.j2'), '# item {{ n }} on {{ grains.id }}\n{% for i in range(5) %}line{{ i }} = {{ n * i }}\n{% endfor %}');
  let sls = '';
  for (let d = 0; d < 10; d++) sls += `gen_dir_${d}:\n  file.directory:\n    - name: ${root}/d${d}\n    - makedirs: True\n\n`;
  for (let i = 0; i < 60; i++) {
    const d = i % 10;
    sls += `gen_file_${i}:\n  file.managed:\n    - name: ${root}/d${d}/f${i}.conf\n    - source: salt://gen/files/item.j2\n    - template: jinja\n    - context: {n: ${i}}\n    - mode: '0640'\n    - require:\n      - file: gen_dir_${d}\n\n`;
  }
  for (let i = 0; i < 20; i++) sls += `gen_contents_${i}:\n  file.managed:\n    - name: ${root}/d${i % 10}/c${i}.txt\n    - contents: "value {{ ${i} * 2 }}"\n    - require:\n      - file: gen_dir_${i % 10}\n\n`;
  for (let i = 0; i < 10; i++) sls += `gen_cmd_${i}:\n  cmd.run:\n    - name: touch ${root}/d${i}/stamp\n    - creates: ${root}/d${i}/stamp\n    - require:\n      - file: gen_dir_${i}\n\n`;
  fs.writeFileSync(path.join(dir, 'gen/init.sls'), sls);
}

function main() {
  const runs = Number(process.env.BENCH_RUNS || 10);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-local-'));
  try {
    const pillar = `pillar={"bench_root": "${tmp}/peer"}`;
    const peerArgs = ['call', '--local', '--file-root', PEER, '--id', 'bench01', '--out', 'json', 'state.apply', 'peer', pillar];
    const first = timeRun(peerArgs);
    const idem = [];
    let idemChanges = -1;
    for (let i = 0; i < runs; i++) {
      const r = timeRun(peerArgs);
      idem.push(r.s);
      idemChanges = changes(r.out);
    }
    const tree = path.join(tmp, 'tree');
    generateTree(tree, path.join(tmp, 'gen'));
    const genArgs = ['call', '--local', '--file-root', tree, '--id', 'bench01', '--out', 'json', 'state.highstate'];
    const g1 = timeRun(genArgs);
    const gIdem = [];
    for (let i = 0; i < Math.max(3, Math.floor(runs / 2)); i++) gIdem.push(timeRun(genArgs).s);
    const p = stats(idem);
    const g = stats(gIdem);
    const rows = [
      ['peer (4 states), first run', first.s, changes(first.out)],
      [`peer (4 states), idempotent, mean of ${runs}`, p.mean, idemChanges],
      ['generated tree (100 states), first run', g1.s, changes(g1.out)],
      [`generated tree (100 states), idempotent, mean of ${gIdem.length}`, g.mean, 0],
    ];
    console.log('\nMasterless: brine call --local state.apply (whole process, node start included)');
    console.log('| workload | wall time | changes |');
    console.log('|---|---|---|');
    for (const [n, s, c] of rows) console.log(`| ${n} | ${s.toFixed(3)} s | ${c} |`);
    console.log(`Salt 3006.1 salt-call --local state.apply peer on this machine: 8.90 s -> ${(8.9 / p.mean).toFixed(0)}x faster`);
    return { peerIdempotent: p.mean, peerFirst: first.s, genFirst: g1.s, genIdempotent: g.mean };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { main };
if (require.main === module) main();
