/** state.apply / highstate / sls / show_sls / show_lowstate / show_top: render, compile, then run. */
import { ANY_REQUISITE_TYPES, BrineError, errorMessage, globMatch, isDict, type Dict, type InvertibleRequisite, type LowChunk, type RequisiteKey, type RequisiteRef, type StateResult, type StateReturn } from '@brine/core';
import { MissingSlsErrors, Renderer, saltMerge, slsNames, stateSerializers } from '@brine/render';
import { CompileError, runStates } from '@brine/engine';
import { LocalHostReader } from '@brine/engine';
import { CancellableWriter } from './exec';
import { RootsSourceClient } from '@brine/engine';
import { getStateFunction } from '@brine/engine';
import { templateSalt } from './registry';
import { execCaller } from './exec-caller';
import { EXT_KINDS, loadExtensions, minionGrains, syncKind } from './extensions';
import { arg, CallResult, callSaltenv, fileEnvs, truthy, type ExecEnv, type ExecModule } from './types';
import { withPillar } from './pillar';

/** `web,db` or a list: the SLS names a state function was given. */
export function slsList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v === undefined || v === null || v === '') return [];
  return String(v).split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The saltenv a state function runs in, as Salt's state module sets opts['saltenv']: the call's `saltenv=`, else
 * the minion's `saltenv` option; for named SLS files base when neither says (a highstate then reads every
 * environment's top file).
 */
export function runSaltenv(env: ExecEnv, kwargs: Dict, named: boolean): string | undefined {
  return callSaltenv(env, kwargs) ?? (named ? 'base' : undefined);
}

export function makeRenderer(env: ExecEnv, saltenv?: string): Renderer {
  const opts = saltenv === undefined ? env.opts : { ...env.opts, saltenv };
  return new Renderer({ envs: fileEnvs(env), context: { id: env.id, grains: env.grains, pillar: env.pillar, opts, saltenv, salt: templateSalt(env) }, log: env.log });
}

function compileErr(e: unknown): CallResult {
  if (e instanceof CompileError) return new CallResult(e.errors, 'error', 'highstate');
  if (e instanceof MissingSlsErrors) return new CallResult(e.errors.map((x) => x.message), 'error', 'highstate');
  if (e instanceof BrineError) return new CallResult([e.message], 'error', 'highstate');
  throw e;
}

/**
 * Render and compile, then run. `named`: SLS files were named (their saltenv defaults to base). `highstate`: first
 * sync custom modules from the environments the top files match (Salt's load_dynamic); the compile then uses those
 * same matches, with template functions that include what the sync loaded.
 */
export async function runCompiled(env: ExecEnv, kwargs: Dict, compile: (r: Renderer) => LowChunk[], named = true, highstate = false): Promise<CallResult> {
  env = withPillar(env, kwargs);
  const test = truthy(kwargs['test'] ?? env.opts['test'] ?? false);
  const saltenv = runSaltenv(env, kwargs, named);
  let renderer = makeRenderer(env, saltenv);
  if (highstate) {
    syncAtHighstate(env, renderer);
    renderer = makeRenderer(env, saltenv).reusingTopMatches(renderer);
  }
  let chunks: LowChunk[];
  try {
    chunks = compile(renderer);
  } catch (e) {
    return compileErr(e);
  }
  if (chunks.length === 0) {
    const ret: StateReturn = {
      // Salt's entry, with exactly its keys (no __id__, __sls__, start_time or duration)
      'no_|-states_|-states_|-None': { result: false, comment: 'No Top file or master_tops data matches found. Please see master log for details.', name: 'No States', changes: {}, __run_num__: 0 } as unknown as StateResult,
    };
    return new CallResult(ret, 'failed', 'highstate');
  }
  let ret: StateReturn;
  try {
    ret = await runStates(chunks, {
      test,
      failhard: truthy(env.opts['failhard'] ?? false),
      reader: new LocalHostReader(),
      // Commands of a cancelled job (saltutil.kill_job) are stopped, their process groups killed.
      makeWriter: () => new CancellableWriter(env.signal),
      files: new RootsSourceClient(fileEnvs(env)),
      template: { render: (text, file, extra, saltenv) => renderer.renderTemplate(text, file, extra, saltenv), ...stateSerializers },
      providers: env.providers(),
      log: env.log,
      lookup: getStateFunction,
      exec: execCaller(env),
    });
  } catch (e) {
    return compileErr(e);
  }
  const failed = Object.values(ret).some((r) => r.result === false);
  return new CallResult(ret, failed ? 'failed' : 'ok', 'highstate');
}

