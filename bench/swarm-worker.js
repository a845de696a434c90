/**
 * Simulated minions for the fleet benchmark: many identities in one process, each with its own RSA key, ZeroMQ
 * sockets, authentication and session, answering test.ping through the real protocol.
 * argv: <host> <publishPort> <requestPort> <keysDir> <id>...
 */
'use strict';
const { Connection } = require('../packages/minion/dist');
const { loadMinionOpts } = require('../packages/engine/dist');
const { nullLogger, matchTarget } = require('../packages/core/dist');
const path = require('path');

const [host, pub, req, keysDir, ...ids] = process.argv.slice(2);
const conns = [];
let answered = 0;
for (const id of ids) {
  const opts = loadMinionOpts('/nonexistent-brine-config', {
    id,
    master: host,
    publish_port: Number(pub),
    master_port: Number(req),
    pki_dir: path.join(keysDir, id),
    cachedir: path.join(keysDir, id, 'cache'),
    acceptance_wait_time: 1,
    acceptance_wait_time_max: 4,
    random_reauth_delay: 2,
  });
  const c = new Connection(opts, nullLogger);
  c.whenJob((job) => {
    if (!matchTarget({ tgt: job.tgt, type: job.tgtType }, { id, grains: { id } })) return;
    const ret = job.fun === 'test.ping' ? true : `unsupported in the swarm: ${job.fun}`;
    c.request({ kind: 'return', jid: job.jid, fun: job.fun, ret, retcode: 0, success: true }).then(() => answered++, () => undefined);
  });
  void c.authenticate();
  conns.push(c);
}
process.on('message', (m) => {
  if (m === 'status') process.send({ accepted: conns.filter((c) => c.accepted).length, answered });
  if (m === 'stop') Promise.all(conns.map((c) => c.close())).then(() => process.exit(0));
});
process.send({ ready: true });
