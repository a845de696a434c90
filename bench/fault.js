/**
 * Fault benchmark: an outsider floods a real master (test/helpers/zmtp-flood.js) with 300,000 subscriptions of
 * 1 KB, then with a 1 GB request of 70 x 15 MB frames. Prints the master's RSS before, at its peak and after, and
 * the latency of an authenticated ping (a sealed request over a session) while the flood runs.
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Fleet } = require('../packages/cli/dist/fleet/fleet.js');
const P = require('../packages/protocol/dist');

const BRINE = path.join(__dirname, '../packages/cli/bin/brine.js');
const FLOOD = path.join(__dirname, '../test/helpers/zmtp-flood.js');

async function session(fleet) {
  const keys = { id: 'bench-probe', ...P.createKeyPair() };
  const t = P.MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort });
  const auth = async () => {
    const sent = P.createAuthRequest(keys);
    return P.openAuthReply(P.decodeExpecting(await t.request(P.encode(sent), 5000), ['auth.reply']), sent, keys);
  };
  await auth();
  spawnSync(process.execPath, [BRINE, '-c', fleet.masterDir, 'key', 'accept', 'bench-probe', '-y']);
  await new Promise((r) => setTimeout(r, 1100));
  const ok = await auth();
  if (ok.status !== 'accepted') throw new Error('bench probe not accepted');
  const s = new P.ClientSession('bench-probe', ok.sessionKey);
  const ping = async () => {
    const t0 = process.hrtime.bigint();
    const env = s.seal({ kind: 'ping' });
    await t.request(P.encode(env), 5000);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  return { ping, close: () => t.close() };
}

async function flood(fleet, probe, args) {
  const rss = () => Fleet.rssKiB(fleet.master.pid) / 1024;
  const before = rss();
  const p = spawn(process.execPath, [FLOOD, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((r) => p.once('exit', r));
  let peak = before;
  const pings = [];
  while (p.exitCode === null) {
    pings.push(await probe.ping().catch(() => 5000));
    peak = Math.max(peak, rss());
    await new Promise((r) => setTimeout(r, 100));
  }
  await exited;
  await new Promise((r) => setTimeout(r, 500));
  pings.sort((a, b) => a - b);
  return { before, peak, after: rss(), p50: pings[Math.floor(pings.length / 2)] ?? 0, max: pings[pings.length - 1] ?? 0, n: pings.length };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-bench-fault-'));
  const fleet = new Fleet({ dir, minions: [], fileRoots: [dir] });
  let probe;
  try {
    await fleet.configure();
    await fleet.startMaster();
    probe = await session(fleet);
    const rows = [
      ['300,000 subscriptions x 1 KB (publish port)', await flood(fleet, probe, ['subs', String(fleet.publishPort), '300000', '1000'])],
      ['300,000 subscriptions x 200 B (publish port)', await flood(fleet, probe, ['subs', String(fleet.publishPort), '300000', '200'])],
      ['1 GB request, 70 x 15 MB frames (request port)', await flood(fleet, probe, ['big', String(fleet.requestPort), '70', '15'])],
    ];
    console.log('\n### Fault: outsider floods against the master\n');
    console.log('| flood | master RSS before | peak | after | ping p50 during | ping max during |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const mb = (x) => `${x.toFixed(1)} MB`;
    for (const [what, r] of rows) console.log(`| ${what} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.after)} | ${r.p50.toFixed(1)} ms | ${r.max.toFixed(1)} ms (${r.n} pings) |`);
  } finally {
    await probe?.close();
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { main };
if (require.main === module) main().catch((e) => (console.error(e), process.exit(1)));
