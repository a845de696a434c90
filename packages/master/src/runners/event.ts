/** `event.send TAG [DATA]` (Salt's event runner): the operator fires an event on the master's bus, tag as given. */
import { isDict, UsageError } from '@brine/core';
import { argOf, strArg } from './args';
import type { RunnerModule } from './types';

export const eventRunners: RunnerModule = {
  'event.send': (args, kwargs, { master }) => {
    const tag = strArg(args, kwargs, 0, 'tag');
    const data = argOf(args, kwargs, 1, 'data') ?? {};
    if (!isDict(data)) throw new UsageError(`event.send: data must be a mapping, got ${JSON.stringify(data).slice(0, 100)}`);
    master.events.fire(tag, data);
    return true;
  },
};
