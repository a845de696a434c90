import * as fs from 'fs';
import * as path from 'path';
import { isDict, traverse, UsageError, type Dict } from '@brine/core';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { arg, truthy, type ExecEnv, type ExecModule } from './types';

/** Salt's `<config dir>/grains` file, where grains.setval & co. persist (salt/modules/grains.py). */
function grainsPath(env: ExecEnv): string {
  const dir = env.opts['config_dir'];
  if (typeof dir !== 'string' || !dir) throw new UsageError('grains: the minion has no config_dir to keep its grains file in');
  return path.join(dir, 'grains');
}

function readGrainsFile(env: ExecEnv): Dict {
  const p = grainsPath(env);
  if (!fs.existsSync(p)) return {};
  const data = parseYaml(fs.readFileSync(p, 'utf8'), { version: '1.1' }) as unknown;
  return isDict(data) ? data : {};
}

/** Write the grains file and update this run's (and, in the daemon, the minion's) grains. */
function saveGrains(env: ExecEnv, update: Dict, drop: string[] = []): void {
  const file = readGrainsFile(env);
  for (const k of drop) {
    delete file[k];
    delete env.grains[k];
  }
  Object.assign(file, update);
  Object.assign(env.grains, update);
  const p = grainsPath(env);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Object.keys(file).length ? toYaml(file) : '{}\n');
  fs.renameSync(tmp, p);
}

/** Current value of a grain: the grains file first (what is persisted), else the loaded grains. */
/**
 * The return, once a minion daemon has told the master its new grains (as Salt's grains refresh does); a plain value
 * in a masterless call or a template.
 */
function reported<T>(env: ExecEnv, value: T): T | Promise<T> {
  const hook = env.hooks?.['grains.report'];
  if (!hook) return value;
  return hook([], {}).then(
    () => value,
    (e: unknown) => {
      env.log.warn(`grains saved, but the master was not told: ${(e as Error).message}`);
      return value;
    },
  );
}

const current = (env: ExecEnv, key: string): unknown => {
  const file = readGrainsFile(env);
  return key in file ? file[key] : env.grains[key];
};

export const grainsModule: ExecModule = {
  name: 'grains',
  // Salt 3006's signatures (grains.item takes *args, **kwargs: anything).
  params: {
    items: ['sanitize'],
    ls: [],
    get: ['key', 'default', 'delimiter', 'ordered'],
    setval: ['key', 'val', 'destructive', 'refresh_pillar'],
    setvals: ['grains', 'destructive', 'refresh_pillar'],
    append: ['key', 'val', 'convert', 'delimiter'],
    remove: ['key', 'val', 'delimiter'],
    delval: ['key', 'destructive', 'force'],
  },
  docs: {
    items: 'Every grain of this minion.',
    item: 'The grains named (keys may go down nested dicts with ":"): {key: value}.',
    ls: 'The names of every grain, sorted.',
    get: 'One grain by key (nested with ":", or delimiter=); default= when it is not set.',
    setval: 'Set grain key to val in the minion grains file and report it; returns {key: val}.',
    setvals: 'Set every grain of the dict given (grains=) in the minion grains file; returns the dict.',
    append: 'Append val to the list grain key (convert=True turns a single value into a list first).',
    remove: 'Remove val from the list grain key.',
    delval: 'Set grain key to None, or drop it from the grains file with destructive=True.',
  },
  functions: {
    items: (_a, _k, env) => env.grains,
    item: (args, _k, env) => Object.fromEntries(args.map((k) => [String(k), traverse(env.grains, String(k))])),
    ls: (_a, _k, env) => Object.keys(env.grains).sort(),
    get: (args, kwargs, env) => {
      const v = traverse(env.grains, String(arg(args, kwargs, 0, 'key', '')), String(kwargs['delimiter'] ?? ':'));
      return v === undefined ? arg(args, kwargs, 1, 'default', '') : v;
    },
    setval: (args, kwargs, env) => {
      const key = String(arg(args, kwargs, 0, 'key', ''));
      if (!key) throw new UsageError('grains.setval: a key is required');
      const val = arg(args, kwargs, 1, 'val', null);
      saveGrains(env, { [key]: val });
      return reported(env, { [key]: val });
    },
    setvals: (args, kwargs, env) => {
      const g = arg(args, kwargs, 0, 'grains', null);
      if (!isDict(g)) throw new UsageError('grains.setvals: grains must be a dictionary');
      saveGrains(env, g);
      return reported(env, g);
    },
    append: (args, kwargs, env) => {
      const key = String(arg(args, kwargs, 0, 'key', ''));
      const val = arg(args, kwargs, 1, 'val', null);
      const convert = truthy(arg(args, kwargs, 2, 'convert', false));
      let list = current(env, key) ?? [];
      if (!Array.isArray(list)) {
        if (!convert) return `The key ${key} is not a valid list`;
        list = [list];
      }
      const items = list as unknown[];
      if (items.some((x) => JSON.stringify(x) === JSON.stringify(val))) return `The val ${String(val)} was already in the list ${key}`;
      const next = [...items, val];
      saveGrains(env, { [key]: next });
      return reported(env, { [key]: next });
    },
    remove: (args, kwargs, env) => {
      const key = String(arg(args, kwargs, 0, 'key', ''));
      const val = arg(args, kwargs, 1, 'val', null);
      const list = current(env, key) ?? [];
      if (!Array.isArray(list)) return `The key ${key} is not a valid list`;
      if (!list.some((x) => JSON.stringify(x) === JSON.stringify(val))) return `The val ${String(val)} was not in the list ${key}`;
      const next = list.filter((x) => JSON.stringify(x) !== JSON.stringify(val));
      saveGrains(env, { [key]: next });
      return reported(env, { [key]: next });
    },
    delval: (args, kwargs, env) => {
      const key = String(arg(args, kwargs, 0, 'key', ''));
      const destructive = truthy(arg(args, kwargs, 1, 'destructive', false));
      // Salt: grains.set(key, None), or the key removed from the file with destructive=True.
      if (destructive) saveGrains(env, {}, [key]);
      else saveGrains(env, { [key]: null });
      return reported(env, { comment: '', changes: { [key]: null }, result: true });
    },
  },
};
