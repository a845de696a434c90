/**
 * The master-side state kinds of an orchestrate SLS, as Salt 3006's `saltmod` has them: `salt.state`,
 * `salt.function`, `salt.runner` and `salt.wait_for_event`. They plug into the engine's runner as ordinary
 * StateFunctions, so requisites, `order` and `failhard` are the engine's.
 *
 * How they fit the engine's check/apply contract (a factory per run, so each step knows whether the run is a dry run):
 * - real run: `check` reports one pending change (the step has to run), `apply` runs it; a failed step throws
 *   StateFailure, so the engine records result False with the step's changes.
 * - test run: `salt.state` runs its job with `test=True` on the minions inside `check` (a dry run there too), so the
 *   step shows what would change, as Salt does; the other kinds only say what they would do (Salt runs none of them
 *   in test mode). Their placeholder change is removed from the output afterwards (`dryRunTags`).
 */
import { globMatch, isDict, parseTargetType, StateArgError, stateTag, type Changes, type Dict, type LowChunk, type TargetType } from '@brine/core';
import { StateFailure, type StateFunction } from '@brine/engine';
import type { Master } from '../server';
import { runBatched, runJob, type JobResult, type JobSpec } from './job';

/** What a step ended with, in Salt's words (saltmod's return before the runner adds timing). */
export interface StepOutcome {
  result: boolean | null;
  comment: string;
  changes: Changes;
}

/** Runs a runner function (`salt.runner`); the runner registry supplies it. */
export type RunnerCall = (name: string, args: unknown[], kwargs: Dict) => Promise<{ ret: unknown; success: boolean }>;

export interface StepContext {
  master: Master;
  test: boolean;
  runRunner: RunnerCall;
  /** Tags of steps whose placeholder change must not show (test mode). */
  dryRunTags: Set<string>;
}

interface Common {
  ref: string;
  chunk: LowChunk;
  /** The step's outcome once it ran, for the comment the engine asks for. */
  last?: StepOutcome;
}

interface StateStep extends Common {
  kind: 'state';
  job: JobSpec;
  batch: string | undefined;
  test: boolean | undefined;
  failMinions: string[];
  allowFail: number;
  expectMinions: boolean;
  timeoutMs: number;
}

interface FunctionStep extends Common {
  kind: 'function';
  job: JobSpec;
  batch: string | undefined;
  failMinions: string[];
  expectMinions: boolean;
  timeoutMs: number;
}

interface RunnerStep extends Common {
  kind: 'runner';
  name: string;
  args: unknown[];
  kwargs: Dict;
}

interface EventStep extends Common {
  kind: 'wait_for_event';
  tag: string;
  idList: string[];
  eventId: string;
  timeoutMs: number;
}

type Step = StateStep | FunctionStep | RunnerStep | EventStep;

// ------------------------------------------------------------------ argument parsing (compile time)

