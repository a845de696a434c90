/** cmd.run (and cmd.wait, below): run a command, guarded by `unless` / `onlyif` / `creates` (guards run in test mode too, like Salt). */
import * as crypto from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { isDict, StateArgError, type LowChunk } from '@brine/core';
import { StateFailure, type ApplyContext, type ApplyOutcome, type CheckContext, type ExecOptions, type HostReader, type StateFunction, type StateModule } from '../types';
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

/**
 * As Salt's cmd module runs them: without `cwd`, in the home directory of `runas` (or of the minion's user), or in
 * `/` when that directory is not there.
 */
async function execOpts(p: CmdParams, host: HostReader): Promise<ExecOptions> {
  let cwd = p.cwd;
  if (cwd === undefined) {
    const home = p.runas ? (await host.user(p.runas))?.home : os.homedir();
    cwd = home && (await host.stat(home))?.type === 'directory' ? home : '/';
  }
  return { cwd, env: p.env, runas: p.runas, shell: p.shell };
}

/** A reason to skip, or undefined when the command should run. */
async function guard(p: CmdParams, ctx: CheckContext): Promise<string | undefined> {
  if (p.creates) {
    const exists = await Promise.all(p.creates.map((f) => ctx.host.lstat(f)));
    if (exists.every(Boolean)) return 'All files in creates exist';
  }
  for (const c of p.onlyif ?? []) {
    if ((await ctx.host.probe(c, await execOpts(p, ctx.host))).code !== 0) return 'onlyif condition is false';
  }
  if (p.unless?.length) {
    let allTrue = true;
    for (const c of p.unless) if ((await ctx.host.probe(c, await execOpts(p, ctx.host))).code !== 0) allTrue = false;
    if (allTrue) return 'unless condition is true';
  }
  return undefined;
}

async function runIt(p: CmdParams, ctx: ApplyContext): Promise<ApplyOutcome> {
  const r = await ctx.host.run(p.name, await execOpts(p, ctx.host));
  const changes = { pid: r.pid, retcode: r.code, stdout: r.stdout, stderr: r.stderr };
  if (r.code !== 0) {
    // Salt says only that it ran; the exit status and output are in the changes
    throw new StateFailure(`Command "${p.name}" run`, changes);
  }
  return { changes, comment: `Command "${p.name}" run` };
}

function parseCmd(ref: string, args: Args, chunk: LowChunk): CmdParams {
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
}

/**
 * What cmd.run and cmd.script share: the guards (run in a dry run too), mod_watch, and Salt's comments, which quote
 * the command with `q` (cmd.run "...", cmd.script '...').
 */
function commandState<P extends CmdParams>(exec: (p: P, ctx: ApplyContext) => Promise<ApplyOutcome>, q: string): Omit<StateFunction<P>, 'parse'> {
  return {
    async check(p, ctx) {
      p.skipped = await guard(p, ctx);
      return p.skipped ? {} : { cmd: p.name };
    },
    apply: (p, _pending, ctx) => exec(p, ctx),
    async watch(p, ctx) {
      const skip = await guard(p, ctx);
      if (skip) return { changes: {}, comment: skip };
      return exec(p, ctx);
    },
    watchSkipped: (p) => p.skipped,
    // Running a command is not observable afterwards, unless `creates` names what it makes: then check again.
    recheck: (p) => Boolean(p.creates?.length),
    okComment: (p) => p.skipped ?? `Command ${q}${p.name}${q} need not run`,
    testComment: (p) => `Command ${q}${p.name}${q} would have been executed`,
    // Salt's cmd.mod_watch is the state itself: in test mode it says (and reports) what the dry run does.
    watchTestComment: async (p) => `Command ${q}${p.name}${q} would have been executed`,
    watchTestChanges: (p) => ({ cmd: p.name }),
  };
}

export const run: StateFunction<CmdParams> = { parse: parseCmd, ...commandState(runIt, '"') };

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

export interface ScriptParams extends CmdParams {
  source: string;
  args?: string;
  template?: string;
  context: Record<string, unknown>;
}

/** Python's shlex.quote, as Salt quotes the script's path. */
const shQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\"'\"'")}'`);

async function runScript(p: ScriptParams, ctx: ApplyContext): Promise<ApplyOutcome> {
  const got = ctx.files.fetch([p.source]);
  if (!got) {
    throw new StateFailure(`Unable to cache script ${p.source} from saltenv '${ctx.chunk.env}'`, { pid: 0, retcode: 1, stdout: '', stderr: '', cache_error: true });
  }
  const text = p.template ? ctx.template.render(got.data.toString('utf8'), got.url, p.context) : got.data;
  const ext = path.extname(p.source.replace(/\?.*$/, ''));
  const file = path.join(p.cwd ?? os.tmpdir(), `__brine.tmp.${crypto.randomBytes(6).toString('hex')}${ext}`);
  const owner = p.runas ? await ctx.host.user(p.runas) : null;
  if (p.runas && !owner) throw new Error(`User '${p.runas}' is not available`);
  await ctx.host.writeFileAtomic(file, text, { mode: 0o500, ...(owner ? { uid: owner.uid } : {}) });
  try {
    const r = await ctx.host.run(p.args ? `${shQuote(file)} ${p.args}` : shQuote(file), await execOpts(p, ctx.host));
    const changes = { pid: r.pid, retcode: r.code, stdout: r.stdout, stderr: r.stderr };
    if (r.code !== 0) throw new StateFailure(`Command '${p.name}' run`, changes);
    return { changes, comment: `Command '${p.name}' run` };
  } finally {
    await ctx.host.remove(file);
  }
}

/**
 * cmd.script (Salt 3006): fetch `source` (salt:// or a path; `name` when no source is given; `template: jinja` with
 * `context`/`defaults`), write it to a temporary file (0500; in `cwd` when given) and run it with `args` (or the
 * words of `name` after the first), guarded like cmd.run. Changes `{pid, retcode, stdout, stderr}`; a non-zero
 * retcode fails the state, as in Salt.
 */
export const script: StateFunction<ScriptParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): ScriptParams {
    const base = parseCmd(ref, args, chunk);
    const template = optStr(ref, args, 'template');
    if (template !== undefined && template !== 'jinja') throw new StateArgError(ref, 'template', `only jinja templates are supported, got ${JSON.stringify(template)}`);
    for (const k of ['context', 'defaults']) {
      if (args[k] !== undefined && args[k] !== null && !isDict(args[k])) throw new StateArgError(ref, k, `Invalidly-formatted '${k}' parameter. Must be formed as a dict.`);
    }
    const given = optStr(ref, args, 'args');
    const words = chunk.name.split(' ');
    return {
      ...base,
      source: optStr(ref, args, 'source') ?? chunk.name,
      args: given || (chunk.name.trim().split(/\s+/).length > 1 ? words.slice(1).join(' ') : undefined),
      template,
      context: { ...(args['defaults'] as Record<string, unknown> | undefined), ...(args['context'] as Record<string, unknown> | undefined) },
    };
  },
  ...commandState(runScript, "'"),
  testChanges: () => ({}),
  watchTestChanges: () => ({}),
};

export const cmdModule: StateModule = { name: 'cmd', functions: { run, wait, script } };
