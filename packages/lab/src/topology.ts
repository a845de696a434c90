/**
 * The lab topology on one machine. A bridge namespace (`<prefix>br`, bridge `br0`) and one namespace per node,
 * each joined by a veth (`v-NODE` on the bridge, `eth0` in the node) created directly inside the namespaces:
 * nothing is created in the root network namespace, and the /24 exists only inside the namespaces.
 *
 * Private /etc and /run: every node also gets a persistent mount namespace (`unshare --mount=<handle>`, the handle
 * being a bind mount of /proc/PID/ns/mnt under `<stateDir>/mnt/`, a private mount):
 *   /etc, /var  overlayfs with the host's as lower dir and `<stateDir>/nodes/NODE/{etc,var}.upper` as upper:
 *               the node sees the installed packages' files, its own writes stay its own;
 *   /run, /srv, /tmp  bind mounts of `<stateDir>/nodes/NODE/{run,srv,tmp}` (empty at start);
 *   /sys        a sysfs mounted from inside the node's network namespace (as `ip netns exec` does).
 * Every process the lab starts in a node enters both namespaces (nsenter), so two nginx or keepalived instances
 * never share a config, pidfile or socket, even at their default paths.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NODES, hasMountNs, labConfig, nodeIp, nodePaths, nsName, type LabConfig, type LabOptions } from './config';
import { enterArgv } from './exec';
import { alive, killPid, mustRun, run, sleep } from './proc';
import { readState, stateFile, updateState } from './state';

async function netnsList(): Promise<string[]> {
  const out = (await run(['ip', '-j', 'netns', 'list'])).stdout.trim();
  if (!out) return [];
  try {
    return (JSON.parse(out) as { name: string }[]).map((x) => x.name);
  } catch {
    return out.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
  }
}

function isMountpoint(p: string): boolean {
  const real = fs.existsSync(p) ? fs.realpathSync(p) : p;
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines.some((l) => l.split(' ')[4] === real);
}

async function linkExists(ns: string, dev: string): Promise<boolean> {
  return (await run(['ip', '-n', ns, 'link', 'show', dev])).code === 0;
}

/**
 * Host paths every node must still see although /run, /srv and /tmp are private there: the checkout (the minions
 * run its CLI, the master reads its states/ and pillar/) and Node itself. They are bound back at the same path.
 */
