/**
 * `up`: the whole lab. The topology (namespaces), then Brine for real: the master in the `master` namespace, a
 * minion per role node, keys accepted, highstate (app tier first, then everything), and the VIP answering from
 * the client namespace. On failure the state file still lists what was made, so `down` removes it.
 */
import { converge, type BrineOptions, type ConvergeResult } from './brine';
import { labConfig, type LabOptions } from './config';
import { ensureBaseline } from './failover';
import { buildTopology, type UpResult } from './topology';

export interface LabUpResult extends UpResult {
  converge: ConvergeResult;
  /** Topology built (ms). */
  topologyMs: number;
  /** End of highstate -> VIP elected on kdct1 and answering through NAT, nginx and an app (ms). */
  vipMs: number;
  totalMs: number;
}

export async function up(opts: LabOptions & BrineOptions = {}): Promise<LabUpResult> {
  const c = labConfig(opts);
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const topo = await buildTopology(opts);
  const topologyMs = Date.now() - t0;
  log(`topology: ${topo.namespaces.length} namespaces in ${topologyMs} ms`);
  const conv = await converge(c, opts);
  const t1 = Date.now();
  await ensureBaseline(c, 20_000);
  const vipMs = Date.now() - t1;
  log(`VIP ${c.vip} answering from the client ${vipMs} ms after the highstate`);
  return { ...topo, converge: conv, topologyMs, vipMs, totalMs: Date.now() - t0 };
}
