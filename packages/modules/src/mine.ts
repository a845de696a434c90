/** mine.get reads the snapshot the minion fetched before rendering; mine.update is a daemon hook. */
import { UsageError } from '@brine/core';
import { arg, type ExecModule } from './types';

export const mineModule: ExecModule = {
  name: 'mine',
  docs: {
    get: 'Mine data of the minions matching tgt (tgt_type=glob) for function fun: {minion: data}.',
    update: 'Run the mine functions now and send their data to the master (needs a running minion).',
  },
  // Salt 3006's signatures: the Salt 2017 spelling expr_form= is refused, as Salt refuses it.
  params: { get: ['tgt', 'fun', 'tgt_type', 'exclude_minion'], update: ['clear', 'mine_functions'] },
  functions: {
    get: (args, kwargs, env) => {
      if (!env.mine) return {};
      return env.mine.get(String(arg(args, kwargs, 0, 'tgt', '*')), String(arg(args, kwargs, 1, 'fun', '')), String(arg(args, kwargs, 2, 'tgt_type', 'glob')));
    },
    update: (args, kwargs, env) => {
      const h = env.hooks?.['mine.update'];
      if (!h) throw new UsageError('mine.update needs a master (this is a masterless call)');
      return h(args, kwargs);
    },
  },
};
