/**
 * `cache.grains|pillar|mine`: what the master holds for the targeted accepted minions (grains as it matches on them,
 * with pinned grains applied; the pillar it last compiled for each; their mine data). Minions with nothing cached are
 * left out, as in Salt.
 */
import type { Dict } from '@brine/core';
import type { Master } from '../server';
import { targetArgs } from './args';
import type { RunnerModule } from './types';

function each(m: Master, args: unknown[], kwargs: Dict, pick: (id: string) => unknown): Dict {
  const { tgt, tgtType } = targetArgs(args, kwargs);
  const out: Dict = {};
  for (const id of m.expectedMinions(tgt, tgtType)) {
    const v = pick(id);
    if (v !== undefined) out[id] = v;
  }
  return out;
}

export const cacheRunners: RunnerModule = {
  'cache.grains': (args, kwargs, { master }) => each(master, args, kwargs, (id) => (master.registry.info(id).grains ? master.registry.grains(id) : undefined)),
  'cache.pillar': (args, kwargs, { master }) => each(master, args, kwargs, (id) => master.registry.info(id).pillar),
  'cache.mine': (args, kwargs, { master }) => each(master, args, kwargs, (id) => master.mine.of(id)),
};
