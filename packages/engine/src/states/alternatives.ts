/**
 * alternatives.install / remove / auto / set (Salt 3006, salt/states/alternatives.py over salt/modules/alternatives.py):
 * the Debian alternatives system through `update-alternatives` (RHEL ships the same command as a link to its
 * `alternatives`). What is registered comes from `--display NAME` (a path is registered when a line of it starts
 * with the path, as Salt reads it), the current choice from the /etc/alternatives/NAME link. Comments, changes and
 * dry-run wording are Salt's; a dry run reports no changes, as Salt's does.
 */
import { StateArgError } from '@brine/core';
import type { ApplyContext, CheckContext, ExecResult, HostReader, HostWriter, StateFunction, StateModule } from '../types';
import { absPath, optStr, type Args } from './util';

export const ALTERNATIVES_CMD = 'update-alternatives';

/** alternatives.display: the text of `--display NAME`, or its error text when it fails with one. */
export async function altDisplay(name: string, host: HostReader): Promise<string> {
  const r = await host.probe([ALTERNATIVES_CMD, '--display', name]);
  return r.code > 0 && r.stderr !== '' ? r.stderr : r.stdout;
}

/** alternatives.show_current: the target of /etc/alternatives/NAME, false when there is none. */
export async function altCurrent(name: string, host: HostReader): Promise<string | false> {
  return (await host.readlink(`/etc/alternatives/${name}`)) ?? false;
}

/** alternatives.check_exists: PATH is registered for NAME. */
export async function altExists(name: string, path: string, host: HostReader): Promise<boolean> {
  const r = await host.probe([ALTERNATIVES_CMD, '--display', name]);
  if (r.code > 0 && r.stderr !== '') return false;
  return r.stdout.split(/\r?\n/).some((l) => l.startsWith(path));
}

/** A change through update-alternatives: its output, or its error text when it fails (Salt's module returns either). */
export async function altRun(argv: string[], host: HostWriter, errorOnly: 'stderr' | 'any-code' = 'any-code'): Promise<string> {
  const r: ExecResult = await host.run([ALTERNATIVES_CMD, ...argv]);
  const failed = errorOnly === 'stderr' ? r.code > 0 && r.stderr !== '' : r.code > 0;
  return failed ? r.stderr : r.stdout;
}

export interface AlternativesParams {
  name: string;
  link?: string;
  path?: string;
  /** As given (Salt reports it back as written: 10 or '10'). */
  priority?: number | string;
  /** Set by check: the current choice (remove: the path Salt says it falls back to). */
  current?: string | false;
}

function name(ref: string, n: string): string {
  if (!n || /\s|\//.test(n)) throw new StateArgError(ref, 'name', `not an alternatives name: ${JSON.stringify(n)}`);
  return n;
}

function pathArg(ref: string, args: Args, key: string): string {
  const v = optStr(ref, args, key);
  if (v === undefined) throw new StateArgError(ref, key, 'required');
  return absPath(ref, key, v);
}

export const install: StateFunction<AlternativesParams> = {
  parse(ref, args, chunk) {
    const raw = args['priority'];
    const priority = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(priority)) throw new StateArgError(ref, 'priority', `an integer is required, got ${JSON.stringify(raw)}`);
    return { name: name(ref, chunk.name), link: pathArg(ref, args, 'link'), path: pathArg(ref, args, 'path'), priority: raw as number | string };
  },
  async check(p, ctx: CheckContext) {
    return (await altExists(p.name, p.path!, ctx.host)) ? {} : { name: p.name, link: p.link, path: p.path, priority: p.priority };
  },
  async apply(p, pending, ctx: ApplyContext) {
    const out = await altRun(['--install', p.link!, p.name, p.path!, String(p.priority)], ctx.host, 'stderr');
    if (!(await altExists(p.name, p.path!, ctx.host))) throw new Error(`Alternative for ${p.name} not installed: ${out}`);
    const set = (await altCurrent(p.name, ctx.host)) === p.path;
    return {
      changes: pending,
      comment: set
        ? `Alternative for ${p.name} set to path ${p.path} with priority ${p.priority}`
        : `Alternative ${p.path} for ${p.name} registered with priority ${p.priority} and not set to default`,
    };
  },
  okComment: (p) => `Alternative ${p.path} for ${p.name} is already registered`,
  testComment: (p) => `Alternative will be set for ${p.name} to ${p.path} with priority ${p.priority}`,
  testChanges: () => ({}),
};

export const remove: StateFunction<AlternativesParams> = {
  parse: (ref, args, chunk) => ({ name: name(ref, chunk.name), path: pathArg(ref, args, 'path') }),
  async check(p, ctx: CheckContext) {
    if (await altExists(p.name, p.path!, ctx.host)) return { path: p.path };
    p.current = await altCurrent(p.name, ctx.host);
    if (!p.current) throw new Error(`Alternative for ${p.name} doesn't exist`);
    return {};
  },
  async apply(p, _pending, ctx: ApplyContext) {
    await altRun(['--remove', p.name, p.path!], ctx.host);
    const current = await altCurrent(p.name, ctx.host);
    // Salt's remove reports where the name falls back to, or nothing when it is gone altogether.
    if (current) return { changes: { path: current }, comment: `Alternative for ${p.name} removed. Falling back to path ${current}` };
    return { changes: {}, comment: `Alternative for ${p.name} removed` };
  },
  // Salt's wording, its apostrophe included.
  okComment: (p) => `Alternative for ${p.name} is set to it's default path ${p.current}`,
  testComment: (p) => `Alternative for ${p.name} will be removed`,
  testChanges: () => ({}),
  // Removing the last path removes the name: check would then fail with "doesn't exist", which is not a failure here.
  recheck: false,
};

export const auto: StateFunction<AlternativesParams> = {
  parse: (ref, args, chunk) => ({ name: name(ref, chunk.name) }),
  async check(p, ctx: CheckContext) {
    const first = (await altDisplay(p.name, ctx.host)).split(/\r?\n/)[0] ?? '';
    return first.endsWith(' auto mode') ? {} : { result: true };
  },
  async apply(p, _pending, ctx: ApplyContext) {
    return { changes: { result: await altRun(['--auto', p.name], ctx.host) }, comment: '' };
  },
  okComment: (p) => `${p.name} already in auto mode`,
  testComment: (p) => `${p.name} will be put in auto mode`,
  testChanges: () => ({}),
};

export const set: StateFunction<AlternativesParams> = {
  parse: (ref, args, chunk) => ({ name: name(ref, chunk.name), path: pathArg(ref, args, 'path') }),
  async check(p, ctx: CheckContext) {
    if ((await altCurrent(p.name, ctx.host)) === p.path) return {};
    if (!(await altExists(p.name, p.path!, ctx.host))) throw new Error(`Alternative ${p.path} for ${p.name} doesn't exist`);
    return { path: p.path };
  },
  async apply(p, _pending, ctx: ApplyContext) {
    await altRun(['--set', p.name, p.path!], ctx.host);
    const current = await altCurrent(p.name, ctx.host);
    // Salt reports this as a success with no changes; Brine fails it, since the host is not as the state says.
    if (current !== p.path) throw new Error(`Alternative for ${p.name} not updated`);
    return { changes: { path: current }, comment: `Alternative for ${p.name} set to path ${current}` };
  },
  okComment: (p) => `Alternative for ${p.name} already set to ${p.path}`,
  testComment: (p) => `Alternative for ${p.name} will be set to path ${p.path}`,
  testChanges: () => ({}),
};

export const alternativesModule: StateModule = { name: 'alternatives', functions: { install, remove, auto, set } };
