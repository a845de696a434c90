/** The `brine` command line. Subcommands load their code lazily so `brine call --local` starts fast. */
import { Command, Option } from 'commander';
import { BrineError, errorMessage } from '@brine/core';
import { EXIT } from './exit';
import type { GlobalOpts } from './globals';
import type { OutName } from './output';
import type { StateOutput } from './output/highstate';

const VERSION = '0.1.0';

function globals(cmd: Command): GlobalOpts {
  const o = cmd.optsWithGlobals() as { configDir: string; out?: OutName; color: boolean; stateOutput: StateOutput };
  const color = o.color !== false && !process.env['NO_COLOR'] && process.stdout.isTTY === true;
  return { configDir: o.configDir, outOptions: { out: o.out, color, stateOutput: o.stateOutput } };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildProgram(setCode: (c: number) => void): Command {
  const program = new Command('brine')
    .description('Salt-style configuration management: master, minions, states, pillar and mine')
    .version(VERSION)
    .option('-c, --config-dir <dir>', 'configuration directory', process.env['BRINE_CONFIG_DIR'] ?? '/etc/brine')
    .addOption(new Option('--out <format>', 'output format').choices(['highstate', 'nested', 'json', 'yaml', 'txt', 'quiet']))
    .addOption(new Option('--state-output <mode>', 'highstate output').choices(['full', 'terse', 'changes', 'mixed']).default('full'))
    .option('--no-color', 'disable colours')
    .showHelpAfterError();

  program
    .command('call')
    .description('run an execution function on this host (like salt-call); --local needs no master')
    .argument('<function>', 'e.g. state.apply, grains.items, test.ping')
    .argument('[args...]', 'arguments; key=value for keyword arguments (test=True)')
    .option('--local', 'masterless: use the local file_roots and pillar_roots')
    .option('--file-root <dir>', 'state tree directory (repeatable)', collect)
    .option('--pillar-root <dir>', 'pillar tree directory (repeatable)', collect)
    .option('--id <id>', 'minion id to use')
    .action(async (fun: string, words: string[], o: Record<string, unknown>, cmd: Command) => {
      const { callCommand } = await import('./commands/call');
      setCode(await callCommand(fun, words, { ...globals(cmd), local: Boolean(o['local']), fileRoot: o['fileRoot'] as string[] | undefined, pillarRoot: o['pillarRoot'] as string[] | undefined, id: o['id'] as string | undefined }));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      return ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' ? EXIT.ok : EXIT.error;
    }
    process.stderr.write(`brine: ${e instanceof BrineError ? e.message : errorMessage(e)}\n`);
    if (!(e instanceof BrineError) && process.env['BRINE_DEBUG']) process.stderr.write(String((e as Error).stack) + '\n');
    return EXIT.error;
  }
  return code;
}
