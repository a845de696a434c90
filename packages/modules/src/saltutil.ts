/**
 * saltutil.* (Salt 3006 salt/modules/saltutil.py): sync_all|sync_modules|sync_states|sync_grains, refresh_grains,
 * running|find_job|kill_job. Syncing copies `_modules`, `_states`, `_grains` from the state tree into the extension
 * cache and loads them (extensions.ts); on a minion the daemon first brings its copy of the tree up to date
 * (`files.sync` hook). The job table lives in the daemon (`saltutil.running|find_job|kill_job` hooks).
 */
import { UsageError, type Dict, type FileRoots } from '@brine/core';
import { EXT_KINDS, loadExtensions, minionGrains, syncKind, type ExtKind } from './extensions';
import { arg, fileEnvs, truthy, type ExecEnv, type ExecFn, type ExecModule } from './types';
import { topFileEnvs } from './state';

function cachedirOf(env: ExecEnv): string {
  const c = env.opts['cachedir'];
  if (typeof c !== 'string' || !c) throw new UsageError('saltutil: the minion has no cachedir to keep custom modules in');
  return c;
}

/** Recompute the grains (custom grains modules included); the daemon also tells the master. */
async function refreshGrains(env: ExecEnv): Promise<boolean> {
  const hook = env.hooks?.['saltutil.refresh_grains'];
  if (hook) return Boolean(await hook([], {}));
  const fresh = minionGrains(env.opts as { id: string }, env.log, true);
  for (const k of Object.keys(env.grains)) if (!(k in fresh)) delete env.grains[k];
  Object.assign(env.grains, fresh);
  return true;
}

/**
 * The roots to sync from: the environments `saltenv` names (a name, a comma-separated string or a list), or as in
 * Salt, when none is named, those the highstate's top files match for this minion.
 */
function syncRoots(env: ExecEnv, saltenv: unknown): FileRoots[] {
  const envs = fileEnvs(env);
  const names = saltenv === undefined || saltenv === null || saltenv === '' ? topFileEnvs(env) : Array.isArray(saltenv) ? saltenv.map(String) : String(saltenv).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!envs.has(n)) throw new UsageError(`saltenv '${n}' is not served (the environments are: ${envs.names().join(', ')})`);
  return names.map((n) => envs.get(n)!);
}

async function sync(env: ExecEnv, kinds: readonly ExtKind[], kwargs: Dict): Promise<Record<ExtKind, string[]>> {
  await env.hooks?.['files.sync']?.([], {});
  const from = syncRoots(env, kwargs['saltenv']);
  const cachedir = cachedirOf(env);
  const out = { modules: [], states: [], grains: [] } as Record<ExtKind, string[]>;
  for (const k of kinds) out[k] = syncKind(from, cachedir, k);
  if (truthy(kwargs['refresh'] ?? true)) {
    loadExtensions(cachedir, env.log);
    if (kinds.includes('grains')) await refreshGrains(env);
  }
  return out;
}

/** Salt 3006's sync_all keys, in its order; the kinds Brine does not load (cloud, beacon, sdb, ...) are always []. */
const SYNC_ALL_KEYS = ['clouds', 'beacons', 'modules', 'states', 'sdb', 'grains', 'renderers', 'returners', 'output', 'utils', 'log_handlers', 'executors', 'proxymodules', 'engines', 'thorium', 'serializers', 'matchers', 'pillar'] as const;

async function syncAll(env: ExecEnv, kwargs: Dict): Promise<Record<string, string[]>> {
  const got = await sync(env, EXT_KINDS, kwargs);
  return Object.fromEntries(SYNC_ALL_KEYS.map((k) => [k, (got as Record<string, string[]>)[k] ?? []]));
}

const syncOne = (kind: ExtKind): ExecFn => async (args, kwargs, env) => (await sync(env, [kind], { saltenv: arg(args, kwargs, 0, 'saltenv', null), ...kwargs }))[kind];

/** A daemon-side job-table function; a masterless call has no other jobs (Salt's empty answers). */
function jobTable(name: string, none: unknown): ExecFn {
  return async (args, kwargs, env) => {
    const h = env.hooks?.[name];
    return h ? h(args, kwargs) : none;
  };
}

export const saltutilExtraModule: ExecModule = {
  name: 'saltutil',
  docs: {
    sync_all: "Sync custom modules, states and grains (_modules, _states, _grains in the file roots) into the extension cache\nand load them. Returns Salt's dict of kinds ({modules: [...], states: [...], grains: [...], beacons: [], ...}) with what\nwas added or changed.",
    sync_modules: "Sync _modules/*.js; returns ['modules.<name>', ...] for what was added or changed.",
    sync_states: "Sync _states/*.js; returns ['states.<name>', ...].",
    sync_grains: "Sync _grains/*.js and refresh the grains; returns ['grains.<name>', ...].",
    refresh_grains: "Recompute the grains (custom grains modules included) and report them to the master. Returns True.",
    running: "The jobs running on this minion: [{jid, fun, arg, pid, tgt, tgt_type, user, id}] (pid: the job process's;\nabsent for a function that runs inside the minion daemon).",
    find_job: "The running job with this jid (its running entry), or {}.",
    kill_job: "Kill a running job (its commands first). Returns 'Signal 9 sent to job <jid> at pid <pid>' (a job without a process\nof its own is cancelled and the answer says so), or '' when not running.",
  },
  functions: {
    sync_all: async (args, kwargs, env) => syncAll(env, { saltenv: arg(args, kwargs, 0, 'saltenv', null), ...kwargs }),
    sync_modules: syncOne('modules'),
    sync_states: syncOne('states'),
    sync_grains: syncOne('grains'),
    refresh_grains: async (_a, _k, env) => refreshGrains(env),
    running: jobTable('saltutil.running', []),
    find_job: jobTable('saltutil.find_job', {}),
    kill_job: jobTable('saltutil.kill_job', ''),
  },
};