/** A low chunk as Salt's `state.show_low_sls` / `show_lowstate` print it (built when the chunk came without it). */
export function saltLow(c: LowChunk): Dict {
  if (c.low) return c.low;
  const req: Dict = {};
  for (const [type, refs] of Object.entries(c.requisites)) if (refs?.length) req[type] = refs.map((r) => (r.kind === 'id' ? r.target : { [r.kind]: r.target }));
  return { state: c.state, name: c.name, __sls__: c.sls, __env__: c.env, __id__: c.id, ...c.args, ...req, ...(c.failhard ? { failhard: true } : {}), order: c.order, fun: c.fun };
}

function showOnly(env: ExecEnv, kwargs: Dict, f: (r: Renderer) => unknown, named = true): CallResult {
  try {
    return new CallResult(f(makeRenderer(withPillar(env, kwargs), runSaltenv(env, kwargs, named))));
  } catch (e) {
    if (e instanceof MissingSlsErrors) return new CallResult(e.errors.map((x) => x.message), 'error');
    return new CallResult([e instanceof BrineError ? e.message : errorMessage(e)], 'error');
  }
}

/**
 * As Salt does at highstate: custom modules, states and grains from the tree are synced into the extension cache
 * and loaded before compiling; new custom grains count for this run (a minion's daemon reports them to the master
 * at its next saltutil.refresh_grains or sync_grains).
 */
function syncAtHighstate(env: ExecEnv, r: Renderer): void {
  const cachedir = env.opts['cachedir'];
  if (typeof cachedir !== 'string' || !cachedir) return;
  let grainsChanged = false;
  try {
    const from = topEnvsOf(r, env).map((e) => fileEnvs(env).get(e)!);
    for (const k of EXT_KINDS) if (syncKind(from, cachedir, k).length && k === 'grains') grainsChanged = true;
  } catch (e) {
    env.log.warn(`custom modules not synced: ${errorMessage(e)}`);
  }
  loadExtensions(cachedir, env.log);
  if (grainsChanged) {
    // This run renders with the new grains (in place: the environment's holders see them too).
    const fresh = minionGrains(env.opts as Parameters<typeof minionGrains>[0], env.log);
    for (const k of Object.keys(env.grains)) if (!(k in fresh)) delete env.grains[k];
    Object.assign(env.grains, fresh);
  }
}

/**
 * Salt's saltutil._get_top_file_envs: the environments the highstate's top files match for this minion (custom
 * modules are synced from those), base when the top matches nothing or there is no top file. Throws when a top file
 * does not render.
 */
function topEnvsOf(r: Renderer, env: ExecEnv): string[] {
  let matches;
  try {
    matches = r.topMatchesByEnv();
  } catch (e) {
    throw new BrineError('render', `Unable to render top file(s): ${errorMessage(e)}`, { cause: e });
  }
  const envs = [...matches.keys()].filter((e) => fileEnvs(env).has(e));
  return envs.length ? envs : ['base'];
}

/** The same for a call of its own (saltutil.sync_* without saltenv). */
export function topFileEnvs(env: ExecEnv, kwargs: Dict = {}): string[] {
  return topEnvsOf(makeRenderer(env, runSaltenv(env, kwargs, false)), env);
}

/** Requisites Salt's call_chunk follows when it runs one chunk (listen is not one: it acts at the end of a whole run). */
const FOLLOWED: readonly InvertibleRequisite[] = ['require', 'watch', 'onchanges', 'onfail', 'prereq'];

function refMatches(ref: RequisiteRef, c: LowChunk): boolean {
  if (ref.kind === 'sls') return globMatch(ref.target, c.sls);
  return (ref.kind === 'id' || ref.kind === c.state) && (globMatch(ref.target, c.name) || globMatch(ref.target, c.id));
}

