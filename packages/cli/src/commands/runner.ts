/**
 * `brine runner FUN [args] [key=value]` (like salt-run): a runner function, run on the master. The return is printed
 * with the nested outputter (or `--out`); a return `{outputter, data}` (jobs.lookup_jid of a state run, orchestrate)
 * is printed with that outputter, and one carrying a non-zero `retcode` ends the command with an error code.
 */
import { isDict, type Outcome } from '@brine/core';
import { stringify as toYaml } from 'yaml';
import { parseFunctionArgs } from '../args';
import { controlClient } from '../control-client';
import { EXIT, exitCode } from '../exit';
import type { GlobalOpts } from '../globals';
import { format, nested, type OutName } from '../output';
import { formatEvent } from './event-print';

const OUTCOMES: readonly string[] = ['ok', 'error', 'failed', 'missing'];

/** Salt's nested output of a runner's return: a top-level mapping has no `----------` line, None prints nothing. */
export function nestedTop(ret: unknown): string {
  if (ret === null || ret === undefined) return '';
  const lines = nested(ret, 0);
  return (isDict(ret) ? lines.slice(1) : lines).join('\n');
}

export function printRunnerReturn(ret: unknown, o: GlobalOpts): void {
  let data = ret;
  let preferred: OutName = 'nested';
  if (isDict(ret) && typeof ret['outputter'] === 'string' && 'data' in ret) {
    data = ret['data'];
    if (ret['outputter'] === 'highstate') preferred = 'highstate';
  }
  const out = o.outOptions.out ?? preferred;
  // JSON and YAML print the return as it is (a list stays a list), as salt-run's outputters do.
  const text =
    out === 'nested' ? nestedTop(data) : out === 'json' ? JSON.stringify(data ?? null, null, 4) : out === 'yaml' ? toYaml(data ?? null).trimEnd() : format((isDict(data) ? data : { return: data }) as Record<string, unknown>, out, o.outOptions);
  if (text !== '') process.stdout.write(text + '\n');
}

export async function runnerCommand(fun: string, words: string[], o: GlobalOpts): Promise<number> {
  const { args, kwargs } = parseFunctionArgs(words);
  const client = controlClient(o.configDir);
  const pretty = kwargs['pretty'] === true;
  const quiet = kwargs['quiet'] === true;
  try {
    const { return: ret } = await client.request(
      'runner',
      { fun, arg: args, kwarg: kwargs },
      {
        timeoutMs: Infinity,
        onEvent: ({ progress }) => {
          // state.event streams the events it matched, printed as Salt's state.event prints them.
          if (fun === 'state.event' && isDict(progress) && typeof progress['tag'] === 'string') {
            if (!quiet) process.stdout.write(formatEvent({ tag: progress['tag'], data: progress['data'] }, { pretty, out: o.outOptions.out }) + '\n');
          }
        },
      },
    );
    if (fun !== 'state.event') printRunnerReturn(ret, o);
    if (isDict(ret) && typeof ret['outcome'] === 'string' && OUTCOMES.includes(ret['outcome'])) return exitCode(ret['outcome'] as Outcome);
    if (isDict(ret) && typeof ret['retcode'] === 'number' && ret['retcode'] !== 0) return EXIT.error;
    return EXIT.ok;
  } finally {
    client.close();
  }
}
