/**
 * Brine itself in the lab: the master in the `master` namespace, one minion per role node inside that node's
 * namespaces, keys accepted and highstate run with the real CLI (`brine -c <masterDir> ...`, from the root
 * namespace: it talks to the master over the control socket in the master's config dir, a host path).
 *
 *   master  network namespace only (no private mount namespace): config dir `<stateDir>/master`, every path in it
 *           relative (pki, cache, sock, log), file_roots = the repo's `states/`, pillar_roots = the lab's own root
 *           (`<stateDir>/pillar`, holding `site.sls` with the lab's subnet and VIP) first, then the repo's `pillar/`.
 *           Listens on its lab address (ports 4505/4506) only. Each node's `roles` grain is pinned in
 *           `minion_grains` (the master trusts no minion's claim about its roles).
 *   minion  in its node's network + mount namespace, with Salt's standard paths there: `/etc/brine/minion`,
 *           `/etc/brine/pki/minion`, `/var/cache/brine/minion`, `/var/log/brine/minion` (all private to the node),
 *           `master: <master's lab address>`, grains `roles: [...]`, the supervisor service provider with its
 *           default `/etc/brine/services.d` and `/run/brine/services`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify as toYaml } from 'yaml';
import { NODES, labPillarDir, masterDir, nodeIp, nodePaths, type LabConfig } from './config';
import { nodeExecOk, nodeSpawn, tracked } from './exec';
import { run, sleep, type RunResult } from './proc';
import { labGrains, ROLE_NODES } from './roles';

/** The repository (packages/lab/{src,dist}/ -> ../../..): states/, pillar/ and the CLI. */
export const REPO = path.resolve(__dirname, '../../..');

export interface BrineOptions {
  /** The built CLI (default `<repo>/packages/cli/bin/brine.js`). */
  brineBin?: string;
  /** V8 flags for the minions (the CLI passes its MINION_NODE_FLAGS). */
  minionNodeFlags?: string[];
  /** State tree and pillar roots (default: the repo's `states/` and `pillar/`). */
  stateRoots?: string[];
  pillarRoots?: string[];
  /** Per-run timeout passed to `brine state ... -t` (seconds, default 120). */
  highstateTimeoutS?: number;
  log?: (msg: string) => void;
}

const bin = (o: BrineOptions) => o.brineBin ?? path.join(REPO, 'packages/cli/bin/brine.js');

/** Run the CLI against the lab's master (root namespace). */
export function brine(c: LabConfig, args: string[], o: BrineOptions = {}, timeoutMs = 180_000): Promise<RunResult> {
  return run([process.execPath, bin(o), '-c', masterDir(c), ...args], { timeoutMs, env: { ...process.env, NO_COLOR: '1' } as Record<string, string> });
}

async function brineOk(c: LabConfig, args: string[], o: BrineOptions = {}, timeoutMs?: number): Promise<string> {
  const r = await brine(c, args, o, timeoutMs);
  if (r.code !== 0) throw new Error(`lab: brine ${args.join(' ')} failed with exit code ${r.code}:\n${(r.stderr + r.stdout).trim().slice(-4000)}`);
  return r.stdout;
}

/** Paths the nodes must see unchanged: their /run, /srv and /tmp are private, so the repo must not live there. */

/** Master config + the lab's pillar root (site.sls with the lab's network). */
export function configureMaster(c: LabConfig, o: BrineOptions = {}): void {
  const dir = masterDir(c);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pillar = labPillarDir(c);
  fs.mkdirSync(pillar, { recursive: true });
  fs.writeFileSync(
    path.join(pillar, 'site.sls'),
    `# Written by brine lab: the lab's network (only inside its namespaces), over pillar/common.sls.\n${toYaml({ net: { cidr: `${c.subnet}.0/24`, vip: c.vip } })}`,
  );
  const cfg = {
    interface: nodeIp(c, 'master'),
    publish_port: 4505,
    ret_port: 4506,
    pki_dir: 'pki',
    cachedir: 'cache',
    sock_dir: 'sock',
    log_file: 'master.log',
    file_roots: { base: o.stateRoots ?? [path.join(REPO, 'states')] },
    pillar_roots: { base: [pillar, ...(o.pillarRoots ?? [path.join(REPO, 'pillar')])] },
    timeout: 30,
    // The roles the pillar hands secrets by, pinned on the master: what a minion says about its own roles is ignored.
    minion_grains: Object.fromEntries(ROLE_NODES.map((n) => [n, { roles: labGrains(c, n)['roles'] }])),
  };
  fs.writeFileSync(path.join(dir, 'master'), toYaml(cfg));
}

