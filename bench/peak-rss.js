/** Preloaded into a measured brine process (`node --require`): its peak RSS, on stderr at exit. */
'use strict';
process.on('exit', () => process.stderr.write(`BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`));
