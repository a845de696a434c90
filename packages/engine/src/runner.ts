/**
 * The state runner: requisites, test mode and results in Salt's vocabulary.
 *
 * Test mode is owned here: `check` gets the reader; a writer is only ever obtained through `makeWriter`, which
 * is not called when `test` is set, so a dry run cannot write by construction. After `apply` the state is
 * checked again; a state that is still not converged is a failure.
 */
import { ANY_REQUISITE_TYPES, BrineError, errorMessage, stateTag, type Changes, type Logger, type LowChunk, type RequisiteType, type StateResult, type StateReturn } from '@brine/core';
import { resolveRequisites } from './requisites';
import { StateFailure, type ApplyContext, type CheckContext, type ExecCaller, type HostReader, type HostWriter, type Providers, type SourceClient, type StateFunction, type TemplateRenderer } from './types';

export interface StateLookup {
  (state: string, fun: string): StateFunction<unknown> | undefined;
}

export interface RunOptions {
  test: boolean;
  /** Stop at the first failure (Salt's global `failhard`). */
  failhard?: boolean;
  reader: HostReader;
  /** Called at most once, and never in test mode. */
  makeWriter: () => HostWriter;
  files: SourceClient;
  template: TemplateRenderer;
  providers: Providers;
  log: Logger;
  lookup: StateLookup;
  /** Execution functions for module.run (set by packages/modules, which owns their registry). */
  exec?: ExecCaller;
}

export interface Prepared {
  chunk: LowChunk;
  fn: StateFunction<unknown>;
  params: unknown;
}

/** Unknown state functions or bad arguments: a compile error, raised before anything runs. */
export class CompileError extends BrineError {
  readonly errors: string[];
  constructor(errors: string[]) {
    super('compile', errors.join('\n'));
    this.errors = errors;
  }
}

/** Look up and parse every chunk; collect all errors so the user sees them at once. */
export function prepare(chunks: LowChunk[], lookup: StateLookup): Prepared[] {
  const errors: string[] = [];
  const out: Prepared[] = [];
  for (const chunk of chunks) {
    const fn = lookup(chunk.state, chunk.fun);
    const where = `${chunk.file}:${chunk.line}`;
    if (!fn) {
      errors.push(`${where}: ${chunk.id}: state function '${chunk.state}.${chunk.fun}' is not available (check the spelling; see the list of state kinds in the README)`);
      continue;
    }
    try {
      out.push({ chunk, fn, params: fn.parse(`${chunk.state}.${chunk.fun} ${chunk.id}`, { name: chunk.name, ...chunk.args }, chunk) });
    } catch (e) {
      errors.push(`${where}: ${errorMessage(e)}`);
    }
  }
  if (errors.length) throw new CompileError(errors);
  return out;
}