/** The minion config a node gets at /etc/brine/minion. */
export function minionConfig(c: LabConfig, node: string): Record<string, unknown> {
  return {
    id: node,
    master: nodeIp(c, 'master'),
    master_port: 4506,
    publish_port: 4505,
    grains: labGrains(c, node),
    providers: { service: 'supervisor' },
    ping_interval: 2,
    random_reauth_delay: 0.5,
    acceptance_wait_time: 0.25,
    acceptance_wait_time_max: 1,
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`lab: timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export async function startMaster(c: LabConfig, o: BrineOptions = {}): Promise<void> {
  if (tracked(c, 'master', 'brine-master')) return;
  configureMaster(c, o);
  const dir = masterDir(c);
  await nodeSpawn(c, 'master', [process.execPath, bin(o), 'master', '-c', dir], { name: 'brine-master', env: { NO_COLOR: '1' } });
  await waitFor(() => fs.existsSync(path.join(dir, 'sock', 'control.token')), 20_000, `the master's control socket (${path.join(dir, 'master.log')})`);
}

export async function startMinion(c: LabConfig, node: string, o: BrineOptions = {}): Promise<void> {
  if (tracked(c, node, 'brine-minion')) return;
  await nodeExecOk(c, node, ['sh', '-c', 'mkdir -p /etc/brine && umask 077 && cat > /etc/brine/minion', 'sh'], { input: toYaml(minionConfig(c, node)) });
  await nodeSpawn(c, node, [process.execPath, ...(o.minionNodeFlags ?? []), bin(o), 'minion', '-c', '/etc/brine'], { name: 'brine-minion', env: { NO_COLOR: '1' } });
}

/** Accept the minions' keys once they are all pending, then wait until every minion answers test.ping. */
export async function acceptKeys(c: LabConfig, ids: string[] = ROLE_NODES, o: BrineOptions = {}): Promise<void> {
  const pki = path.join(masterDir(c), 'pki', 'minions');
  const has = (id: string) => ['pending', 'accepted'].some((s) => fs.existsSync(path.join(pki, s, id)));
  await waitFor(() => ids.every(has), 30_000, `minion keys (${ids.filter((id) => !has(id)).join(', ')}; see ${nodePaths(c, ids[0]!).logs}/brine-minion.log)`);
  await brineOk(c, ['key', 'accept', '--all', '-y'], o, 30_000);
  await waitAnswering(c, ids, o);
}

/** Wait until every minion in `ids` answers test.ping (30 s at most). */
export async function waitAnswering(c: LabConfig, ids: string[] = ROLE_NODES, o: BrineOptions = {}): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await brine(c, ['run', ids.join(','), '-L', 'test.ping', '--out', 'json', '-t', '3'], o, 30_000);
    let ok: string[] = [];
    try {
      ok = Object.entries(JSON.parse(r.stdout) as Record<string, unknown>).filter(([, v]) => v === true).map(([k]) => k);
    } catch {
      /* not yet */
    }
    if (ids.every((id) => ok.includes(id))) return;
    if (Date.now() > deadline) throw new Error(`lab: minions not answering after key acceptance: ${ids.filter((id) => !ok.includes(id)).join(', ')}\n${r.stderr}${r.stdout}`);
    await sleep(200);
  }
}

export interface StateResultEntry {
  result: boolean | null;
  changes: Record<string, unknown>;
  comment: string;
  name?: string;
  duration?: number;
}

export interface NodeRun {
  node: string;
  states: number;
  changed: number;
  failed: number;
  /** State tags that did not succeed (with their comment). */
  failures: string[];
  changedTags: string[];
}

export interface HighstateRun {
  target: string;
  code: number;
  ms: number;
  nodes: Record<string, NodeRun>;
  /** The raw JSON returns by minion. */
  raw: Record<string, unknown>;
  stderr: string;
}

/** `brine state highstate TARGET` (or `state sls TARGET SLS`) with JSON output, summarised per node. */
export async function highstate(c: LabConfig, target: { tgt: string; grain?: boolean; list?: boolean }, o: BrineOptions = {}, extra: { sls?: string; args?: string[] } = {}): Promise<HighstateRun> {
  const t = o.highstateTimeoutS ?? 120;
  const flags = [...(target.grain ? ['-G'] : []), ...(target.list ? ['-L'] : [])];
  const head = extra.sls ? ['state', 'sls'] : ['state', 'highstate'];
  const t0 = Date.now();
  const r = await brine(c, [...head, target.tgt, ...(extra.sls ? [extra.sls] : []), ...(extra.args ?? []), ...flags, '--out', 'json', '-t', String(t)], o, (t + 60) * 1000);
  const ms = Date.now() - t0;
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`lab: brine ${head.join(' ')} ${target.tgt}: exit ${r.code}, output is not JSON:\n${(r.stderr + r.stdout).trim().slice(-4000)}`);
  }
  const nodes: Record<string, NodeRun> = {};
  for (const [node, ret] of Object.entries(raw)) {
    const n: NodeRun = { node, states: 0, changed: 0, failed: 0, failures: [], changedTags: [] };
    if (ret && typeof ret === 'object' && !Array.isArray(ret)) {
      for (const [tag, v] of Object.entries(ret as Record<string, StateResultEntry>)) {
        n.states++;
        if (v.result !== true) {
          n.failed++;
          n.failures.push(`${tag}: ${v.comment}`);
        }
        if (v.changes && Object.keys(v.changes).length) {
          n.changed++;
          n.changedTags.push(tag);
        }
      }
    } else {
      n.failed++;
      n.failures.push(Array.isArray(ret) ? ret.map(String).join('; ') : String(ret));
    }
    nodes[node] = n;
  }
  return { target: target.tgt, code: r.code, ms, nodes, raw, stderr: r.stderr };
}

