/**
 * What a minion in the lab would see when rendering the roles: its grains and the mine (every node's
 * `network.ip_addrs` on eth0). Used to render states/ + pillar/ for the lab until master and minions run there.
 */
import { NODES, nodeIp, nodeSpec, type LabConfig } from './config';

/** Grains of a lab node: `id`, `roles`, and the OS facts the pillar looks at. */
export function labGrains(c: LabConfig, node: string): Record<string, unknown> {
  const spec = nodeSpec(node);
  return {
    id: spec.name,
    roles: [...spec.roles],
    os: 'Debian',
    os_family: 'Debian',
    kernel: 'Linux',
    ipv4: ['127.0.0.1', nodeIp(c, node)],
    lab_prefix: c.prefix,
  };
}

/** Salt call shape used by Brine's renderer: positional args, then keyword args. */
export type SaltCall = (args: unknown[], kwargs: Record<string, unknown>) => unknown;

/** `mine.get(tgt, 'network.ip_addrs', tgt_type)` over the lab nodes (glob, `roles:X` grain, or list). */
export function labMineGet(c: LabConfig): SaltCall {
  return (args, kwargs) => {
    const tgt = String(args[0] ?? kwargs['tgt'] ?? '*');
    const fun = String(args[1] ?? kwargs['fun'] ?? '');
    const type = String(args[2] ?? kwargs['tgt_type'] ?? kwargs['expr_form'] ?? 'glob');
    if (fun !== 'network.ip_addrs') return {};
    let ids: string[];
    if (type === 'grain') {
      const [key, val] = tgt.split(':', 2);
      if (key !== 'roles') return {};
      ids = NODES.filter((n) => n.roles.includes(val!)).map((n) => n.name);
    } else if (type === 'list') ids = (Array.isArray(tgt) ? tgt : tgt.split(',')).map(String);
    else {
      const re = new RegExp(`^${tgt.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      ids = NODES.map((n) => n.name).filter((n) => re.test(n));
    }
    return Object.fromEntries(ids.filter((id) => NODES.some((n) => n.name === id)).map((id) => [id, [nodeIp(c, id)]]));
  };
}

/** `network.ip_addrs` of the node itself (eth0 only; the VIP carries the label eth0:vip and is not listed). */
export function labIpAddrs(c: LabConfig, node: string): SaltCall {
  return () => [nodeIp(c, node)];
}

/** The minions the roles apply to (master and client have no role). */
export const ROLE_NODES = NODES.filter((n) => n.roles.length > 0).map((n) => n.name);