/**
 * Salt's state.sls_id: the chunks of ID `id` and, transitively, the chunks their requisites name (require, watch,
 * onchanges, onfail, prereq, `_in` forms included, and the states that prereq one of them: Salt's prerequired);
 * every other ID of the SLS is left alone. References to chunks left out are dropped (a reference that matches
 * nothing in the whole SLS is kept, so its error still shows).
 */
export function withRequisites(chunks: LowChunk[], id: string): LowChunk[] {
  const keep = new Set<number>();
  const queue: number[] = [];
  const want = (i: number) => {
    if (!keep.has(i)) {
      keep.add(i);
      queue.push(i);
    }
  };
  chunks.forEach((c, i) => c.id === id && want(i));
  while (queue.length) {
    const c = chunks[queue.shift()!]!;
    chunks.forEach((o, j) => {
      if (keep.has(j)) return;
      // c requires o; o is *_in to c; o prereqs c (c is then prerequired by o).
      const forward = [...FOLLOWED, ...ANY_REQUISITE_TYPES].some((t) => (c.requisites[t] ?? []).some((ref) => refMatches(ref, o)));
      const inverted = FOLLOWED.some((t) => (o.requisites[`${t}_in`] ?? []).some((ref) => refMatches(ref, c)));
      const prereqd = (o.requisites.prereq ?? []).some((ref) => refMatches(ref, c));
      if (forward || inverted || prereqd) want(j);
    });
  }
  const kept = chunks.filter((_c, i) => keep.has(i));
  const live = (ref: RequisiteRef) => kept.some((k) => refMatches(ref, k)) || !chunks.some((k) => refMatches(ref, k));
  return kept.map((c) => {
    const requisites: LowChunk['requisites'] = {};
    for (const [k, refs] of Object.entries(c.requisites) as [RequisiteKey, RequisiteRef[]][]) {
      const l = refs.filter(live);
      if (l.length) requisites[k] = l;
    }
    return { ...c, requisites };
  });
}

/** Keyword arguments that steer a run and are not state arguments (state.single). */
const RUN_KWARGS = new Set(['test', 'pillar', 'queue', 'saltenv', 'pillarenv', 'concurrent', 'state_output', 'localconfig']);

/** The running state jobs, as Salt's state.running words them (from the daemon's job table). */
async function runningStates(env: ExecEnv): Promise<string[]> {
  const h = env.hooks?.['saltutil.running'];
  if (!h) return [];
  const jobs = (await h([], {})) as Dict[];
  return jobs
    .filter((j) => String(j['fun']).startsWith('state.') && !['state.running', 'state.show_state_usage'].includes(String(j['fun'])))
    .map((j) => `The function "${String(j['fun'])}" is running as PID ${String(j['pid'] ?? 'None')} and was started at ${String(j['started'] ?? '')} with jid ${String(j['jid'])}`);
}

