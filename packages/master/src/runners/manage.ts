/**
 * `manage.*`: which minions answer. `status`, `up` and `down` ping the targeted minions (a real `test.ping` job, as
 * Salt does) and wait `timeout` seconds (default the master's); `present` and `not_present` read the master's view of
 * its connections without a job.
 */
import type { Dict, TargetType } from '@brine/core';
import type { Master } from '../server';
import { boolArg, numArg, targetArgs } from './args';
import type { RunnerModule } from './types';

async function ping(m: Master, tgt: string, tgtType: TargetType, timeoutS: number): Promise<{ up: string[]; down: string[] }> {
  const { jid, expected } = await m.publish({ tgt, tgtType, fun: 'test.ping', arg: [], kwarg: {}, user: 'runner' });
  const up = new Set<string>();
  await new Promise<void>((resolve) => {
    m.watch(jid, expected, { event: (e) => (e['event'] === 'return' && e['success'] !== false ? up.add(String(e['minion'])) : undefined), end: () => resolve() }, timeoutS * 1000, timeoutS * 2000);
  });
  return { up: [...up].sort(), down: expected.filter((id) => !up.has(id)).sort() };
}

function timeoutOf(m: Master, args: unknown[], kwargs: Dict, at = 2): number {
  return Math.max(0.1, numArg(args, kwargs, at, 'timeout', m.opts.timeout));
}

export const manageRunners: RunnerModule = {
  /** As Salt's: `status(output=True, tgt='*', tgt_type='glob', timeout=None)`. */
  'manage.status': async (args, kwargs, { master }) => {
    const { tgt, tgtType } = targetArgs(args, kwargs, 1);
    return ping(master, tgt, tgtType, timeoutOf(master, args, kwargs, 3));
  },
  'manage.up': async (args, kwargs, { master }) => {
    const { tgt, tgtType } = targetArgs(args, kwargs);
    return (await ping(master, tgt, tgtType, timeoutOf(master, args, kwargs))).up;
  },
  /** As Salt's `down(removekeys=False, tgt='*', tgt_type='glob', timeout=None)`: `removekeys` deletes the silent ones' keys. */
  'manage.down': async (args, kwargs, { master, log }) => {
    const { tgt, tgtType } = targetArgs(args, kwargs, 1);
    const down = (await ping(master, tgt, tgtType, timeoutOf(master, args, kwargs, 3))).down;
    if (boolArg(args, kwargs, 0, 'removekeys', false)) {
      for (const id of down) master.keys.delete(id);
      if (down.length) {
        master.reconcileKeys();
        log.info('manage.down: keys of minions that did not answer deleted', { minions: down });
      }
    }
    return down;
  },
  'manage.present': (args, kwargs, { master }) => {
    const { tgt, tgtType } = targetArgs(args, kwargs);
    return master.expectedMinions(tgt, tgtType).filter((id) => master.connected(id));
  },
  'manage.not_present': (args, kwargs, { master }) => {
    const { tgt, tgtType } = targetArgs(args, kwargs);
    return master.expectedMinions(tgt, tgtType).filter((id) => !master.connected(id));
  },
};
