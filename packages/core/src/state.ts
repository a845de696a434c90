/** The vocabulary of states, shared by render (which produces low chunks) and engine (which runs them). */

/** A requisite reference as written in SLS: `- file: nginx_conf`, `- sls: nginx`, or a bare ID (`kind: 'id'`). */
export interface RequisiteRef {
  /** The state module (`file`, `pkg`, ...), `sls`, or `id` (a bare string matches by ID only). */
  kind: string;
  /** As written: a state ID or `name`, an SLS name, or a glob of one (`/etc/salt/minion.d/*`). */
  target: string;
}

/** The requisites that have an inverted form (`require_in`). */
export type InvertibleRequisite = 'require' | 'watch' | 'onchanges' | 'onfail' | 'prereq' | 'listen';

/** Salt's "any" and "all" forms (no `_in` form, as in Salt): met by one target instead of every one, or the reverse. */
export type AnyRequisite = 'require_any' | 'watch_any' | 'onchanges_any' | 'onfail_any' | 'onfail_all';

export type RequisiteType = InvertibleRequisite | AnyRequisite;

/** A requisite key as written on a chunk: `require`, its inverted form `require_in`, or an any/all form. */
export type RequisiteKey = RequisiteType | `${InvertibleRequisite}_in`;

export const REQUISITE_TYPES: readonly InvertibleRequisite[] = ['require', 'watch', 'onchanges', 'onfail', 'prereq', 'listen'];

export const ANY_REQUISITE_TYPES: readonly AnyRequisite[] = ['require_any', 'watch_any', 'onchanges_any', 'onfail_any', 'onfail_all'];

/**
 * One executable unit, after include/extend/names expansion: Salt's low chunk (show_low_sls prints `low`) plus the
 * fields the engine reads. Requisites stay as written; the engine resolves them when it runs.
 */
export interface LowChunk {
  /** The state ID (`__id__`). */
  id: string;
  /** The `name` (defaults to the ID; one chunk per entry of `names`). */
  name: string;
  /** State module, e.g. `file`. */
  state: string;
  /** Function, e.g. `managed`. */
  fun: string;
  /** The SLS this came from (`__sls__`), e.g. `nginx.config`. */
  sls: string;
  /** Environment (`__env__`), normally `base`. */
  env: string;
  /** The source file and line of the ID, for messages. */
  file: string;
  line: number;
  /** Salt's numeric order after `order_chunks` (first = 0, auto order from 10000, last after everything). */
  order: number;
  /** Every other argument (name/names/order/failhard/requisites removed). */
  args: Record<string, unknown>;
  /** Requisites as written on this chunk, `_in` forms included (the engine inverts those at run time). */
  requisites: Partial<Record<RequisiteKey, RequisiteRef[]>>;
  /** Stop the whole run if this one fails. */
  failhard?: boolean;
  /** The chunk exactly as Salt's `state.show_low_sls` prints it, key order included. */
  low?: Record<string, unknown>;
}

/** `true` ok, `false` failed, `null` test mode with pending changes (Salt's None). */
export type ResultValue = boolean | null;

/** Changes in Salt's shape: `{item: {old, new}}`, or `{diff: '...'}` for files. */
export type Changes = Record<string, unknown>;

/** One entry of a highstate return, keyed by `mod_|-id_|-name_|-fun`. */
export interface StateResult {
  __id__: string;
  /** null for a state that came from no SLS (state.single), as Salt's. */
  __sls__: string | null;
  __run_num__: number;
  name: string;
  result: ResultValue;
  changes: Changes;
  comment: string;
  /** Milliseconds, as Salt reports it. */
  duration: number;
  /** HH:MM:SS.ffffff local time, as Salt reports it. */
  start_time: string;
}

/** A whole state run keyed by tag, in run order. */
export type StateReturn = Record<string, StateResult>;

export function stateTag(c: Pick<LowChunk, 'state' | 'id' | 'name' | 'fun'>): string {
  return `${c.state}_|-${c.id}_|-${c.name}_|-${c.fun}`;
}
