/**
 * `state.orchestrate`: render an SLS from the master's file_roots (Jinja then YAML, the minions' compiler), then run
 * its low chunks with the engine's runner on the master. `salt.*` kinds drive minions and runners (steps.ts); any
 * other state kind runs on the master host itself, as in Salt's orchestrate. The result is one highstate return,
 * keyed by the master's minion id (`<host>_master`, or `id` from the master config), as `salt-run` prints it.
 */
import * as os from 'os';
import { BrineError, errorMessage, FileEnvs, FileRoots, fileRootsOptions, isDict, worseOutcome, type Dict, type LowChunk, type Logger, type Outcome, type StateReturn } from '@brine/core';
import { compilePillar, Renderer, saltMerge, stateSerializers } from '@brine/render';
import { chooseProviders, CompileError, getStateFunction, LocalHostReader, LocalHostWriter, RootsSourceClient, runStates, type StateFunction } from '@brine/engine';
import type { Master } from '../server';
import { saltStateFunctions, type RunnerCall } from './steps';

export interface OrchestrateOptions {
  /** Extra pillar, merged over the master's own (`pillar=` on the command line). */
  pillar?: Dict;
  test?: boolean;
  saltenv?: string;
  /** Runs `salt.runner` steps (the runner registry). */
  runRunner: RunnerCall;
  log: Logger;
}

export interface OrchestrateResult {
  /** `{<master id>: highstate return}`, or `{<master id>: [errors]}` when the SLS did not render or compile. */
  data: Record<string, StateReturn | string[]>;
  outcome: Outcome;
  /** Salt's runner retcode: 0 when every step succeeded, 1 otherwise. */
  retcode: number;
}

/** The master's id as orchestrate reports it: Salt's MasterMinion is `<hostname>_master`. */
export function masterId(master: Master): string {
  const id = master.opts['id'];
  return typeof id === 'string' && id ? id : `${os.hostname()}_master`;
}

export function slsNames(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (v === undefined || v === null) return [];
  return String(v).split(',').map((s) => s.trim()).filter(Boolean);
}

export async function orchestrate(master: Master, mods: string[], o: OrchestrateOptions): Promise<OrchestrateResult> {
  const id = masterId(master);
  const test = o.test ?? false;
  const fail = (errors: string[]): OrchestrateResult => ({ data: { [id]: errors }, outcome: 'error', retcode: 1 });
  if (mods.length === 0) return fail(['state.orchestrate: name the orchestrate SLS (e.g. orch.stack)']);
  const envs = FileEnvs.fromDirs(master.opts.file_roots, fileRootsOptions(master.opts));
  const saltenv = o.saltenv ?? 'base';
  let renderer: Renderer;
  let chunks: LowChunk[];
  try {
    const grains: Dict = { id, host: os.hostname() };
    const own = compilePillar({ envs: FileEnvs.fromDirs(master.opts.pillar_roots), id, grains, opts: { ...master.opts, id }, log: o.log });
    const pillar = o.pillar ? (saltMerge(own, o.pillar, 'smart') as Dict) : own;
    renderer = new Renderer({ envs, context: { id, grains, pillar, opts: { ...master.opts, id, test, saltenv }, saltenv, salt: {} }, log: o.log });
    chunks = renderer.compile(mods);
  } catch (e) {
    if (e instanceof BrineError) return fail([e.message]);
    throw e;
  }
  const dryRunTags = new Set<string>();
  const salt = saltStateFunctions({ master, test, runRunner: o.runRunner, dryRunTags });
  const lookup = (state: string, fun: string): StateFunction<unknown> | undefined =>
    state === 'salt' ? (Object.prototype.hasOwnProperty.call(salt, fun) ? (salt[fun] as StateFunction<unknown>) : undefined) : getStateFunction(state, fun);
  let ret: StateReturn;
  try {
    ret = await runStates(chunks, {
      test,
      reader: new LocalHostReader(),
      makeWriter: () => new LocalHostWriter(),
      files: new RootsSourceClient(envs, saltenv),
      template: { render: (text, file, extra, env) => renderer.renderTemplate(text, file, extra, env), ...stateSerializers },
      providers: lazyProviders(master.opts),
      log: o.log,
      lookup,
    });
  } catch (e) {
    if (e instanceof CompileError) return fail(e.errors);
    if (e instanceof BrineError) return fail([e.message]);
    return fail([`orchestrate: ${errorMessage(e)}`]);
  }
  // Salt runs no salt.function/runner/wait_for_event step in test mode and reports it without changes.
  for (const tag of dryRunTags) if (ret[tag]) ret[tag]!.changes = {};
  let outcome: Outcome = 'ok';
  for (const r of Object.values(ret)) if (r.result === false) outcome = worseOutcome(outcome, 'failed');
  return { data: { [id]: ret }, outcome, retcode: outcome === 'ok' ? 0 : 1 };
}

/** Service and package providers are only chosen if an orchestrate SLS uses such a state on the master. */
function lazyProviders(opts: Dict): ReturnType<typeof chooseProviders> {
  let p: ReturnType<typeof chooseProviders> | undefined;
  const get = () => (p ??= chooseProviders(opts as Parameters<typeof chooseProviders>[0]));
  return {
    get pkg() {
      return get().pkg;
    },
    get service() {
      return get().service;
    },
  };
}

/** `pillar=` given as a mapping or as JSON/YAML-ish text from the command line. */
export function pillarArg(v: unknown): Dict | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let p: unknown = v;
  if (typeof v === 'string') {
    try {
      p = JSON.parse(v);
    } catch {
      throw new BrineError('usage', `pillar=: not a mapping: ${v.slice(0, 200)} (give JSON, e.g. pillar='{"key": "value"}')`);
    }
  }
  if (!isDict(p)) throw new BrineError('usage', 'Pillar data must be formatted as a dictionary');
  return p;
}
