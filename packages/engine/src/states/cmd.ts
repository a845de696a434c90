/** cmd.run (and cmd.wait, below): run a command, guarded by `unless` / `onlyif` / `creates` (guards run in test mode too, like Salt). */
import { isDict, StateArgError, type LowChunk } from '@brine/core';
import { StateFailure, type ApplyContext, type ApplyOutcome, type CheckContext, type ExecOptions, type StateFunction, type StateModule } from '../types';
import { absPath, describe, optStr, optStrList, type Args } from './util';

export interface CmdParams {
  name: string;
  unless?: string[];
  onlyif?: string[];
  creates?: string[];
  cwd?: string;
  env?: Record<string, string>;
  runas?: string;
  shell?: string;
  /** Why the last check skipped the command (for the comment). */
  skipped?: string;
}

function parseEnv(ref: string, v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  const env: Record<string, string> = {};
  for (const [i, item] of items.entries()) {
    if (!isDict(item)) throw new StateArgError(ref, 'env', `item ${i}: expected a mapping of NAME: value, got ${describe(item)}`);
    for (const [k, val] of Object.entries(item)) {
      if (isDict(val) || Array.isArray(val)) throw new StateArgError(ref, 'env', `${k}: expected a scalar value`);
      env[k] = val === null || val === undefined ? '' : String(val);
    }
  }
  return env;
}

function execOpts(p: CmdParams): ExecOptions {
  return { cwd: p.cwd, env: p.env, runas: p.runas, shell: p.shell };
}

/** A reason to skip, or undefined when the command should run. */
async function guard(p: CmdParams, ctx: CheckContext): Promise<string | undefined> {
  if (p.creates) {
    const exists = await Promise.all(p.creates.map((f) => ctx.host.lstat(f)));
    if (exists.every(Boolean)) return 'All files in creates exist';
  }
  for (const c of p.onlyif ?? []) {
    if ((await ctx.host.probe(c, execOpts(p))).code !== 0) return 'onlyif condition is false';
  }
  if (p.unless?.length) {
    let allTrue = true;
    for (const c of p.unless) if ((await ctx.host.probe(c, execOpts(p))).code !== 0) allTrue = false;
    if (allTrue) return 'unless condition is true';
  }
  return undefined;
}

async function runIt(p: CmdParams, ctx: ApplyContext): Promise<ApplyOutcome> {
  const r = await ctx.host.run(p.name, execOpts(p));
  const changes = { pid: r.pid, retcode: r.code, stdout: r.stdout, stderr: r.stderr };
  if (r.code !== 0) {
    throw new StateFailure(`Command "${p.name}" run failed with retcode ${r.code}${r.stderr ? `: ${r.stderr.trim()}` : ''}`, changes);
  }
  return { changes, comment: `Command "${p.name}" run` };
}

export const run: StateFunction<CmdParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): CmdParams {
    if (!chunk.name.trim()) throw new StateArgError(ref, 'name', 'an empty command');
    if (args['stateful']) throw new StateArgError(ref, 'stateful', 'not supported');
    const creates = optStrList(ref, args, 'creates')?.map((f) => absPath(ref, 'creates', f));
    const cwd = optStr(ref, args, 'cwd');
    return {
      name: chunk.name,
      unless: optStrList(ref, args, 'unless'),
      onlyif: optStrList(ref, args, 'onlyif'),
      creates,
      cwd: cwd === undefined ? undefined : absPath(ref, 'cwd', cwd),
      env: parseEnv(ref, args['env']),
      runas: optStr(ref, args, 'runas'),
      shell: optStr(ref, args, 'shell'),
    };
  },
  async check(p, ctx) {
    p.skipped = await guard(p, ctx);
    return p.skipped ? {} : { cmd: p.name };
  },
  apply: (p, _pending, ctx) => runIt(p, ctx),
  async watch(p, ctx) {
    const skip = await guard(p, ctx);
    if (skip) return { changes: {}, comment: skip };
    return runIt(p, ctx);
  },
  watchSkipped: (p) => p.skipped,
  // Running a command is not observable afterwards, unless `creates` names what it makes: then check again.
  recheck: (p) => Boolean(p.creates?.length),
  okComment: (p) => p.skipped ?? `Command "${p.name}" need not run`,
  testComment: (p) => `Command "${p.name}" would have been executed`,
  // Salt's cmd.mod_watch is cmd.run: in test mode it says what cmd.run's dry run says.
  watchTestComment: async (p) => `Command "${p.name}" would have been executed`,
};

/**
 * cmd.wait (Salt 3006, kept for older formulas): does nothing on its own; when a state it watches changes, it runs
 * the command as cmd.run would (its mod_watch), guards included.
 */
export const wait: StateFunction<CmdParams> = {
  ...run,
  async check(p, ctx) {
    p.skipped = await guard(p, ctx);
    return {};
  },
  recheck: false,
  okComment: () => '',
};

export const cmdModule: StateModule = { name: 'cmd', functions: { run, wait } };