function clock(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** Start times carry a high-resolution stamp so durations have Salt's microsecond precision. */
const HR = new WeakMap<Date, bigint>();
function now(): Date {
  const d = new Date();
  HR.set(d, process.hrtime.bigint());
  return d;
}
function elapsedMs(started: Date): number {
  const t0 = HR.get(started);
  const ms = t0 === undefined ? Date.now() - started.getTime() : Number(process.hrtime.bigint() - t0) / 1e6;
  return Math.round(ms * 1000) / 1000;
}

function hasChanges(c: Changes): boolean {
  return Object.keys(c).length > 0;
}

type Status = 'pending' | 'running' | 'done';

/** A chunk's `__sls__` in its return: null when it came from no SLS (state.single builds it with sls ''), as Salt's. */
function slsOf(c: LowChunk): string | null {
  return c.sls === '' ? null : c.sls;
}

/** The requisites whose targets run before the chunk (prereq's are only checked first). */
const RUN_FIRST: readonly RequisiteType[] = ['require', 'watch', 'onchanges', 'onfail', 'listen', ...ANY_REQUISITE_TYPES];

/**
 * A state's return with its keys in the order Salt 3006 prints them (`--out json`): the state function's own
 * `name`/`changes`/`result`/`comment` as its module builds them (file states: changes, comment, name, result), then
 * what the state system adds: `__sls__`, `__run_num__`, `start_time`, `duration`, `__id__`.
 */
function saltOrder(state: string, own: Pick<StateResult, 'name' | 'result' | 'changes' | 'comment'>, added: Omit<StateResult, 'name' | 'result' | 'changes' | 'comment'>): StateResult {
  const first = state === 'file' ? { changes: own.changes, comment: own.comment, name: own.name, result: own.result } : { name: own.name, changes: own.changes, result: own.result, comment: own.comment };
  return { ...first, ...added };
}

export async function runStates(chunks: LowChunk[], opts: RunOptions): Promise<StateReturn> {
  const prepared = prepare(chunks, opts.lookup);
  const { reqs, errors } = resolveRequisites(chunks);
  if (errors.length) throw new CompileError(errors);
  // prereq_in: for each target, the chunks that declared a prereq on it (they run first).
  const prereqOf: number[][] = chunks.map(() => []);
  reqs.forEach((m, i) => (m.get('prereq') ?? []).forEach((t) => prereqOf[t]!.push(i)));

  const status: Status[] = chunks.map(() => 'pending');
  const results: (StateResult | undefined)[] = chunks.map(() => undefined);
  const ret: StateReturn = {};
  const listeners = new Set<number>();
  let runNum = 0;
  let stop = false;
  let writer: HostWriter | undefined;
  const getWriter = (): HostWriter => {
    if (opts.test) throw new Error('internal: a writer was requested in test mode');
    return (writer ??= opts.makeWriter());
  };

  const shared = new Map<string, unknown>();
  // A state reads salt:// and renders templates in its own saltenv: a `saltenv` argument, else the environment its
  // SLS came from (Salt's State.call sets __env__ from low['saltenv'] when given).
  const envOf = (chunk: LowChunk): string => (typeof chunk.args['saltenv'] === 'string' && chunk.args['saltenv'] ? chunk.args['saltenv'] : chunk.env);
  const ofEnv = new Map<string, { files: SourceClient; template: TemplateRenderer }>();
  const inEnv = (env: string): { files: SourceClient; template: TemplateRenderer } => {
    let e = ofEnv.get(env);
    if (!e) {
      e = { files: opts.files.forEnv ? opts.files.forEnv(env) : opts.files, template: { ...opts.template, render: (text, file, extra) => opts.template.render(text, file, extra, env) } };
      ofEnv.set(env, e);
    }
    return e;
  };
  const ctxFor = (chunk: LowChunk): CheckContext => ({ host: opts.reader, ...inEnv(envOf(chunk)), providers: opts.providers, log: opts.log.child({ state: chunk.id }), chunk, exec: opts.exec, shared });
  const applyCtxFor = (chunk: LowChunk): ApplyContext => ({ ...ctxFor(chunk), host: getWriter() });

  const record = (i: number, partial: Omit<StateResult, '__id__' | '__sls__' | '__run_num__' | 'name' | 'start_time' | 'duration'>, started: Date): StateResult => {
    const c = chunks[i]!;
    const r = saltOrder(c.state, { name: c.name, ...partial }, { __sls__: slsOf(c), __run_num__: runNum++, start_time: clock(started), duration: elapsedMs(started), __id__: c.id });
    results[i] = r;
    ret[stateTag(c)] = r;
    const failhard = c.failhard ?? opts.failhard;
    if (r.result === false && failhard) stop = true;
    return r;
  };

  const targetsOf = (i: number, t: RequisiteType): number[] => reqs[i]!.get(t) ?? [];
  const label = (j: number): string => `${chunks[j]!.sls}.${chunks[j]!.id}`;

  const runOne = async (i: number): Promise<void> => {
    if (status[i] === 'done' || stop) return;
    if (status[i] === 'running') {
      // A cycle: reported on the chunk that closes it.
      record(i, { result: false, changes: {}, comment: `Recursive requisite found: ${label(i)}` }, now());
      status[i] = 'done';
      return;
    }
    status[i] = 'running';
    const { chunk, fn, params } = prepared[i]!;
    // Everything this chunk depends on runs first (prereq targets are only checked, never run first).
    const deps = RUN_FIRST.flatMap((t) => targetsOf(i, t));
    for (const d of [...deps, ...prereqOf[i]!]) await runOne(d);
    if (stop || (status[i] as Status) === 'done') return;
    const started = now();
    const res = (j: number) => results[j];
    const failed = (j: number) => res(j)?.result === false;
    const changed = (j: number) => hasChanges(res(j)?.changes ?? {}) && !failed(j);
    // Salt's check_requisite: a failed target fails require, watch, onchanges and prereq; an _any form only when no
    // target met it (require_any, watch_any: one that did not fail; onchanges_any: one that changed)
    const anyFails = (t: RequisiteType, met: (j: number) => boolean) => targetsOf(i, t).some(failed) && !targetsOf(i, t).some(met);
    const fails =
      [...targetsOf(i, 'require'), ...targetsOf(i, 'watch'), ...targetsOf(i, 'onchanges'), ...prereqOf[i]!].some(failed) ||
      anyFails('require_any', (j) => !failed(j)) ||
      anyFails('watch_any', (j) => !failed(j)) ||
      anyFails('onchanges_any', changed);
    if (fails) {
      // Salt names every failed target of every requisite
      const all = [...new Set([...deps, ...prereqOf[i]!])];
      record(i, { result: false, changes: {}, comment: `One or more requisite failed: ${all.filter(failed).map(label).join(', ')}` }, started);
      status[i] = 'done';
      return;
    }
    const onchanges = [...targetsOf(i, 'onchanges'), ...targetsOf(i, 'onchanges_any')];
    if (onchanges.length && !onchanges.some(changed)) {
      record(i, { result: true, changes: {}, comment: 'State was not run because none of the onchanges reqs changed' }, started);
      status[i] = 'done';
      return;
    }
    // onfail and onfail_any fire when a target failed, onfail_all when every one did
    const onfail = [...targetsOf(i, 'onfail'), ...targetsOf(i, 'onfail_any')];
    const onfailAll = targetsOf(i, 'onfail_all');
    if ((onfail.length && !onfail.some(failed)) || (onfailAll.length && !onfailAll.every(failed))) {
      record(i, { result: true, changes: {}, comment: 'State was not run because onfail req did not change' }, started);
      status[i] = 'done';
      return;
    }
    try {
      // prereq: run only if one of the targets would change.
      const prereqTargets = targetsOf(i, 'prereq');
      if (prereqTargets.length) {
        let wouldChange = false;
        for (const t of prereqTargets) {
          const p = prepared[t]!;
          if (hasChanges(await p.fn.check(p.params, ctxFor(p.chunk)))) wouldChange = true;
        }
        if (!wouldChange) {
          record(i, { result: true, changes: {}, comment: 'No changes detected' }, started);
          status[i] = 'done';
          return;
        }
      }
      const pending = await fn.check(params, ctxFor(chunk));
      const watchTriggered = [...targetsOf(i, 'watch'), ...targetsOf(i, 'watch_any')].some(changed) && !!fn.watch;
      if (targetsOf(i, 'listen').some(changed) && fn.watch) listeners.add(i);
      if (!hasChanges(pending)) {
        if (watchTriggered) {
          const skip = fn.watchSkipped?.(params);
          if (skip) {
            record(i, { result: true, changes: {}, comment: skip }, started);
            status[i] = 'done';
            return;
          }
          // Salt calls the state, then (it changed nothing) its mod_watch: two calls, two run numbers, the second kept
          runNum++;
          const watched = targetsOf(i, 'watch').filter(changed).map((j) => `${chunks[j]!.state}: ${chunks[j]!.id}`);
          if (opts.test && fn.watchDry) {
            const out = await fn.watchDry(params, { ...ctxFor(chunk), watched });
            record(i, { result: true, changes: out.changes ?? {}, comment: out.comment ?? '' }, started);
          } else if (opts.test) {
            const comment = fn.watchTestComment ? await fn.watchTestComment(params, ctxFor(chunk)) : `${fn.okComment?.(params) ?? 'State is in the desired state'}; a watched state changed, mod_watch would run`;
            record(i, { result: null, changes: fn.watchTestChanges?.(params) ?? {}, comment }, started);
          } else {
            const out = await fn.watch!(params, { ...applyCtxFor(chunk), watched });
            record(i, { result: true, changes: out.changes ?? {}, comment: out.comment ?? 'mod_watch ran' }, started);
          }
        } else {
          const ok = (opts.test ? fn.testOkComment?.(params) : undefined) ?? fn.okComment?.(params);
          record(i, { result: true, changes: {}, comment: ok ?? `${chunk.state}.${chunk.fun} is already in the desired state` }, started);
        }
        status[i] = 'done';
        return;
      }
      if (opts.test) {
        record(i, { result: fn.testResult ? fn.testResult(params, pending) : null, changes: fn.testChanges ? fn.testChanges(params, pending) : pending, comment: fn.testComment?.(params, pending) ?? `${chunk.state}.${chunk.fun} ${chunk.name} would be changed` }, started);
        status[i] = 'done';
        return;
      }
      const outcome = (await fn.apply(params, pending, applyCtxFor(chunk))) ?? {};
      if (typeof fn.recheck === 'function' ? fn.recheck(params) : fn.recheck !== false) {
        const left = await fn.check(params, ctxFor(chunk));
        if (hasChanges(left)) {
          record(i, { result: false, changes: outcome.changes ?? pending, comment: `Applied, but the state is still not converged: ${JSON.stringify(left)}` }, started);
          status[i] = 'done';
          return;
        }
      }
      record(i, { result: true, changes: outcome.changes ?? pending, comment: outcome.comment ?? `${chunk.state}.${chunk.fun} ${chunk.name} updated` }, started);
    } catch (e) {
      record(i, { result: false, changes: e instanceof StateFailure ? e.changes : {}, comment: errorMessage(e) }, started);
    }
    status[i] = 'done';
  };

  for (let i = 0; i < chunks.length && !stop; i++) await runOne(i);

  // listen: mod_watch at the end of the run, reported under its own tag like Salt.
  for (const i of listeners) {
    if (stop) break;
    const { chunk, fn, params } = prepared[i]!;
    const started = now();
    // Salt names the listener's run `listener_<ID>`, in its tag and its __id__.
    const id = `listener_${chunk.id}`;
    const tag = `${chunk.state}_|-${id}_|-${chunk.name}_|-mod_watch`;
    let r: Omit<StateResult, '__id__' | '__sls__' | '__run_num__' | 'name' | 'start_time' | 'duration'>;
    if (opts.test && fn.watchDry) {
      const out = await fn.watchDry(params, ctxFor(chunk));
      r = { result: true, changes: out.changes ?? {}, comment: out.comment ?? '' };
    } else if (opts.test) r = { result: null, changes: fn.watchTestChanges?.(params) ?? {}, comment: fn.watchTestComment ? await fn.watchTestComment(params, ctxFor(chunk)) : 'mod_watch would run (listen)' };
    else {
      try {
        const out = await fn.watch!(params, applyCtxFor(chunk));
        r = { result: true, changes: out.changes ?? {}, comment: out.comment ?? 'mod_watch ran (listen)' };
      } catch (e) {
        r = { result: false, changes: {}, comment: errorMessage(e) };
      }
    }
    ret[tag] = saltOrder(chunk.state, { name: chunk.name, ...r }, { __sls__: slsOf(chunk), __run_num__: runNum++, start_time: clock(started), duration: elapsedMs(started), __id__: id });
  }
  return ret;
}
