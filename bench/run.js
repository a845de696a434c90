/** `npm run bench [-- local|fleet]`: every benchmark, numbers printed as Markdown tables. */
'use strict';
const which = process.argv.slice(2);
const all = which.length === 0;
(async () => {
  if (all || which.includes('local')) require('./local').main();
  if (all || which.includes('fleet')) await require('./fleet').main();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
