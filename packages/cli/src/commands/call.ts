/** `brine call [--local] FUNCTION [ARGS]`: run an execution function on this host (like salt-call). */
import { MemoryLogger, type Dict } from '@brine/core';
import { loadMinionOpts } from '@brine/engine';
import { CallResult, localEnv, lookupFunction } from '@brine/modules';
import * as path from 'path';
import { parseFunctionArgs } from '../args';
import { exitCode } from '../exit';
import { format, type OutName } from '../output';
import type { GlobalOpts } from '../globals';

export interface CallOpts extends GlobalOpts {
  local?: boolean;
  fileRoot?: string[];
  pillarRoot?: string[];
  id?: string;
}

export async function callCommand(fun: string, words: string[], o: CallOpts): Promise<number> {
  const overrides: Dict = {};
  if (o.fileRoot?.length) overrides['file_roots'] = { base: o.fileRoot.map((d) => path.resolve(d)) };
  if (o.pillarRoot?.length) overrides['pillar_roots'] = { base: o.pillarRoot.map((d) => path.resolve(d)) };
  if (o.id) overrides['id'] = o.id;
  // As salt-call sets them: templates tell a salt-call run from the minion daemon's by these (libsaltcli.jinja).
  overrides['__cli'] = 'salt-call';
  if (o.local) overrides['file_client'] = 'local';
  const opts = loadMinionOpts(o.configDir, overrides);
  const { args, kwargs } = parseFunctionArgs(words);
  if (!o.local) {
    const { callViaMaster } = await import('./call-remote');
    return callViaMaster(opts, fun, args, kwargs, o);
  }
  const log = new MemoryLogger();
  // Salt's state.* and pillar.* take pillarenv=: the pillar is compiled from that environment only.
  const pillarenv = kwargs['pillarenv'];
  if ((fun.startsWith('state.') || fun.startsWith('pillar.')) && typeof pillarenv === 'string' && pillarenv) (opts as Dict)['pillarenv'] = pillarenv;
  const env = localEnv(opts, log);
  const fn = lookupFunction(fun);
  const raw = await fn(args, kwargs, env);
  const res = CallResult.of(raw); // Salt's rule: a dict with a false result/success fails
  for (const l of log.lines) if (l.level === 'warn' || l.level === 'error') process.stderr.write(`[${l.level.toUpperCase()}] ${l.msg}\n`);
  const preferred: OutName = res.outputter === 'highstate' ? 'highstate' : 'nested';
  process.stdout.write(format({ local: res.ret }, preferred, o.outOptions) + '\n');
  return exitCode(res.outcome);
}
