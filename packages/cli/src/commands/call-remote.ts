import type { MinionOpts } from '@brine/engine';
import { UsageError } from '@brine/core';
import type { CallOpts } from './call';

export async function callViaMaster(_opts: MinionOpts, fun: string, _args: unknown[], _kwargs: Record<string, unknown>, _o: CallOpts): Promise<number> {
  throw new UsageError(`call ${fun}: talking to a master is not available yet (use --local for a masterless call)`);
}
