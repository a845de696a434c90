/** state.apply / highstate / sls / show_sls / show_lowstate / show_top: render, compile, then run. */
import { BrineError, deepMerge, errorMessage, isDict, type Dict, type LowChunk, type StateReturn } from '@brine/core';
import { Renderer } from '@brine/render';
import { CompileError, runStates } from '@brine/engine';
import { LocalHostReader, LocalHostWriter } from '@brine/engine';
import { RootsSourceClient } from '@brine/engine';
import { getStateFunction } from '@brine/engine';
import { templateSalt } from './registry';
import { CallResult, truthy, type ExecEnv, type ExecModule } from './types';

/** `web,db` or a list: the SLS names a state function was given. */
export function slsList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v === undefined || v === null || v === '') return [];
  return String(v).split(',').map((s) => s.trim()).filter(Boolean);
}

/** Per-call pillar override (`pillar='{"k": "v"}'`), merged over the compiled pillar like Salt. */
function withPillar(env: ExecEnv, kwargs: Dict): ExecEnv {
  let extra = kwargs['pillar'];
  if (typeof extra === 'string') extra = JSON.parse(extra);
  if (extra === undefined) return env;
  if (!isDict(extra)) throw new BrineError('usage', 'pillar=: must be a dictionary, e.g. pillar=\'{"key": "value"}\'');
  return { ...env, pillar: deepMerge(env.pillar, extra) as Dict };
}

export function makeRenderer(env: ExecEnv): Renderer {
  return new Renderer({ roots: env.roots, context: { id: env.id, grains: env.grains, pillar: env.pillar, opts: env.opts, salt: templateSalt(env) }, log: env.log });
}

function compileErr(e: unknown): CallResult {
  if (e instanceof CompileError) return new CallResult(e.errors, 'error', 'highstate');
  if (e instanceof BrineError) return new CallResult([e.message], 'error', 'highstate');
  throw e;
}

export async function runCompiled(env: ExecEnv, kwargs: Dict, compile: (r: Renderer) => LowChunk[]): Promise<CallResult> {
  env = withPillar(env, kwargs);
  const test = truthy(kwargs['test'] ?? env.opts['test'] ?? false);
  const renderer = makeRenderer(env);
  let chunks: LowChunk[];
  try {
    chunks = compile(renderer);
  } catch (e) {
    return compileErr(e);
  }
  if (chunks.length === 0) {
    const ret: StateReturn = {
      'no_|-states_|-states_|-None': { __id__: 'states', __sls__: '', __run_num__: 0, name: 'states', result: false, changes: {}, comment: 'No Top file or master_tops data matches found.', duration: 0, start_time: '' },
    };
    return new CallResult(ret, 'failed', 'highstate');
  }
  let ret: StateReturn;
  try {
    ret = await runStates(chunks, {
      test,
      failhard: truthy(env.opts['failhard'] ?? false),
      reader: new LocalHostReader(),
      makeWriter: () => new LocalHostWriter(),
      files: new RootsSourceClient(env.roots),
      template: { render: (text, file, extra) => renderer.renderTemplate(text, file, extra) },
      providers: env.providers(),
      log: env.log,
      lookup: getStateFunction,
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

function showOnly(env: ExecEnv, kwargs: Dict, f: (r: Renderer) => unknown): CallResult {
  try {
    return new CallResult(f(makeRenderer(withPillar(env, kwargs))));
  } catch (e) {
    return new CallResult([e instanceof BrineError ? e.message : errorMessage(e)], 'error');
  }
}

export const stateModule: ExecModule = {
  name: 'state',
  functions: {
    apply: (args, kwargs, env) => {
      const mods = slsList(args[0] ?? kwargs['mods']);
      return runCompiled(env, kwargs, (r) => (mods.length ? r.compile(mods) : r.compileHighstate()));
    },
    highstate: (_a, kwargs, env) => runCompiled(env, kwargs, (r) => r.compileHighstate()),
    sls: (args, kwargs, env) => {
      const mods = slsList(args[0] ?? kwargs['mods']);
      if (!mods.length) return new CallResult(['state.sls: name at least one SLS (state.sls web,db)'], 'error');
      return runCompiled(env, kwargs, (r) => r.compile(mods));
    },
    show_sls: (args, kwargs, env) => showOnly(env, kwargs, (r) => r.showSls(slsList(args[0] ?? kwargs['mods']))),
    show_lowstate: (_a, kwargs, env) => showOnly(env, kwargs, (r) => r.compileHighstate().map(saltLow)),
    show_top: (_a, kwargs, env) => showOnly(env, kwargs, (r) => ({ base: r.matchTop() })),
    show_low_sls: (args, kwargs, env) => showOnly(env, kwargs, (r) => r.showLowSls(slsList(args[0] ?? kwargs['mods'])).map(saltLow)),
  },
};
