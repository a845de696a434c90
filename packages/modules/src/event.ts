/**
 * `event.send` and `event.fire_master`: events from this minion to the master's event bus, through the daemon hook
 * `hooks['event.fire_master']` (args `[data, tag]`). The master files them under this minion's authenticated id
 * (a minion cannot fire as another, nor under the master's `salt/` tags). In a masterless call there is no master:
 * they return False and log a warning, as Salt's do.
 */
import { isDict, UsageError, type Dict } from '@brine/core';
import { arg, truthy, type ExecEnv, type ExecModule } from './types';

async function fire(env: ExecEnv, data: unknown, tag: string): Promise<boolean> {
  if (!tag) throw new UsageError('event: a tag is required (event.send TAG [DATA])');
  const hook = env.hooks?.['event.fire_master'];
  if (!hook) {
    env.log.warn(`Local mode detected. Event with tag ${tag} will NOT be sent.`);
    return false;
  }
  return (await hook([data, tag], {})) === true;
}

/** `with_grains` / `with_pillar` / `with_env`: True for everything, or a list of keys to include. */
function subset(want: unknown, from: Dict): Dict {
  if (Array.isArray(want)) return Object.fromEntries(want.map(String).filter((k) => k in from).map((k) => [k, from[k]]));
  return { ...from };
}

const SEND_PARAMS = new Set(['tag', 'data', 'preload', 'with_env', 'with_grains', 'with_pillar', 'with_env_opts']);

export const eventModule: ExecModule = {
  name: 'event',
  functions: {
    /** Salt's `event.send(tag, data=None, with_grains=False, with_pillar=False, with_env=False, with_env_opts=False, **kwargs)`. */
    send: async (args, kwargs, env) => {
      const tag = String(arg(args, kwargs, 0, 'tag', '') ?? '');
      const data: Dict = {};
      const withEnv = kwargs['with_env'];
      if (withEnv !== undefined && (Array.isArray(withEnv) || truthy(withEnv))) data['environ'] = subset(withEnv, process.env as Dict);
      const withGrains = kwargs['with_grains'];
      if (withGrains !== undefined && (Array.isArray(withGrains) || truthy(withGrains))) data['grains'] = subset(withGrains, env.grains);
      const withPillar = kwargs['with_pillar'];
      if (withPillar !== undefined && (Array.isArray(withPillar) || truthy(withPillar))) data['pillar'] = subset(withPillar, env.pillar);
      if (truthy(kwargs['with_env_opts'] ?? false)) {
        data['saltenv'] = env.opts['saltenv'] ?? 'base';
        data['pillarenv'] = env.opts['pillarenv'] ?? null;
      }
      // Any other keyword is event data (Salt's **kwargs); the publication's own `__pub_*` keys are not.
      for (const [k, v] of Object.entries(kwargs)) if (!SEND_PARAMS.has(k) && !k.startsWith('__')) data[k] = v;
      const given = arg(args, kwargs, 1, 'data', undefined);
      if (isDict(given)) Object.assign(data, given);
      return fire(env, data, tag);
    },
    /** Salt's `event.fire_master(data, tag)`: the data as given. */
    fire_master: async (args, kwargs, env) => fire(env, arg(args, kwargs, 0, 'data', {}), String(arg(args, kwargs, 1, 'tag', '') ?? '')),
  },
  docs: {
    send: 'Send an event to the master: tag, data; with_grains, with_pillar, with_env, with_env_opts add those; other key=value pairs become data.\nsalt-call event.send myco/mytag foo=Foo',
    fire_master: "Fire an event on the master's bus: data, tag.\nsalt '*' event.fire_master '{\"data\": \"my event data\"}' tag",
  },
};
