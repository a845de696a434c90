/** `npm run bench [-- local|large-sls|fleet|fault]`: every benchmark, numbers printed as Markdown tables. */
'use strict';
const which = process.argv.slice(2);
const all = which.length === 0;
(async () => {
  if (all || which.includes('local')) require('./local').main();
  if (all || which.includes('large-sls')) require('./large-sls').main();
  if (all || which.includes('fleet')) await require('./fleet').main();
  if (all || which.includes('fault')) await require('./fault').main();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
