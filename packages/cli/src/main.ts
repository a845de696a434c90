/** The `brine` command line. Subcommands load their code lazily so `brine call --local` starts fast. */
import * as fs from 'fs';
import { Command, Option } from 'commander';
import { BrineError, ConfigError, errorMessage, UsageError } from '@brine/core';
import { EXIT, exitCodeOf } from './exit';
import type { GlobalOpts } from './globals';
import type { OutName } from './output';
import type { StateOutput } from './output/highstate';

/** The CLI package's version (bin/brine.js answers `--version` from the same file without loading this one). */
const VERSION = (require('../package.json') as { version: string }).version;

/**
 * The global options. The configuration directory must exist when it was named (`-c`, BRINE_CONFIG_DIR) or when the
 * command needs it (`optional`: only `call --local`, `demo` and `lab` run without one): a typo must not read as
 * an empty key store or job cache, nor create directories.
 */
function globals(cmd: Command, optional = false): GlobalOpts {
  const o = cmd.optsWithGlobals() as { configDir: string; out?: OutName; color: boolean; stateOutput: StateOutput };
  const named = process.env['BRINE_CONFIG_DIR'] !== undefined || sourceOf(cmd) === 'cli';
  if ((named || !optional) && !fs.statSync(o.configDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError(`config dir ${o.configDir}: no such directory${named ? ' (check -c / BRINE_CONFIG_DIR)' : ' (create it, or name one with -c)'}`);
  }
  const color = o.color !== false && !process.env['NO_COLOR'] && process.stdout.isTTY === true;
  return { configDir: o.configDir, outOptions: { out: o.out, color, stateOutput: o.stateOutput } };
}

function sourceOf(cmd: Command): string | undefined {
  let c: Command | null = cmd;
  while (c?.parent) c = c.parent;
  return c?.getOptionValueSource('configDir');
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
      setCode(await callCommand(fun, words, { ...globals(cmd, Boolean(o['local'])), local: Boolean(o['local']), fileRoot: o['fileRoot'] as string[] | undefined, pillarRoot: o['pillarRoot'] as string[] | undefined, id: o['id'] as string | undefined }));
    });

  const daemonCmd = (name: 'master' | 'minion', what: string) =>
    program
      .command(name)
      .description(what)
      .option('-d, --daemon', 'run in the background (writes a pid file)')
      .option('--pid-file <file>', 'pid file for --daemon')
      .option('-l, --log-level <level>', 'debug, info, warn, error')
      .action(async (o: Record<string, unknown>, cmd: Command) => {
        const { masterCommand, minionCommand } = await import('./commands/daemons');
        const args = { ...globals(cmd), daemon: Boolean(o['daemon']), pidFile: o['pidFile'] as string | undefined, logLevel: o['logLevel'] as string | undefined };
        setCode(await (name === 'master' ? masterCommand(args) : minionCommand(args)));
      });
  daemonCmd('master', 'run the master daemon (publishes jobs, serves files, pillar and the mine)');
  daemonCmd('minion', 'run the minion daemon (authenticates, runs jobs, returns results)');

  program
    .command('key')
    .description('manage minion keys on the master (with cluster: in the master config, in the cluster\'s PostgreSQL store): list, accept, reject, delete, finger, history (like salt-key, whose -L/-a/-A/-d/-D/-f/-r/-R flags and --gen-keys work too)')
    .argument('[action]', 'list | accept | reject | delete | finger | history (or a salt-key flag)')
    .argument('[match]', 'minion id or glob (list: all|accepted|pending|rejected|denied)')
    .option('--all', 'accept/reject/delete every key in the relevant state')
    .option('-L, --list-all', 'salt-key -L: list all keys')
    .option('-a, --accept <id>', 'salt-key -a: accept the matching pending keys')
    .option('-A, --accept-all', 'salt-key -A: accept all pending keys')
    .option('-r, --reject <id>', 'salt-key -r: reject the matching pending keys')
    .option('-R, --reject-all', 'salt-key -R: reject all pending keys')
    .option('-d, --delete <id>', 'salt-key -d: delete the matching keys')
    .option('-D, --delete-all', 'salt-key -D: delete all keys')
    .option('-f, --finger <id>', 'salt-key -f: print the matching keys\' fingerprints')
    .option('-F, --finger-all', 'salt-key -F: print all fingerprints')
    .option('--gen-keys <name>', 'salt-key --gen-keys: write NAME.pem and NAME.pub (e.g. a cluster\'s key: --gen-keys cluster)')
    .option('--gen-keys-dir <dir>', 'salt-key --gen-keys-dir: where --gen-keys writes (default: the current directory)')
    .option('--keysize <bits>', 'salt-key --keysize: --gen-keys key size, 2048 or 4096', '2048')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--include-rejected', 'accept: also accept rejected keys')
    .option('--include-accepted', 'reject: also reject accepted keys')
    .action(async (action: string | undefined, match: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      const { keyCommand, saltKeyFlags } = await import('./commands/key');
      const k = saltKeyFlags(action, match, o);
      if (k.action === 'gen-keys') {
        // Needs no master configuration (run anywhere, copy the directory to the masters).
        const { genKeysCommand } = await import('./commands/key-gen');
        setCode(await genKeysCommand(k.match!, { dir: o['genKeysDir'] as string | undefined, keysize: o['keysize'] as string }));
        return;
      }
      setCode(await keyCommand(k.action, k.match, { ...globals(cmd), yes: Boolean(o['yes']), all: k.all, includeRejected: Boolean(o['includeRejected']), includeAccepted: Boolean(o['includeAccepted']) }));
    });

  const targetOptions = (c: Command) =>
    c
      .option('-G, --grain', 'target by grain (role:web)')
      .option('-L, --list', 'target a comma-separated list of ids')
      .option('-E, --pcre', 'target by regular expression on the id')
      .option('-C, --compound', 'compound target (G@role:web and not L@web3)')
      .option('-I, --pillar', 'target by pillar value')
      .option('-N, --nodegroup', 'target a nodegroup from the master config')
      .option('-t, --timeout <seconds>', 'seconds of silence before a minion counts as not returning')
      .option('--async', 'publish, print the job id and return at once')
      .option('-b, --batch <n>', 'run on N minions (or N%) at a time');
  const publishArgs = (o: Record<string, unknown>) => ({
    grain: Boolean(o['grain']),
    list: Boolean(o['list']),
    pcre: Boolean(o['pcre']),
    compound: Boolean(o['compound']),
    pillar: Boolean(o['pillar']),
    nodegroup: Boolean(o['nodegroup']),
    timeout: o['timeout'] as string | undefined,
    async: Boolean(o['async']),
    batch: o['batch'] as string | undefined,
  });

  targetOptions(
    program
      .command('run')
      .description("run an execution function on the targeted minions (like `salt TARGET fun args`)")
      .argument('<target>', "minion target, e.g. '*' or 'web*'")
      .argument('<function>', 'e.g. test.ping, grains.items, cmd.run')
      .argument('[args...]', 'arguments; key=value for keyword arguments'),
  ).action(async (tgt: string, fun: string, words: string[], o: Record<string, unknown>, cmd: Command) => {
    const { publishCommand } = await import('./commands/publish');
    const { parseFunctionArgs } = await import('./args');
    const { args, kwargs } = parseFunctionArgs(words);
    setCode(await publishCommand({ tgt, fun, arg: args, kwarg: kwargs }, { ...globals(cmd), ...publishArgs(o) }));
  });

  const state = program.command('state').description('apply states on the targeted minions');
  // Target first, as in Salt (`salt TARGET state.apply SLS`): `brine state apply TARGET [SLS,...]`, `brine state sls
  // TARGET SLS`, `brine state highstate [TARGET]`. A key=value word is never a target or an SLS.
  const stateSub = (name: 'highstate' | 'apply' | 'sls', what: string, fun: string) => {
    const c = state.command(name).description(what);
    if (name === 'highstate') c.argument('[target]', 'minion target', '*');
    else c.argument('<target>', "minion target, e.g. '*' or 'web*'");
    if (name === 'apply') c.argument('[sls]', 'SLS names, comma-separated (none: the highstate)');
    if (name === 'sls') c.argument('<sls>', 'SLS names, comma-separated');
    c.argument('[args...]', 'key=value, e.g. test=True');
    return targetOptions(c).action(async (...a: unknown[]) => {
      const cmd = a[a.length - 1] as Command;
      const o = a[a.length - 2] as Record<string, unknown>;
      const pos = a.slice(0, -2) as (string | string[] | undefined)[];
      const { publishCommand } = await import('./commands/publish');
      const { parseFunctionArgs } = await import('./args');
      const kv = (w: string | undefined) => w !== undefined && /^[A-Za-z_]\w*=/.test(w);
      const words = (pos[pos.length - 1] as string[] | undefined) ?? [];
      const heads = pos.slice(0, -1) as (string | undefined)[];
      // Move key=value words out of the target/SLS slots (`brine state highstate test=True`).
      const lead: string[] = [];
      for (let i = heads.length - 1; i >= 0; i--) {
        if (kv(heads[i])) {
          lead.unshift(heads[i]!);
          heads[i] = undefined;
        }
      }
      const tgt = heads[0] ?? '*';
      const sls = name === 'highstate' ? undefined : heads[1];
      if (name === 'sls' && !sls) throw new UsageError('state sls: name the SLS after the target (brine state sls TARGET SLS)');
      const { args, kwargs } = parseFunctionArgs([...lead, ...words]);
      setCode(await publishCommand({ tgt, fun, arg: sls ? [sls, ...args] : args, kwarg: kwargs }, { ...globals(cmd), ...publishArgs(o) }));
    });
  };
  stateSub('highstate', 'converge the targeted minions to their top file: state highstate [TARGET]', 'state.highstate');
  stateSub('apply', 'apply the named SLS, or the highstate when none is named: state apply TARGET [SLS,...]', 'state.apply');
  stateSub('sls', 'apply the named SLS: state sls TARGET SLS', 'state.sls');

  program
    .command('orchestrate')
    .description('run an orchestrate SLS on the master (like salt-run state.orchestrate): salt.state, salt.function, salt.runner and salt.wait_for_event steps in requisite order')
    .argument('<sls>', 'the orchestrate SLS in the master\'s file_roots, e.g. orch.stack')
    .argument('[args...]', "pillar='{\"key\": \"value\"}', test=True, saltenv=ENV")
    .action(async (sls: string, words: string[], _o: unknown, cmd: Command) => {
      const { orchestrateCommand } = await import('./commands/orchestrate');
      setCode(await orchestrateCommand(sls, words, globals(cmd)));
    });

  program
    .command('jobs')
    .description("the master's job cache: list, show JID")
    .argument('<action>', 'list | show')
    .argument('[jid]', 'job id for show')
    .action(async (action: string, jid: string | undefined, _o: unknown, cmd: Command) => {
      const { jobsCommand } = await import('./commands/jobs');
      setCode(await jobsCommand(action, jid, globals(cmd)));
    });

  program
    .command('runner')
    .description('run a runner function on the master (like salt-run): manage.up, jobs.lookup_jid JID, state.event, key.list_all, ...')
    .argument('<function>', 'e.g. manage.status, jobs.list_jobs, cache.grains')
    .argument('[args...]', 'arguments; key=value for keyword arguments')
    .action(async (fun: string, words: string[], _o: unknown, cmd: Command) => {
      const { runnerCommand } = await import('./commands/runner');
      setCode(await runnerCommand(fun, words, globals(cmd)));
    });

  program
    .command('event')
    .description("the master's event bus: listen [TAG-GLOB] prints events as they happen (like salt-run state.event pretty=True)")
    .argument('<action>', 'listen')
    .argument('[tag]', "tag glob, e.g. 'salt/job/*'")
    .option('-n, --count <n>', 'stop after N matching events')
    .option('--no-pretty', 'one line per event (tag, tab, JSON)')
    .action(async (action: string, tag: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      const { eventCommand } = await import('./commands/event');
      setCode(await eventCommand(action, tag, { ...globals(cmd), count: o['count'] as string | undefined, pretty: o['pretty'] !== false }));
    });

  targetOptions(
    program
      .command('cp')
      .description('copy local files to the targeted minions (like salt-cp)')
      .argument('<target>', "minion target, e.g. '*'")
      .argument('<paths...>', 'SOURCE... DEST: local files, then the destination path on the minions'),
  ).action(async (tgt: string, paths: string[], o: Record<string, unknown>, cmd: Command) => {
    const { cpCommand } = await import('./commands/cp');
    setCode(await cpCommand(tgt, paths, { ...globals(cmd), ...publishArgs(o) }));
  });

  program
    .command('demo')
    .description('start a master and three minions here, accept their keys, run a highstate and print its summary')
    .option('--keep', 'keep the demo directory (configs, keys, logs, rendered files)')
    .option('--dir <dir>', 'use this directory instead of a temporary one (kept)')
    .option('--cluster', 'three masters sharing a throwaway PostgreSQL, six minions, and a master killed to show the failover')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const { demoCommand } = await import('./commands/demo');
      setCode(await demoCommand({ ...globals(cmd, true), keep: Boolean(o['keep']), dir: o['dir'] as string | undefined, cluster: Boolean(o['cluster']) }));
    });

  program
    .command('lab')
    .description('the HA web stack of states/ + pillar/ in network namespaces, converged by a master and six minions (root)')
    .argument('<action>', 'up | status | failover | down')
    .option('--prefix <prefix>', 'namespace name prefix', 'brl-')
    .option('--subnet <a.b.c>', 'private /24 used only inside the namespaces', '10.213.0')
    .option('--state-dir <dir>', 'where the lab keeps its state', '/run/brine-lab')
    .option('--scenarios <list>', 'failover: keepalived-stop,link-down,app-kill,app-link-down,control,lb-kill,lb-link-down,config-change,master-restart,minion-restart (default: all)')
    .option('--json', 'print the result as JSON (same as --out json)')
    .action(async (action: string, o: Record<string, unknown>, cmd: Command) => {
      const { labCommand } = await import('./commands/lab');
      setCode(
        await labCommand(action, {
          ...globals(cmd, true),
          prefix: o['prefix'] as string,
          subnet: o['subnet'] as string,
          stateDir: o['stateDir'] as string,
          scenarios: o['scenarios'] as string | undefined,
          json: Boolean(o['json']),
        }),
      );
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
    return exitCodeOf(e);
  }
  return code;
}
