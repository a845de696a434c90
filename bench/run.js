/** `npm run bench [-- cli|local|large-sls|jobcache|fleet|fault|swarm --minions N|cluster [--swarm N]]`: every benchmark, numbers printed as Markdown tables. */
'use strict';
const which = process.argv.slice(2);
const all = which.length === 0;
(async () => {
  if (all || which.includes('cli')) await require('./cli').main();
  if (all || which.includes('local')) require('./local').main();
  if (all || which.includes('large-sls')) require('./large-sls').main();
  if (all || which.includes('jobcache')) await require('./jobcache').main();
  if (all || which.includes('fleet')) await require('./fleet').main();
  if (all || which.includes('fault')) await require('./fault').main();
  if (all || which.includes('events')) await require('./events').main();
  // Only when named (minutes, and 10,000 minions need keys generated once): swarm --minions N [--out json].
  if (which.includes('swarm')) await require('./swarm').main(which.slice(which.indexOf('swarm') + 1));
  // Only when named (needs PostgreSQL's server binaries): 3 masters on one PostgreSQL, 30 minions [--out json];
  // with --swarm N, N simulated minions on each master instead (bench/cluster-swarm.js; issue 13's case: --swarm 3000).
  if (which.includes('cluster')) await require('./cluster').main(which.slice(which.indexOf('cluster') + 1));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