function str(ref: string, args: Dict, key: string, dflt?: string): string {
  const v = args[key] ?? dflt;
  if (typeof v !== 'string' || v === '') throw new StateArgError(ref, key, v === undefined ? 'is required' : `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function target(ref: string, args: Dict): { tgt: string | string[]; tgtType: TargetType } {
  const tgt = args['tgt'];
  if (!(typeof tgt === 'string' && tgt !== '') && !(Array.isArray(tgt) && tgt.every((x) => typeof x === 'string'))) {
    throw new StateArgError(ref, 'tgt', tgt === undefined ? 'is required (the minions to run on)' : `must be a target string or a list of ids, got ${JSON.stringify(tgt)}`);
  }
  let tgtType: TargetType;
  try {
    tgtType = parseTargetType(String(args['tgt_type'] ?? (Array.isArray(tgt) ? 'list' : 'glob')));
  } catch (e) {
    throw new StateArgError(ref, 'tgt_type', (e as Error).message);
  }
  return { tgt, tgtType };
}

function idList(ref: string, key: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new StateArgError(ref, key, `must be a list of minion ids or a comma-separated string, got ${JSON.stringify(v)}`);
}

function seconds(ref: string, key: string, v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new StateArgError(ref, key, `must be a positive number of seconds, got ${JSON.stringify(v)}`);
  return n * 1000;
}

function bool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
  return Boolean(v);
}

function batchOf(ref: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!/^\d+%?$/.test(String(v).trim())) throw new StateArgError(ref, 'batch', `must be N or N%, got ${JSON.stringify(v)}`);
  return String(v).trim();
}

function parseState(ref: string, a: Dict, chunk: LowChunk, master: Master): StateStep {
  const { tgt, tgtType } = target(ref, a);
  let fun: string;
  const arg: unknown[] = [];
  if (bool(a['highstate'])) fun = 'state.highstate';
  else if (a['top'] !== undefined) throw new StateArgError(ref, 'top', 'another top file (state.top) is not available; use highstate: True or sls: NAME');
  else if (a['sls'] !== undefined && a['sls'] !== null && a['sls'] !== '') {
    fun = 'state.sls';
    const sls = a['sls'];
    if (!(typeof sls === 'string' || (Array.isArray(sls) && sls.every((s) => typeof s === 'string')))) throw new StateArgError(ref, 'sls', `must be an SLS name or a list of them, got ${JSON.stringify(sls)}`);
    arg.push(Array.isArray(sls) ? sls.join(',') : sls);
  } else throw new StateArgError(ref, undefined, 'No highstate or sls specified, no execution made (give sls: NAME or highstate: True)');
  const kwarg: Dict = {};
  if (a['pillar'] !== undefined) {
    if (!isDict(a['pillar'])) throw new StateArgError(ref, 'pillar', `must be a mapping, got ${JSON.stringify(a['pillar'])}`);
    kwarg['pillar'] = a['pillar'];
  }
  for (const k of ['saltenv', 'pillarenv', 'exclude']) if (a[k] !== undefined) kwarg[k] = a[k];
  const allowFail = Number(a['allow_fail'] ?? 0);
  if (!Number.isInteger(allowFail) || allowFail < 0) throw new StateArgError(ref, 'allow_fail', `Passed invalid value for 'allow_fail', must be an int (got ${JSON.stringify(a['allow_fail'])})`);
  return {
    kind: 'state',
    ref,
    chunk,
    job: { tgt, tgtType, fun, arg, kwarg, user: 'orchestrate' },
    batch: batchOf(ref, a['batch']),
    test: bool(a['test']),
    failMinions: idList(ref, 'fail_minions', a['fail_minions']),
    allowFail,
    expectMinions: bool(a['expect_minions']) ?? true,
    timeoutMs: seconds(ref, 'timeout', a['timeout'], master.opts.timeout),
  };
}

function parseFunction(ref: string, a: Dict, chunk: LowChunk, master: Master): FunctionStep {
  const { tgt, tgtType } = target(ref, a);
  const fun = str(ref, a, 'name');
  if (!/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i.test(fun)) throw new StateArgError(ref, 'name', `'${fun}' is not a function name (module.function)`);
  let arg: unknown[] = [];
  const rawArg = a['arg'];
  if (typeof rawArg === 'string') arg = rawArg.split(/\s+/).filter(Boolean);
  else if (Array.isArray(rawArg)) arg = rawArg;
  else if (rawArg !== undefined && rawArg !== null) throw new StateArgError(ref, 'arg', `must be a list of arguments, got ${JSON.stringify(rawArg)}`);
  const kwarg = a['kwarg'] ?? {};
  if (!isDict(kwarg)) throw new StateArgError(ref, 'kwarg', `must be a mapping, got ${JSON.stringify(kwarg)}`);
  return {
    kind: 'function',
    ref,
    chunk,
    job: { tgt, tgtType, fun, arg, kwarg, user: 'orchestrate' },
    batch: batchOf(ref, a['batch']),
    failMinions: idList(ref, 'fail_minions', a['fail_minions']),
    expectMinions: bool(a['expect_minions']) ?? false,
    timeoutMs: seconds(ref, 'timeout', a['timeout'], master.opts.timeout),
  };
}

function parseRunner(ref: string, a: Dict, chunk: LowChunk): RunnerStep {
  const name = str(ref, a, 'name');
  const { name: _n, arg, kwarg, ...rest } = a;
  if (arg !== undefined && !Array.isArray(arg)) throw new StateArgError(ref, 'arg', `must be a list, got ${JSON.stringify(arg)}`);
  if (kwarg !== undefined && !isDict(kwarg)) throw new StateArgError(ref, 'kwarg', `must be a mapping, got ${JSON.stringify(kwarg)}`);
  return { kind: 'runner', ref, chunk, name, args: (arg as unknown[]) ?? [], kwargs: { ...((kwarg as Dict) ?? {}), ...rest } };
}

function parseEvent(ref: string, a: Dict, chunk: LowChunk): EventStep {
  const tag = str(ref, a, 'name');
  if (a['id_list'] === undefined) throw new StateArgError(ref, 'id_list', 'is required (the ids to wait for)');
  return { kind: 'wait_for_event', ref, chunk, tag, idList: idList(ref, 'id_list', a['id_list']), eventId: str(ref, a, 'event_id', 'id'), timeoutMs: seconds(ref, 'timeout', a['timeout'], 300) };
}

// ------------------------------------------------------------------ running (Salt's saltmod, step by step)

function run(ctx: StepContext, s: StateStep | FunctionStep, kwarg: Dict): Promise<JobResult> {
  const spec = { ...s.job, kwarg: { ...s.job.kwarg, ...kwarg } };
  return s.batch ? runBatched(ctx.master, spec, s.batch, s.timeoutMs) : runJob(ctx.master, spec, s.timeoutMs);
}

/** Minions in id order: returns arrive in any order, the step's output and comment do not depend on it. */
function byId<T>(o: Record<string, T>): [string, T][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A minion's state return counts as good when it is a highstate dict without a failed state (check_result). */
function stateOk(ret: unknown): boolean {
  return isDict(ret) && Object.values(ret).every((r) => !isDict(r) || r['result'] !== false);
}

async function runStateStep(ctx: StepContext, s: StateStep): Promise<StepOutcome> {
  const test = s.test ?? (ctx.test ? true : undefined);
  const r = await run(ctx, s, test === undefined ? {} : { test });
  const changes: Dict = {};
  const fail: string[] = [];
  const noChange: string[] = [];
  if (r.expected.length === 0 && s.expectMinions) return { result: false, comment: 'No minions returned', changes: {} };
  for (const [id, m] of byId(r.returns)) {
    if (m.outcome !== 'ok' || !stateOk(m.ret)) {
      if (!s.failMinions.includes(id)) fail.push(id);
      changes[id] = m.ret;
      continue;
    }
    if (Object.values(m.ret as Dict).some((x) => isDict(x) && isDict(x['changes']) && Object.keys(x['changes']).length > 0)) changes[id] = m.ret;
    else noChange.push(id);
  }
  if (s.expectMinions) {
    for (const [id, why] of byId(r.missing)) {
      if (!s.failMinions.includes(id)) fail.push(id);
      changes[id] = `Minion did not return. [${why}]`;
    }
  }
  const out: StepOutcome = { result: true, comment: '', changes: Object.keys(changes).length ? { out: 'highstate', ret: changes } : {} };
  if (fail.length > s.allowFail) {
    out.result = false;
    out.comment = `Run failed on minions: ${fail.join(', ')}`;
  } else {
    out.comment = 'States ran successfully.';
    const changed = Object.keys(changes);
    if (changed.length) out.comment += ` Updating ${changed.join(', ')}.`;
    if (noChange.length) out.comment += ` No changes made to ${noChange.join(', ')}.`;
  }
  if (test && out.result === true && Object.keys(out.changes).length) out.result = null;
  return out;
}

async function runFunctionStep(ctx: StepContext, s: FunctionStep): Promise<StepOutcome> {
  const r = await run(ctx, s, {});
  const changes: Dict = {};
  const fail: string[] = [];
  for (const [id, m] of byId(r.returns)) {
    const bad = (m.retcode !== undefined && m.retcode !== 0) || m.outcome !== 'ok' || m.ret === false;
    if (bad && !s.failMinions.includes(id)) fail.push(id);
    changes[id] = m.ret;
  }
  if (s.expectMinions) {
    for (const [id, why] of byId(r.missing)) {
      if (!s.failMinions.includes(id)) fail.push(id);
      changes[id] = `Minion did not return. [${why}]`;
    }
  }
  if (Object.keys(changes).length === 0) return { result: false, comment: 'No minions responded', changes: {} };
  const out: StepOutcome = { result: fail.length === 0, changes: { ret: changes }, comment: fail.length ? `Running function ${s.job.fun} failed on minions: ${fail.join(', ')}` : 'Function ran successfully.' };
  out.comment += ` Function ${s.job.fun} ran on ${Object.keys(changes).join(', ')}.`;
  return out;
}

async function runRunnerStep(ctx: StepContext, s: RunnerStep): Promise<StepOutcome> {
  let ret: unknown;
  let success: boolean;
  try {
    ({ ret, success } = await ctx.runRunner(s.name, s.args, s.kwargs));
  } catch (e) {
    ret = (e as Error).message ?? String(e);
    success = false;
  }
  if (isDict(ret) && 'Error' in ret) success = false;
  return { result: success, changes: { return: ret }, comment: `Runner function '${s.name}' ${success ? 'executed' : 'failed'}.` };
}

/** Waits on the master's bus until an event matching `tag` has named every id in `id_list` (or the timeout). */
function runEventStep(ctx: StepContext, s: EventStep): Promise<StepOutcome> {
  const left = [...s.idList];
  const seen: string[] = [];
  const started = Date.now();
  return new Promise((resolve) => {
    const finish = (o: StepOutcome) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(o);
    };
    const unsubscribe = ctx.master.events.subscribe((e) => {
      if (!globMatch(s.tag, e.tag)) return;
      let val = e.data[s.eventId];
      if (val === undefined && isDict(e.data['data'])) val = e.data['data'][s.eventId];
      const vals = Array.isArray(val) ? val : val === undefined || val === null ? [] : [val];
      for (const v of vals) {
        const i = left.indexOf(String(v));
        if (i < 0) continue;
        left.splice(i, 1);
        seen.push(String(v));
      }
      if (left.length === 0) finish({ result: true, changes: seen.length ? { minions_seen: seen } : {}, comment: `All events seen in ${((Date.now() - started) / 1000).toFixed(2)} seconds.` });
    });
    const timer = setTimeout(() => finish({ result: false, changes: seen.length ? { minions_seen: seen } : {}, comment: 'Timeout value reached.' }), s.timeoutMs);
  });
}

function runStep(ctx: StepContext, s: Step): Promise<StepOutcome> {
  switch (s.kind) {
    case 'state':
      return runStateStep(ctx, s);
    case 'function':
      return runFunctionStep(ctx, s);
    case 'runner':
      return runRunnerStep(ctx, s);
    case 'wait_for_event':
      return runEventStep(ctx, s);
    default: {
      const never: never = s;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

/** What Salt says in test mode instead of running a step (salt.state runs, in test mode, on the minions). */
function dryRunComment(s: Exclude<Step, StateStep>): string {
  switch (s.kind) {
    case 'function':
      return `Function ${s.job.fun} would be executed on target ${String(s.job.tgt)}`;
    case 'runner':
      return `Runner function '${s.name}' would be executed.`;
    case 'wait_for_event':
      return `Orchestration would wait for event '${s.tag}'`;
    default: {
      const never: never = s;
      return String(never);
    }
  }
}

const PENDING: Changes = { orchestrate: 'step to run' };

function stepFunction(ctx: StepContext, parse: (ref: string, args: Dict, chunk: LowChunk) => Step): StateFunction<Step> {
  return {
    parse,
    async check(s) {
      if (!ctx.test) return PENDING;
      if (s.kind !== 'state') {
        ctx.dryRunTags.add(stateTag(s.chunk));
        return PENDING;
      }
      const o = (s.last = await runStep(ctx, s));
      if (o.result === false) throw new StateFailure(o.comment, o.changes);
      return o.changes;
    },
    async apply(s) {
      const o = (s.last = await runStep(ctx, s));
      if (o.result === false) throw new StateFailure(o.comment, o.changes);
      return { changes: o.changes, comment: o.comment };
    },
    recheck: false,
    okComment: (s) => s.last?.comment ?? 'States ran successfully.',
    testComment: (s) => (s.kind === 'state' ? (s.last?.comment ?? '') : dryRunComment(s)),
  };
}

/** The `salt.*` state functions for one orchestrate run. */
export function saltStateFunctions(ctx: StepContext): Record<string, StateFunction<Step>> {
  const m = ctx.master;
  return {
    state: stepFunction(ctx, (ref, a, c) => parseState(ref, a, c, m)),
    function: stepFunction(ctx, (ref, a, c) => parseFunction(ref, a, c, m)),
    runner: stepFunction(ctx, parseRunner),
    wait_for_event: stepFunction(ctx, parseEvent),
  };
}
