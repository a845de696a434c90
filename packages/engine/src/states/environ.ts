/**
 * environ.setenv (Salt 3006): environment variables of the process that runs the states, so the commands of later
 * states in the same run see them (a minion runs each job in a process of its own, as Salt's minion forks one).
 * `value` is a string, False, or a mapping of names to those; False sets '' (`false_unsets: True` removes it);
 * `clear_all` handles every variable not named that way. `update_minion` (keep them in the minion daemon for later
 * jobs) and `permanent` (Windows) are not supported: the state says so. Changes and comments are Salt's.
 */
import { isDict, StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { StateFunction, StateModule } from '../types';
import { optBool, type Args } from './util';

export interface SetenvParams {
  environ: Record<string, unknown>;
  falseUnsets: boolean;
  clearAll: boolean;
}

function parse(ref: string, args: Args, chunk: LowChunk): SetenvParams {
  const value = args['value'];
  let environ: Record<string, unknown>;
  if (typeof value === 'string' || value === false) environ = { [chunk.name]: value };
  else if (isDict(value)) environ = value;
  else throw new StateArgError(ref, 'value', 'Environ value must be string, dict or False');
  for (const k of ['update_minion', 'permanent']) if (args[k]) throw new StateArgError(ref, k, 'not supported in Brine (the variables last for the run that sets them)');
  return { environ, falseUnsets: optBool(ref, args, 'false_unsets') ?? false, clearAll: optBool(ref, args, 'clear_all') ?? false };
}

/** The state's own view of what would change (Salt's states.environ.setenv). */
function pending(p: SetenvParams, env: NodeJS.ProcessEnv): Changes {
  const changes: Changes = {};
  if (p.clearAll) for (const k of Object.keys(env)) if (!(k in p.environ)) changes[k] = p.falseUnsets ? null : '';
  for (const [k, v] of Object.entries(p.environ)) {
    if (v === false) {
      if (env[k] === undefined) {
        if (!p.falseUnsets) changes[k] = '';
      } else if (!p.falseUnsets) {
        if (env[k] !== '') changes[k] = '';
      } else changes[k] = null;
    } else if ((env[k] ?? '') !== v) changes[k] = v;
  }
  return changes;
}

export const setenv: StateFunction<SetenvParams> = {
  parse,
  check: async (p) => pending(p, process.env),
  async apply(p) {
    // Salt's environ.setenv: a value that is neither a string nor False fails the whole call.
    if (Object.values(p.environ).some((v) => typeof v !== 'string' && v !== false)) throw new Error('Failed to set environ variables');
    const ret: Changes = {};
    const set = (k: string, v: string | false) => {
      if (v === false && p.falseUnsets) {
        delete process.env[k];
        ret[k] = null;
      } else ret[k] = process.env[k] = v === false ? '' : v;
    };
    if (p.clearAll) for (const k of Object.keys(process.env)) if (!(k in p.environ)) set(k, false);
    for (const [k, v] of Object.entries(p.environ)) set(k, v as string | false);
    return { changes: ret, comment: 'Environ values were set' };
  },
  okComment: () => 'Environ values were already set with the correct values',
  testOkComment: () => 'Environ values are already set with the correct values',
  testComment: () => 'Environ values will be changed',
  // Salt's setenv says True in a dry run too, with the changes it would make
  testResult: () => true,
};

export const environModule: StateModule = { name: 'environ', functions: { setenv } };
