/**
 * `brine call FUNCTION` on a minion host: like salt-call, the function runs here, with the state tree, pillar and
 * mine data from the master, authenticated with this minion's own key.
 */
import { MemoryLogger } from '@brine/core';
import type { MinionOpts } from '@brine/engine';
import { exitCode } from '../exit';
import { format, type OutName } from '../output';
import type { CallOpts } from './call';

export async function callViaMaster(opts: MinionOpts, fun: string, args: unknown[], kwargs: Record<string, unknown>, o: CallOpts): Promise<number> {
  const { Connection, MinionCore, JobRunner } = await import('@brine/minion');
  const log = new MemoryLogger();
  const conn = new Connection({ ...opts, acceptance_wait_time_max: 5 }, log);
  try {
    await Promise.race([
      conn.authenticate(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`could not authenticate with the master at ${opts.master}:${opts.master_port} (key ${conn.state}); use --local for a masterless call`)), 15_000).unref()),
    ]);
    const core = new MinionCore(opts, conn, log);
    await core.refreshPillar();
    const out = await new JobRunner(core, log).execute(fun, args, kwargs);
    const preferred: OutName = out.out === 'highstate' ? 'highstate' : 'nested';
    process.stdout.write(format({ local: out.ret }, preferred, o.outOptions) + '\n');
    return exitCode(out.outcome);
  } finally {
    for (const l of log.lines) if (l.level === 'error') process.stderr.write(`[ERROR] ${l.msg}\n`);
    await conn.close();
  }
}
