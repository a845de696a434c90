#!/usr/bin/env node
'use strict';
/**
 * The `brine` command. Start-up is most of a short command's time, so: `--version` answers without loading anything,
 * and every other command except the two daemons loads its modules through a pack of its own (./module-pack.js).
 */
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(require('../package.json').version + '\n');
} else {
  const name = verb(args);
  const pack = name !== undefined && name !== 'master' && name !== 'minion' && require('./module-pack').install(name);
  const cli = require('../dist/main.js');
  if (pack) pack.keepIf(() => cli.buildProgram(() => undefined).commands.some((c) => c.name() === name));
  cli.main(process.argv).then((code) => {
    process.exitCode = code;
  });
}

/** The subcommand: the first word that is neither a global option nor its value. */
function verb(words) {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (['-c', '--config-dir', '--out', '--state-output'].includes(w)) i++;
    else if (!w.startsWith('-')) return w;
  }
  return undefined;
}
