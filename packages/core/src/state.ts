/** The vocabulary of states, shared by render (which produces low chunks) and engine (which runs them). */

/** A requisite reference as written in SLS: `- file: nginx_conf` or `- sls: nginx`. */
export interface RequisiteRef {
  /** The state module (`file`, `pkg`, ...) or `sls`; `id` matches by ID only. */
  kind: string;
  /** The target: a state ID, a `name`, or an SLS name when kind is `sls`. */
  target: string;
}

export type RequisiteType = 'require' | 'watch' | 'onchanges' | 'onfail' | 'prereq' | 'listen';

/**
 * One executable unit, after include/extend/names expansion and `_in` inversion.
 * Shaped like Salt's lowstate chunk (show_lowstate prints these).
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
  /** `order` key: Salt's numeric order. first = 0, last = Infinity; file order otherwise. */
  order: number;
  /** Every other argument, in the order written (name/names/requisites removed). */
  args: Record<string, unknown>;
  /** Requisites after `_in` inversion. */
  requisites: Partial<Record<RequisiteType, RequisiteRef[]>>;
  /** Stop the whole run if this one fails. */
  failhard?: boolean;
}

/** `true` ok, `false` failed, `null` test mode with pending changes (Salt's None). */
export type ResultValue = boolean | null;

/** Changes in Salt's shape: `{item: {old, new}}`, or `{diff: '...'}` for files. */
export type Changes = Record<string, unknown>;

/** One entry of a highstate return, keyed by `mod_|-id_|-name_|-fun`. */
export interface StateResult {
  __id__: string;
  __sls__: string;
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
