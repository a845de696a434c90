/** Preloaded into a measured brine process (`node --require`): its peak RSS and CPU time, on stderr at exit. */
'use strict';
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`BENCH_MAX_RSS_KB=${u.maxRSS} BENCH_CPU_MS=${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}\n`);
});
