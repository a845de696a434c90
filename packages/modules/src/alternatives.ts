/**
 * alternatives.* execution functions (Salt 3006 salt/modules/alternatives.py) over `update-alternatives`, with the
 * state kind's helpers: the texts Salt returns (a command's output, or its error text), False for a missing link.
 */
import { UsageError } from '@brine/core';
import { ALTERNATIVES_CMD, altCurrent, altDisplay, altExists, altRun, LocalHostReader, LocalHostWriter } from '@brine/engine';
import { arg, type ExecFn, type ExecModule } from './types';

const reader = new LocalHostReader();
const writer = new LocalHostWriter();

function need(fun: string, args: unknown[], kwargs: Record<string, unknown>, names: string[]): string[] {
  return names.map((n, i) => {
    const v = arg(args, kwargs, i, n, undefined);
    if (v === undefined || v === null || v === '') throw new UsageError(`alternatives.${fun}: ${names.join(', ')} required (missing ${n})`);
    return String(v);
  });
}

const fn = (names: string[], body: (v: string[]) => Promise<unknown>) => (fun: string): ExecFn => async (args, kwargs) => body(need(fun, args, kwargs, names));

const table: Record<string, (fun: string) => ExecFn> = {
  display: fn(['name'], ([name]) => altDisplay(name!, reader)),
  show_current: fn(['name'], ([name]) => altCurrent(name!, reader)),
  /** The master link, from `--query` (Salt reads it so on Debian). */
  show_link: fn(['name'], async ([name]) => {
    const r = await reader.probe([ALTERNATIVES_CMD, '--query', name!]);
    if (r.code > 0 && r.stderr !== '') return false;
    const line = r.stdout.split('\n\n', 1)[0]!.split('\n').find((l) => l.startsWith('Link:'));
    return line ? line.split(':').slice(1).join(':').trim() : false;
  }),
  check_exists: fn(['name', 'path'], ([name, path]) => altExists(name!, path!, reader)),
  check_installed: fn(['name', 'path'], async ([name, path]) => (await altCurrent(name!, reader)) === path),
  install: fn(['name', 'link', 'path', 'priority'], ([name, link, path, priority]) => altRun(['--install', link!, name!, path!, priority!], writer, 'stderr')),
  remove: fn(['name', 'path'], ([name, path]) => altRun(['--remove', name!, path!], writer)),
  auto: fn(['name'], ([name]) => altRun(['--auto', name!], writer)),
  set: fn(['name', 'path'], ([name, path]) => altRun(['--set', name!, path!], writer)),
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