export function keptVisible(): string[] {
  const repo = path.resolve(__dirname, '../../..');
  return [repo, path.dirname(process.execPath)].filter((p, i, all) => /^\/(run|srv|tmp)\//.test(p) && all.indexOf(p) === i);
}

/** The private mount namespace of one node (idempotent). */
async function makeMountNs(c: LabConfig, node: string, netnsIsNew: boolean): Promise<void> {
  const p = nodePaths(c, node);
  if (isMountpoint(p.mntHandle)) {
    if (!netnsIsNew) return;
    // its /sys belongs to a network namespace that no longer exists: make it again
    await mustRun(['umount', p.mntHandle]);
  }
  for (const d of [p.run, p.srv, p.tmp, p.etcUpper, p.etcWork, p.varUpper, p.varWork, p.logs, path.join(p.run, 'lock')]) fs.mkdirSync(d, { recursive: true });
  fs.chmodSync(p.tmp, 0o1777);
  fs.chmodSync(path.join(p.run, 'lock'), 0o1777);
  fs.writeFileSync(p.mntHandle, '');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const keep = keptVisible().flatMap((k) => {
    const [, top, rest] = /^\/(run|srv|tmp)\/(.*)$/.exec(k)!;
    const inside = path.join(top === 'run' ? p.run : top === 'srv' ? p.srv : p.tmp, rest!);
    fs.mkdirSync(inside, { recursive: true });
    return [`mount --bind ${q(k)} ${q(inside)}`];
  });
  const script = [
    'set -e',
    // sysfs of the node's network namespace (before /run is covered: /run/netns is needed here)
    'umount -l /sys',
    `nsenter --net=/run/netns/${nsName(c, node)} mount -t sysfs sysfs /sys`,
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${q(p.etcUpper)},workdir=${q(p.etcWork)} /etc`,
    `mount -t overlay overlay -o lowerdir=/var,upperdir=${q(p.varUpper)},workdir=${q(p.varWork)} /var`,
    ...keep,
    `mount --rbind ${q(p.srv)} /srv`,
    `mount --rbind ${q(p.tmp)} /tmp`,
    `mount --rbind ${q(p.run)} /run`,
  ].join('\n');
  await mustRun(['unshare', `--mount=${p.mntHandle}`, '--propagation', 'private', 'sh', '-c', script]);
}

export interface UpResult {
  namespaces: string[];
  addresses: Record<string, string>;
  vip: string;
}

/** Programs the lab and the roles need on this host (scripts/install-deps.sh installs them). */
export const REQUIRED_TOOLS = ['/usr/sbin/keepalived', '/usr/sbin/conntrackd', '/usr/sbin/conntrack', '/usr/sbin/nft', '/usr/sbin/nginx', '/usr/bin/curl', '/usr/bin/nsenter', '/usr/bin/unshare', '/usr/sbin/ip', '/usr/sbin/sysctl'];

/** Fails with one clear message naming every missing prerequisite (root, Linux, tools). */
export function preflight(): void {
  const problems: string[] = [];
  if (process.platform !== 'linux') problems.push(`Linux only (this is ${process.platform})`);
  if (process.getuid?.() !== 0) problems.push('needs root (network and mount namespaces)');
  const missing = REQUIRED_TOOLS.filter((t) => !fs.existsSync(t));
  if (missing.length) problems.push(`missing ${missing.join(', ')} (install with: bash scripts/install-deps.sh)`);
  // The app role runs /usr/bin/node from the Debian package nodejs: the nodes have no network to install it.
  if (!fs.existsSync('/usr/bin/node')) problems.push('missing /usr/bin/node (the app role needs the Debian package nodejs already installed)');
  if (problems.length) throw new Error(`lab: cannot run here: ${problems.join('; ')}`);
}

/** Build the topology (namespaces, bridge, veths, per-node mount namespaces). Safe to run again on a complete or partial lab. */
export async function buildTopology(opts: LabOptions = {}): Promise<UpResult> {
  const c = labConfig(opts);
  preflight();
  fs.mkdirSync(path.join(c.stateDir, 'mnt'), { recursive: true, mode: 0o700 });
  const mnt = path.join(c.stateDir, 'mnt');
  if (!isMountpoint(mnt)) {
    // mount-namespace handles must live on a private mount, or the kernel refuses the bind (propagation loop)
    await mustRun(['mount', '--bind', mnt, mnt]);
    await mustRun(['mount', '--make-private', mnt]);
  }
  const existing = new Set(await netnsList());
  const wanted = [c.bridgeNs, ...NODES.map((n) => nsName(c, n.name))];
  updateState(c, (s) => {
    s.namespaces = [...new Set([...s.namespaces, ...wanted])];
  });
  for (const ns of wanted) if (!existing.has(ns)) await mustRun(['ip', 'netns', 'add', ns]);

  const br = c.bridgeNs;
  if (!(await linkExists(br, 'br0'))) await mustRun(['ip', '-n', br, 'link', 'add', 'br0', 'type', 'bridge']);
  await mustRun(['ip', '-n', br, 'link', 'set', 'lo', 'up']);
  await mustRun(['ip', '-n', br, 'link', 'set', 'br0', 'up']);
  const addresses: Record<string, string> = {};
  for (const n of NODES) {
    const ns = nsName(c, n.name);
    const v = `v-${n.name}`;
    if (!(await linkExists(br, v))) {
      if (await linkExists(ns, 'eth0')) await mustRun(['ip', '-n', ns, 'link', 'del', 'eth0']);
      await mustRun(['ip', 'link', 'add', v, 'netns', br, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    }
    await mustRun(['ip', '-n', br, 'link', 'set', v, 'master', 'br0', 'up']);
    await mustRun(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    // no IPv6 in the lab: no router solicitations or MLD reports on the bridge
    await run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    addresses[n.name] = nodeIp(c, n.name);
    await mustRun(['ip', '-n', ns, 'addr', 'replace', `${addresses[n.name]}/24`, 'dev', 'eth0']);
    await mustRun(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    if (hasMountNs(n.name)) await makeMountNs(c, n.name, !existing.has(ns));
  }
  return { namespaces: wanted, addresses, vip: c.vip };
}

export interface DownResult {
  killed: number[];
  namespaces: string[];
}

/** Remove everything the lab made: processes (by pid), mount namespaces, network namespaces, the state dir. */
export async function down(opts: LabOptions = {}): Promise<DownResult> {
  const c = labConfig(opts);
  const st = readState(c);
  const ours = new Set([...(st?.namespaces ?? []), c.bridgeNs, ...NODES.map((n) => nsName(c, n.name))]);
  const present = (await netnsList()).filter((n) => ours.has(n));
  // 1. processes: the tracked ones, and anything else living in a lab namespace (e.g. started by a minion there)
  const victims = new Map<number, string | undefined>();
  for (const p of st?.processes ?? []) if (alive(p.pid, p.start)) victims.set(p.pid, p.start);
  for (const ns of present) {
    for (const l of (await run(['ip', 'netns', 'pids', ns])).stdout.split('\n')) if (/^\d+$/.test(l.trim())) victims.set(Number(l.trim()), undefined);
  }
  const killed = [...victims.keys()].filter((pid) => pid !== process.pid);
  await Promise.all(killed.map((pid) => killPid(pid, victims.get(pid), 3000)));
  // 2. mount namespaces
  const mnt = path.join(c.stateDir, 'mnt');
  if (fs.existsSync(mnt)) {
    for (const f of fs.readdirSync(mnt)) {
      const h = path.join(mnt, f);
      if (isMountpoint(h)) await run(['umount', h]);
      fs.rmSync(h, { force: true });
    }
    if (isMountpoint(mnt)) await run(['umount', mnt]);
  }
  // 3. network namespaces (deleting a node's namespace deletes its veth pair)
  for (const ns of present.filter((n) => n !== c.bridgeNs).concat(present.filter((n) => n === c.bridgeNs))) {
    await run(['ip', 'netns', 'del', ns]);
  }
  // 4. the state dir: only what the lab writes there
  for (const sub of ['nodes', 'mnt', 'master', 'pillar', 'files', 'runs']) fs.rmSync(path.join(c.stateDir, sub), { recursive: true, force: true });
  fs.rmSync(stateFile(c), { force: true });
  try {
    fs.rmdirSync(c.stateDir);
  } catch {
    /* not empty: something else lives there; leave it */
  }
  await sleep(0);
  return { killed, namespaces: present };
}

export interface NodeStatus {
  node: string;
  namespace: string;
  present: boolean;
  address: string;
  hasVip: boolean;
  processes: { name: string; pid: number; alive: boolean; supervision?: string }[];
}

export interface LabStatus {
  vip: string;
  vipOwner: string | null;
  nodes: NodeStatus[];
}

/** The keeper's view of a service: policy, restarts, state (e.g. `on-failure 0.1s burst 5/10s, restarts 1, last killed by SIGKILL`). */
function supervisionOf(dir: string, name: string): string | undefined {
  let st: Record<string, unknown>;
  try {
    st = JSON.parse(fs.readFileSync(path.join(dir, `${name}.state.json`), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const keeper = Number(st['keeper']);
  const up = keeper > 0 && alive(keeper);
  const policy = `restart ${String(st['restart'])} ${Number(st['restartSecMs']) / 1000}s, burst ${String(st['startLimitBurst'])}/${Number(st['startLimitIntervalMs']) / 1000}s`;
  const state = st['state'] === 'failed' ? `FAILED (${String(st['reason'])})` : up ? String(st['state']) : 'unsupervised (keeper gone)';
  return `${state}; ${policy}; restarts ${String(st['restarts'])}${st['lastExit'] ? `, last ${String(st['lastExit'])}` : ''}`;
}

/** The NAT health checker's verdicts on a balancer (its `/run/brine-nat/health.json`), for `status`. */
function natVerdicts(c: LabConfig, node: string): string {
  try {
    const h = JSON.parse(fs.readFileSync(path.join(nodePaths(c, node).run, 'brine-nat', 'health.json'), 'utf8')) as { table_loaded: boolean; targets: Record<string, { up: boolean; last_error: string | null }> };
    const t = Object.entries(h.targets).map(([k, v]) => `${k.split(' ').pop()} ${v.up ? 'up' : `DOWN (${v.last_error ?? '?'})`}`);
    return `NAT targets: ${t.join(', ') || 'none'}${h.table_loaded ? '' : ', ruleset NOT loaded'}`;
  } catch {
    return 'NAT targets: no verdict yet';
  }
}

function supervised(c: LabConfig, node: string): { name: string; pid: number; alive: boolean; supervision?: string }[] {
  const dir = nodePaths(c, node).services;
  if (!fs.existsSync(dir)) return [];
  const names = new Set(fs.readdirSync(dir).filter((f) => f.endsWith('.state.json') || (f.endsWith('.pid') && !f.endsWith('.keeper.pid'))).map((f) => f.replace(/\.(state\.json|pid)$/, '')));
  return [...names]
    .map((name) => {
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(dir, `${name}.pid`), 'utf8').trim());
      } catch {
        /* not running */
      }
      const sup = supervisionOf(dir, name);
      return { name, pid: Number.isInteger(pid) && pid > 0 ? pid : 0, alive: pid > 0 && alive(pid), supervision: sup && name === 'brine-nat-health' ? `${sup}; ${natVerdicts(c, node)}` : sup };
    })
    .filter((p) => p.pid > 0 || p.supervision);
}

export async function status(opts: LabOptions = {}): Promise<LabStatus> {
  const c = labConfig(opts);
  const st = readState(c);
  const present = new Set(await netnsList());
  const nodes: NodeStatus[] = [];
  for (const n of NODES) {
    const ns = nsName(c, n.name);
    let hasVip = false;
    if (present.has(ns)) hasVip = (await run(['ip', '-n', ns, '-4', '-o', 'addr', 'show'])).stdout.includes(` ${c.vip}/`);
    nodes.push({
      node: n.name,
      namespace: ns,
      present: present.has(ns),
      address: nodeIp(c, n.name),
      hasVip,
      processes: [
        // what the lab started (master, minions, restarted services), still alive
        ...(st?.processes ?? [])
          .filter((p) => p.node === n.name && alive(p.pid, p.start) && !p.name.startsWith('probe-') && !p.name.startsWith('stream-'))
          .map((p) => ({ name: p.name, pid: p.pid, alive: true })),
        // what the minion's supervisor runs (its pidfiles, seen from the host)
        ...supervised(c, n.name).filter((p) => !(st?.processes ?? []).some((t) => t.pid === p.pid)),
        // the lab's own keepers (restarted services) are listed by their service above
      ].filter((p) => !p.name.startsWith('keeper-')),
    });
  }
  return { vip: c.vip, vipOwner: nodes.find((n) => n.hasVip)?.node ?? null, nodes };
}

/** Which node holds the VIP right now (null: none). */
/** Every balancer that has the VIP on an interface right now (one, when VRRP is healthy). */
export async function vipHolders(c: LabConfig): Promise<string[]> {
  const out: string[] = [];
  for (const n of NODES.filter((x) => x.roles.includes('kdct'))) {
    if ((await run(['ip', '-n', nsName(c, n.name), '-4', '-o', 'addr', 'show'])).stdout.includes(` ${c.vip}/`)) out.push(n.name);
  }
  return out;
}

export async function vipOwner(c: LabConfig): Promise<string | null> {
  return (await vipHolders(c))[0] ?? null;
}

export { enterArgv };
