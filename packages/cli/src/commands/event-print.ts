/**
 * How `brine event listen` and `brine runner state.event` print an event: Salt's `state.event` form, the tag, a tab,
 * then the data as JSON (`pretty`: sorted keys, indented by four, as `salt-run state.event pretty=True`); with
 * `--out json`, one JSON document `{"tag", "data"}` per line.
 */
import type { OutName } from '../output';

export function formatEvent(e: { tag: string; data: unknown }, o: { pretty: boolean; out?: OutName }): string {
  if (o.out === 'json') return JSON.stringify({ tag: e.tag, data: e.data });
  return `${e.tag}\t${o.pretty ? JSON.stringify(sortKeys(e.data), null, 4) : JSON.stringify(e.data)}`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
