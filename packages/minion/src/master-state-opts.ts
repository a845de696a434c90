/**
 * A minion's options for a state run: its own, with the master's state options over them (sent with the
 * `file.envs` answer, as Salt's HighState.__gen_opts reads them from the master); state_events and state_aggregate
 * are on when either side turns them on.
 */
import type { Dict } from '@brine/core';

export function withMasterStateOpts(own: Dict, master: Dict): Dict {
  if (Object.keys(master).length === 0) return own;
  const out: Dict = { ...own, ...master };
  for (const k of ['state_events', 'state_aggregate']) out[k] = own[k] || master[k] || false;
  return out;
}
