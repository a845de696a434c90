/**
 * The master's options a minion's state run takes, as Salt's HighState.__gen_opts copies them from the master
 * (salt/state.py): the renderer, failhard, the top file and its environment, nodegroups, auto order, how top files
 * merge and in what order, and the Jinja settings. Sent with the `file.envs` answer; Salt's master defaults fill
 * what the master's configuration leaves out.
 */
import type { Dict } from '@brine/core';

function topUrl(v: unknown): string {
  const s = typeof v === 'string' && v ? v : 'top.sls';
  if (s.startsWith('salt://')) return s;
  return `salt://${s.replace(/^\/+/, '')}`;
}

export function masterStateOpts(o: Dict): Dict {
  const pick = <T>(k: string, d: T): unknown => (o[k] === undefined || o[k] === null ? d : o[k]);
  return {
    renderer: pick('renderer', 'jinja|yaml'),
    failhard: pick('failhard', false),
    state_top: topUrl(o['state_top']),
    state_top_saltenv: pick('state_top_saltenv', null),
    nodegroups: pick('nodegroups', {}),
    state_auto_order: pick('state_auto_order', true),
    top_file_merging_strategy: pick('top_file_merging_strategy', 'merge'),
    env_order: pick('env_order', []),
    default_top: pick('default_top', 'base'),
    state_events: pick('state_events', false),
    state_aggregate: pick('state_aggregate', false),
    jinja_env: pick('jinja_env', {}),
    jinja_sls_env: pick('jinja_sls_env', {}),
    jinja_lstrip_blocks: pick('jinja_lstrip_blocks', false),
    jinja_trim_blocks: pick('jinja_trim_blocks', false),
  };
}
