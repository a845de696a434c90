/**
 * `brine lab up|status|failover|down` (root): the HA web stack of states/ + pillar/ on this machine, in network
 * namespaces, converged by a real master and six minions, and its failover measured. See packages/lab/README.md.
 */
import type { LabOptions } from '@brine/lab';
import { EXIT } from '../exit';
import { didYouMean } from '../suggest';
import type { GlobalOpts } from '../globals';
import { MINION_NODE_FLAGS } from './daemons';
import { BRINE_BIN } from '../fleet/fleet';

export interface LabCommandOpts extends GlobalOpts {
  prefix?: string;
  subnet?: string;
  stateDir?: string;
  json?: boolean;
  scenarios?: string;
}

const say = (s: string) => process.stderr.write(`[lab] ${s}\n`);

export async function labCommand(action: string, o: LabCommandOpts): Promise<number> {
  const lab = await import('@brine/lab');
  const opts: LabOptions = { prefix: o.prefix, subnet: o.subnet, stateDir: o.stateDir };
  const c = lab.labConfig(opts);
  const brine = { brineBin: BRINE_BIN, minionNodeFlags: MINION_NODE_FLAGS, log: say };
  // --json, or the global --out json
  const json = Boolean(o.json) || o.outOptions?.out === 'json';
  const print = (v: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(v, null, 1)}\n` : `${text}\n`);
  switch (action) {
    case 'up': {
      const r = await lab.up({ ...opts, ...brine });
      const hs = r.converge.runs.map((x) => `${x.target} ${(x.ms / 1000).toFixed(1)} s`).join(', ');
      print(
        { ...r, converge: { ...r.converge, runs: r.converge.runs.map(({ raw: _raw, ...x }) => x) } },
        `lab up: ${r.namespaces.length} namespaces, VIP ${r.vip} answering\n` +
          `  topology ${(r.topologyMs / 1000).toFixed(1)} s; master + ${lab.ROLE_NODES.length} minions with keys accepted ${(r.converge.keysMs / 1000).toFixed(1)} s; ` +
          `highstate ${(r.converge.highstateMs / 1000).toFixed(1)} s (${hs}); VIP answering ${(r.vipMs / 1000).toFixed(1)} s later; total ${(r.totalMs / 1000).toFixed(1)} s\n` +
          `  master config: ${lab.masterDir(c)} (try: brine -c ${lab.masterDir(c)} state highstate '*')`,
      );
      return EXIT.ok;
    }
    case 'status': {
      const s = await lab.status(opts);
      const rows = s.nodes.map(
        (n) =>
          `  ${n.node.padEnd(7)} ${n.namespace.padEnd(12)} ${n.present ? 'up  ' : 'gone'} ${n.address.padEnd(13)}${n.hasVip ? ' VIP' : '    '} ${n.processes.map((p) => `${p.name}:${p.pid}${p.alive ? '' : '(dead)'}`).join(' ')}` +
          n.processes
            .filter((p) => p.supervision)
            .map((p) => `\n            ${p.name}: ${p.supervision}`)
            .join(''),
      );
      print(s, `VIP ${s.vip} on ${s.vipOwner ?? 'nobody'}\n${rows.join('\n')}`);
      return s.nodes.every((n) => n.present) ? EXIT.ok : EXIT.failed;
    }
    case 'failover': {
      const all = lab.SCENARIOS;
      const which = o.scenarios ? (o.scenarios.split(',').map((x) => x.trim()) as (typeof all)[number][]) : [...all];
      for (const w of which) if (!all.includes(w)) throw new Error(`lab failover: unknown scenario ${JSON.stringify(w)} (one of ${all.join(', ')})`);
      const r = await lab.failover(c, { log: say, brine }, which);
      const missed = lab.missedTargets(r);
      print({ ...r, missed }, lab.formatReport(r) + (missed.length ? `\nMISSED: ${missed.join('\nMISSED: ')}` : '\nevery target met'));
      return missed.length ? EXIT.failed : EXIT.ok;
    }
    case 'down': {
      const r = await lab.down(opts);
      print(r, `lab down: killed ${r.killed.length} processes, removed ${r.namespaces.length} namespaces`);
      return EXIT.ok;
    }
    default:
      process.stderr.write(`brine lab: unknown action ${JSON.stringify(action)}${didYouMean(action, ['up', 'status', 'failover', 'down'])}; one of up, status, failover, down\n`);
      return EXIT.error;
  }
}
