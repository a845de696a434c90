/**
 * `brine event listen [TAG-GLOB]`: the master's event bus as it happens (like `salt-run state.event pretty=True`),
 * until interrupted or `--count N` events matched.
 */
import { UsageError } from '@brine/core';
import { controlClient } from '../control-client';
import { EXIT } from '../exit';
import type { GlobalOpts } from '../globals';
import { formatEvent } from './event-print';

export interface EventOpts extends GlobalOpts {
  count?: string;
  pretty: boolean;
}

export async function eventCommand(action: string, glob: string | undefined, o: EventOpts): Promise<number> {
  if (action !== 'listen') throw new UsageError(`event: unknown action '${action}' (listen)`);
  const count = o.count === undefined ? -1 : Number(o.count);
  if (!Number.isInteger(count) || count < -1 || count === 0) throw new UsageError(`--count: '${o.count}' is not a positive whole number`);
  const client = controlClient(o.configDir);
  let seen = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      client
        .request('event.listen', glob ? { match: glob } : {}, {
          timeoutMs: Infinity,
          onEvent: (e) => {
            if (count > 0 && seen >= count) return;
            process.stdout.write(formatEvent(e, { pretty: o.pretty, out: o.outOptions.out }) + '\n');
            if (++seen === count) resolve();
          },
        })
        .then(() => resolve(), reject);
      // Ctrl-C ends the stream normally (the master notices the client is gone).
      process.once('SIGINT', () => resolve());
    });
  } finally {
    client.close();
  }
  return EXIT.ok;
}
