/** The grains the lab gives each minion (its `grains:` config): the roles that the top files match on. */
import { NODES, nodeSpec, type LabConfig } from './config';

/** Custom grains of a lab node: `roles` (kdct, nginx, app) and which lab it belongs to. */
export function labGrains(c: LabConfig, node: string): Record<string, unknown> {
  return { roles: [...nodeSpec(node).roles], lab_prefix: c.prefix };
}

/** The minions the roles apply to (master and client have no role). */
export const ROLE_NODES = NODES.filter((n) => n.roles.length > 0).map((n) => n.name);