export const stateModule: ExecModule = {
  name: 'state',
  // Every other state function takes **kwargs in Salt (test, queue, saltenv, pillar, ... pass through).
  params: { running: ['concurrent'] },
  docs: {
    apply: 'Apply the SLS files named, or the highstate when none is named (test=True for a dry run, pillar= to override).',
    highstate: 'Apply the states the top file assigns to this minion.',
    test: 'A dry run (test=True) of the SLS files named, or of the highstate.',
    single: 'Run one state from its arguments: state.single pkg.installed name=vim.',
    sls_id: 'Run one ID of the SLS files named, with the states its requisites name: state.sls_id ID web,db.',
    running: 'The state jobs running on this minion, one line each.',
    show_state_usage: 'Which SLS files of the tree the top file uses for this minion, and which it does not.',
    show_highstate: 'The high data of this minion\'s highstate, without running it.',
    sls: 'Apply the SLS files named: state.sls web,db.',
    show_sls: 'The high data of the SLS files named, without running them.',
    show_lowstate: 'The low chunks of this minion\'s highstate, without running them.',
    show_top: 'The SLS files the top file assigns to this minion, by saltenv.',
    show_low_sls: 'The low chunks of the SLS files named, without running them.',
  },
  functions: {
    apply: (args, kwargs, env) => {
      const mods = slsList(args[0] ?? kwargs['mods']);
      if (mods.length) return runCompiled(env, kwargs, (r) => r.compile(mods));
      return runCompiled(env, kwargs, (r) => r.compileHighstate(), false, true);
    },
    highstate: (_a, kwargs, env) => {
      return runCompiled(env, kwargs, (r) => r.compileHighstate(), false, true);
    },
    test: (args, kwargs, env) => {
      const mods = slsList(args[0] ?? kwargs['mods']);
      return runCompiled(env, { ...kwargs, test: true }, (r) => (mods.length ? r.compile(mods) : r.compileHighstate()), mods.length > 0);
    },
    single: (args, kwargs, env) => {
      const fun = String(arg(args, kwargs, 0, 'fun', ''));
      const name = arg(args, kwargs, 1, 'name', null);
      const dot = fun.indexOf('.');
      if (dot <= 0) return new CallResult([`Invalid function passed: '${fun}' (state.single pkg.installed name=vim)`], 'error');
      if (name === null || name === '') return new CallResult(['Missing required argument: name'], 'error');
      const stateArgs: Dict = {};
      for (const [k, v] of Object.entries(kwargs)) if (k !== 'fun' && k !== 'name' && !RUN_KWARGS.has(k)) stateArgs[k] = v;
      const chunk: LowChunk = { id: String(name), name: String(name), state: fun.slice(0, dot), fun: fun.slice(dot + 1), sls: '', env: runSaltenv(env, kwargs, true)!, file: '', line: 0, order: 10000, args: stateArgs, requisites: {} };
      return runCompiled(env, kwargs, () => [chunk]);
    },
    sls_id: (args, kwargs, env) => {
      const id = String(arg(args, kwargs, 0, 'id_', kwargs['id'] ?? ''));
      const mods = slsList(arg(args, kwargs, 1, 'mods', ''));
      if (!id || !mods.length) return new CallResult(['state.sls_id: give an ID and the SLS it is in (state.sls_id ID web,db)'], 'error');
      let missing = false;
      const res = runCompiled(env, kwargs, (r) => {
        const chunks = withRequisites(r.compile(mods), id);
        missing = chunks.length === 0;
        return chunks;
      });
      return res.then((cr) => (missing ? new CallResult([`No matches for ID '${id}' found in SLS '${mods.join(',')}' within saltenv '${runSaltenv(env, kwargs, true)}'`], 'error') : cr));
    },
    running: async (_a, _k, env) => runningStates(env),
    show_state_usage: (_a, kwargs, env) =>
      showOnly(
        env,
        kwargs,
        (r) => {
          // Salt's compile_state_usage: per environment, its SLS files used by the top's matches and not.
          const matched = r.topMatches();
          const out: Dict = {};
          for (const e of r.envNames()) {
            const roots = fileEnvs(env).get(e);
            const all = roots ? slsNames(roots) : [];
            const mine = new Set(matched.filter((m) => m.env === e).map((m) => m.sls));
            const used = all.filter((s) => mine.has(s));
            const unused = all.filter((s) => !mine.has(s));
            out[e] = { used, unused, count_all: all.length, count_used: used.length, count_unused: unused.length }; // Salt's key order
          }
          return out;
        },
        false,
      ),
    show_highstate: (_a, kwargs, env) => showOnly(env, kwargs, (r) => r.showHighstate(), false),
    sls: (args, kwargs, env) => {
      const mods = slsList(args[0] ?? kwargs['mods']);
      if (!mods.length) return new CallResult(['state.sls: name at least one SLS (state.sls web,db)'], 'error');
      return runCompiled(env, kwargs, (r) => r.compile(mods));
    },
    show_sls: (args, kwargs, env) => showOnly(env, kwargs, (r) => r.showSls(slsList(args[0] ?? kwargs['mods']))),
    show_lowstate: (_a, kwargs, env) => showOnly(env, kwargs, (r) => r.compileHighstate().map(saltLow), false),
    show_top: (_a, kwargs, env) => showOnly(env, kwargs, (r) => r.showTop(), false),
    show_low_sls: (args, kwargs, env) => showOnly(env, kwargs, (r) => r.showLowSls(slsList(args[0] ?? kwargs['mods'])).map(saltLow)),
  },
};
