/**
 * `key.*`: the key store, as `brine key` (and Salt's key wheel) handle it, run in the master: changes take effect at
 * once (sessions of removed keys end) and fire `salt/key` events. Returns in Salt's shapes: key lists under
 * `minions`, `minions_pre`, `minions_rejected`, `minions_denied`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { globMatch, UsageError, type Dict } from '@brine/core';
import type { KeyState } from '../keys';
import type { Master } from '../server';
import { boolArg, strArg } from './args';
import type { RunnerModule } from './types';

const SALT_NAMES: Record<KeyState, string> = { accepted: 'minions', pending: 'minions_pre', rejected: 'minions_rejected', denied: 'minions_denied' };
const ORDER: KeyState[] = ['accepted', 'pending', 'rejected', 'denied'];
/** `key.list` status names, as salt-key's `-l`. */
const STATUS: Record<string, KeyState | 'all'> = {
  acc: 'accepted', accepted: 'accepted', pre: 'pending', un: 'pending', unaccepted: 'pending', pending: 'pending',
  rej: 'rejected', rejected: 'rejected', den: 'denied', denied: 'denied', all: 'all',
};

function bySaltName<T>(rec: Record<KeyState, T>, keep: (v: T) => boolean = () => true): Dict {
  const out: Dict = {};
  for (const s of ORDER) if (keep(rec[s])) out[SALT_NAMES[s]] = rec[s];
  return out;
}

function masterKeyFiles(m: Master): string[] {
  return ['master.pem', 'master.pub'].filter((f) => fs.existsSync(path.join(m.opts.pki_dir, f)));
}

/** Apply a change and let the master act on it (end sessions, fire salt/key). */
function changed<T>(m: Master, ids: T): T {
  m.reconcileKeys();
  return ids;
}

export const keyRunners: RunnerModule = {
  'key.list_all': (_a, _k, { master }) => ({ local: masterKeyFiles(master), ...bySaltName(master.keys.list()) }),
  'key.list': (args, kwargs, { master }) => {
    const which = strArg(args, kwargs, 0, 'match', 'all');
    const s = STATUS[which];
    if (!s) throw new UsageError(`key.list: '${which}' is not one of all, acc, pre, un, rej, den`);
    const all = master.keys.list();
    return s === 'all' ? { local: masterKeyFiles(master), ...bySaltName(all) } : { [SALT_NAMES[s]]: all[s] };
  },
  'key.accept': (args, kwargs, { master }) => {
    const glob = strArg(args, kwargs, 0, 'match');
    return changed(master, { minions: master.keys.accept(glob, boolArg(args, kwargs, 1, 'include_rejected', false)) });
  },
  'key.reject': (args, kwargs, { master }) => {
    const glob = strArg(args, kwargs, 0, 'match');
    return changed(master, { minions_rejected: master.keys.reject(glob, boolArg(args, kwargs, 1, 'include_accepted', false)) });
  },
  /** Salt answers what still matches after the delete: `{}` when every matching key went. */
  'key.delete': (args, kwargs, { master }) => {
    const glob = strArg(args, kwargs, 0, 'match');
    master.keys.delete(glob);
    changed(master, null);
    return {};
  },
  'key.finger': (args, kwargs, { master }) => bySaltName(master.keys.fingers(strArg(args, kwargs, 0, 'match', '*')), (v) => Object.keys(v).length > 0),
  'key.finger_master': (_a, _k, { master }) => ({ local: { 'master.pub': master.fingerprint } }),
  'key.key_str': (args, kwargs, { master }) => {
    const glob = strArg(args, kwargs, 0, 'match');
    const out: Record<KeyState, Record<string, string>> = { accepted: {}, pending: {}, rejected: {}, denied: {} };
    for (const [s, ids] of Object.entries(master.keys.list()) as [KeyState, string[]][]) {
      for (const id of ids.filter((i) => globMatch(glob, i))) {
        const pem = master.keys.read(s, id);
        if (pem !== null) out[s][id] = pem;
      }
    }
    return bySaltName(out, (v) => Object.keys(v).length > 0);
  },
};
