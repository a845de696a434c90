/**
 * alternatives.* execution functions (Salt 3006 salt/modules/alternatives.py) over `update-alternatives`, with the
 * state kind's helpers: the texts Salt returns (a command's output, or its error text), False for a missing link.
 */
import { UsageError } from '@brine/core';
import { ALTERNATIVES_CMD, altCurrent, altDisplay, altExists, altRun } from '@brine/engine';
import { CancellableWriter } from './exec';
import { arg, type ExecEnv, type ExecFn, type ExecModule } from './types';

function need(fun: string, args: unknown[], kwargs: Record<string, unknown>, names: string[]): string[] {
  return names.map((n, i) => {
    const v = arg(args, kwargs, i, n, undefined);
    if (v === undefined || v === null || v === '') throw new UsageError(`alternatives.${fun}: ${names.join(', ')} required (missing ${n})`);
    return String(v);
  });
}

/** The host the job's commands run on: `saltutil.kill_job` stops them. */
type Host = CancellableWriter;
const fn = (names: string[], body: (v: string[], host: Host) => Promise<unknown>) => (fun: string): ExecFn => async (args, kwargs, env: ExecEnv) =>
  body(need(fun, args, kwargs, names), new CancellableWriter(env.signal));

const table: Record<string, (fun: string) => ExecFn> = {
  display: fn(['name'], ([name], host) => altDisplay(name!, host)),
  show_current: fn(['name'], ([name], host) => altCurrent(name!, host)),
  /** The master link, from `--query` (Salt reads it so on Debian). */
  show_link: fn(['name'], async ([name], host) => {
    const r = await host.probe([ALTERNATIVES_CMD, '--query', name!]);
    if (r.code > 0 && r.stderr !== '') return false;
    const line = r.stdout.split('\n\n', 1)[0]!.split('\n').find((l) => l.startsWith('Link:'));
    return line ? line.split(':').slice(1).join(':').trim() : false;
  }),
  check_exists: fn(['name', 'path'], ([name, path], host) => altExists(name!, path!, host)),
  check_installed: fn(['name', 'path'], async ([name, path], host) => (await altCurrent(name!, host)) === path),
  install: fn(['name', 'link', 'path', 'priority'], ([name, link, path, priority], host) => altRun(['--install', link!, name!, path!, priority!], host, 'stderr')),
  remove: fn(['name', 'path'], ([name, path], host) => altRun(['--remove', name!, path!], host)),
  auto: fn(['name'], ([name], host) => altRun(['--auto', name!], host)),
  set: fn(['name', 'path'], ([name, path], host) => altRun(['--set', name!, path!], host)),
};

export const alternativesModule: ExecModule = {
  name: 'alternatives',
  params: {
    display: ['name'],
    show_current: ['name'],
    show_link: ['name'],
    check_exists: ['name', 'path'],
    check_installed: ['name', 'path'],
    install: ['name', 'link', 'path', 'priority'],
    remove: ['name', 'path'],
    auto: ['name'],
    set: ['name', 'path'],
  },
  docs: {
    display: "update-alternatives --display NAME: its output (or its error text).\n\nCLI Example:\n\n    brine run '*' alternatives.display editor",
    show_current: 'The path /etc/alternatives/NAME points to, False when there is none.',
    show_link: 'The master link of NAME (e.g. /usr/bin/editor), False when unknown.',
    check_exists: 'Whether PATH is registered as an alternative for NAME.',
    check_installed: 'Whether NAME currently points to PATH.',
    install: 'Register PATH for NAME behind LINK with PRIORITY (update-alternatives --install). Returns its output.',
    remove: 'Remove PATH from NAME (update-alternatives --remove). Returns its output.',
    auto: 'Put NAME in automatic mode. Returns the output.',
    set: 'Point NAME at PATH (manual mode). Returns the output.',
  },
  functions: Object.fromEntries(Object.entries(table).map(([k, make]) => [k, make(k)])),
};
