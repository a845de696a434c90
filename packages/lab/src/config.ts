/** Lab layout: node names, roles, deterministic addresses, where the lab keeps its state. */
import * as path from 'path';

export type NodeName = 'master' | 'client' | 'kdct1' | 'kdct2' | 'nginx1' | 'nginx2' | 'app1' | 'app2';

export interface NodeSpec {
  name: NodeName;
  /** Last octet of the node's address in the lab /24. */
  host: number;
  /** The `roles` grain (empty for master and client). */
  roles: string[];
}

export const NODES: readonly NodeSpec[] = [
  { name: 'master', host: 2, roles: [] },
  { name: 'client', host: 50, roles: [] },
  { name: 'kdct1', host: 11, roles: ['kdct'] },
  { name: 'kdct2', host: 12, roles: ['kdct'] },
  { name: 'nginx1', host: 21, roles: ['nginx'] },
  { name: 'nginx2', host: 22, roles: ['nginx'] },
  { name: 'app1', host: 31, roles: ['app'] },
  { name: 'app2', host: 32, roles: ['app'] },
];

export interface LabOptions {
  /** Namespace name prefix (default `brl-`): namespaces are `<prefix>br`, `<prefix>kdct1`, ... */
  prefix?: string;
  /** First three octets of the private /24 that exists only inside the namespaces (default `10.213.0`). */
  subnet?: string;
  /** Last octet of the VIP (default 100). */
  vipHost?: number;
  /** State dir: pids, per-node private dirs, mount-namespace handles (default `/run/brine-lab`). */
  stateDir?: string;
}

export interface LabConfig {
  prefix: string;
  subnet: string;
  vip: string;
  stateDir: string;
  bridgeNs: string;
}

export function labConfig(o: LabOptions = {}): LabConfig {
  const prefix = o.prefix ?? 'brl-';
  const subnet = o.subnet ?? '10.213.0';
  if (!/^[a-z0-9-]{1,8}$/.test(prefix)) throw new Error(`lab: prefix ${JSON.stringify(prefix)}: use 1-8 of [a-z0-9-]`);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(subnet);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) throw new Error(`lab: subnet ${JSON.stringify(subnet)}: expected three octets like 10.213.0`);
  // Private ranges only: the lab must never shadow a real network.
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (!(a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168))) throw new Error(`lab: subnet ${subnet}.0/24 is not private (RFC 1918)`);
  return {
    prefix,
    subnet,
    vip: `${subnet}.${o.vipHost ?? 100}`,
    stateDir: path.resolve(o.stateDir ?? '/run/brine-lab'),
    bridgeNs: `${prefix}br`,
  };
}

export function nodeSpec(name: string): NodeSpec {
  const n = NODES.find((x) => x.name === name);
  if (!n) throw new Error(`lab: unknown node ${JSON.stringify(name)} (one of ${NODES.map((x) => x.name).join(', ')})`);
  return n;
}

export const nsName = (c: LabConfig, node: string): string => `${c.prefix}${node}`;
export const nodeIp = (c: LabConfig, node: string): string => `${c.subnet}.${nodeSpec(node).host}`;
export const nodesWithRole = (role: string): NodeName[] => NODES.filter((n) => n.roles.includes(role)).map((n) => n.name);

/** The master's config dir (host path: the master has no private mount namespace, so the CLI reaches its socket). */
export const masterDir = (c: LabConfig): string => path.join(c.stateDir, 'master');
/** The lab-owned pillar root, listed before the repo's: holds the lab's `site.sls` (subnet, VIP). */
export const labPillarDir = (c: LabConfig): string => path.join(c.stateDir, 'pillar');
/** Nodes with a private mount namespace: all but the master (which only needs its network namespace). */
export const hasMountNs = (node: string): boolean => node !== 'master';

/** Host-side paths of one node's private dirs and its mount-namespace handle. */
export function nodePaths(c: LabConfig, node: string) {
  const root = path.join(c.stateDir, 'nodes', node);
  return {
    root,
    /** Bind-mounted over /run, /srv, /tmp inside the node. */
    run: path.join(root, 'run'),
    srv: path.join(root, 'srv'),
    tmp: path.join(root, 'tmp'),
    /** overlayfs upper/work dirs for /etc and /var (copy-on-write over the host's). */
    etcUpper: path.join(root, 'etc.upper'),
    etcWork: path.join(root, 'etc.work'),
    varUpper: path.join(root, 'var.upper'),
    varWork: path.join(root, 'var.work'),
    /** The supervisor's run dir as seen from the host (`/run/brine/services` inside the node): pidfiles, logs. */
    services: path.join(root, 'run', 'brine', 'services'),
    /** Logs of processes the lab started in this node (stdout/stderr). */
    logs: path.join(root, 'logs'),
    /** The persistent mount namespace (a bind mount of /proc/PID/ns/mnt). */
    mntHandle: path.join(c.stateDir, 'mnt', node),
  };
}
