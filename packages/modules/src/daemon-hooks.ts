/** Functions that only a running minion can answer (pillar refresh, schedule); masterless calls say so. */
import { UsageError } from '@brine/core';
import type { ExecFn, ExecModule } from './types';

function viaHook(name: string): ExecFn {
  return (args, kwargs, env) => {
    const h = env.hooks?.[name];
    if (!h) throw new UsageError(`${name} needs a running minion (this is a masterless call)`);
    return h(args, kwargs);
  };
}

export const saltutilModule: ExecModule = {
  name: 'saltutil',
  docs: {
    refresh_pillar: 'Compile this minion\'s pillar again from the master (needs a running minion).',
  },
  functions: { refresh_pillar: viaHook('saltutil.refresh_pillar') },
};

export const scheduleModule: ExecModule = {
  name: 'schedule',
  docs: {
    list: 'The jobs scheduled on this minion (needs a running minion).',
    run_job: 'Run a scheduled job now, by name (needs a running minion).',
  },
  functions: { list: viaHook('schedule.list'), run_job: viaHook('schedule.run_job') },
};