export function formatRun(r: HighstateRun): string {
  const lines = Object.values(r.nodes)
    .sort((a, b) => a.node.localeCompare(b.node))
    .map((n) => `  ${n.node.padEnd(7)} ${n.states} states, ${n.changed} changed, ${n.failed} failed${n.failures.length ? `\n    ${n.failures.join('\n    ')}` : ''}`);
  return `highstate ${r.target}: exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s\n${lines.join('\n')}`;
}

export interface ConvergeResult {
  /** Minions started -> keys accepted -> all answering (ms). */
  keysMs: number;
  /** The highstate runs, in order (app tier first, then everything). */
  runs: HighstateRun[];
  /** Wall time of the highstate runs together (ms). */
  highstateMs: number;
}

/**
 * The real path: master, six minions, keys, highstate. The app tier converges first (`-G roles:app`) so its
 * web apps listen before nginx starts sending traffic (with max_fails=1 an early connection refused marks a
 * backend down for fail_timeout); then `'*'` converges the balancers and nginx (the apps: 0 changes).
 */
export async function converge(c: LabConfig, o: BrineOptions = {}): Promise<ConvergeResult> {
  const log = o.log ?? (() => {});
  await startMaster(c, o);
  const t0 = Date.now();
  for (const n of ROLE_NODES) await startMinion(c, n, o);
  await acceptKeys(c, ROLE_NODES, o);
  // mine data: each minion sends it after its first pillar refresh; make sure it is there before rendering
  await brineOk(c, ['run', '*', 'mine.update', '-t', '10'], o, 60_000);
  const keysMs = Date.now() - t0;
  log(`master and ${ROLE_NODES.length} minions up, keys accepted, mine updated in ${keysMs} ms`);
  // The order (app tier, mine.update, everything) is states/orch/stack.sls, run by the master: brine orchestrate.
  const h0 = Date.now();
  const r = await brine(c, ['orchestrate', 'orch.stack', '--out', 'json'], o, 600_000);
  const runs = orchestrateRuns(r.stdout, r.code, r.stderr);
  for (const run of runs) log(formatRun(run));
  if (r.code !== 0 || !runs.length || runs.some((x) => x.code !== 0 || Object.values(x.nodes).some((n) => n.failed))) throw new Error(`lab: brine orchestrate orch.stack: exit ${r.code}\n${runs.map(formatRun).join('\n')}\n${(r.stderr + r.stdout).trim().slice(-4000)}`);
  return { keysMs, runs, highstateMs: Date.now() - h0 };
}

/** The salt.state steps of an orchestration's JSON output as highstate runs (minions without changes: no states). */
export function orchestrateRuns(stdout: string, code: number, stderr: string): HighstateRun[] {
  let data: Record<string, Record<string, StateResultEntry & { __id__: string; __run_num__: number }>>;
  try {
    data = JSON.parse(stdout);
  } catch {
    return [];
  }
  const steps = Object.entries(Object.values(data)[0] ?? {}).filter(([tag]) => tag.startsWith('salt_|-') && tag.endsWith('_|-state')).sort((a, b) => a[1].__run_num__ - b[1].__run_num__);
  return steps.map(([, st]) => {
    const raw = ((st.changes as { ret?: Record<string, unknown> }).ret ?? {}) as Record<string, unknown>;
    const nodes: Record<string, NodeRun> = {};
    for (const id of /No changes made to ([^.]+)\./.exec(st.comment)?.[1]?.split(', ') ?? []) nodes[id] = { node: id, states: 0, changed: 0, failed: 0, failures: [], changedTags: [] };
    for (const [node, ret] of Object.entries(raw)) {
      const entries = ret && typeof ret === 'object' && !Array.isArray(ret) ? Object.entries(ret as Record<string, StateResultEntry>) : [];
      const failures = entries.filter(([, v]) => v.result !== true).map(([t, v]) => `${t}: ${v.comment}`);
      if (!entries.length) failures.push(Array.isArray(ret) ? ret.map(String).join('; ') : String(ret));
      const changedTags = entries.filter(([, v]) => v.changes && Object.keys(v.changes).length).map(([t]) => t);
      nodes[node] = { node, states: entries.length, changed: changedTags.length, failed: failures.length, failures, changedTags };
    }
    return { target: st.__id__, code: st.result === false ? code || 2 : 0, ms: st.duration ?? 0, nodes, raw, stderr };
  });
}

/** Nodes a minion runs on. */
export const MINION_NODES = NODES.filter((n) => n.roles.length).map((n) => n.name);
