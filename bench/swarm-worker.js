/**
 * Simulated minions for the swarm benchmark: many identities in one process, each with its own RSA key, ZeroMQ
 * sockets (a SUB, a DEALER and its event monitor: four, in a libzmq context shared by 25 minions), authentication
 * and session, and the daemon's liveness ping (every ping_interval or the longer interval the master asks for, and
 * at once when the master is reachable again). Jobs are answered through the real protocol:
 * test.ping with true, state.apply with a return the size of a real `state.apply peerfiles` (its three file states,
 * with the "running" heartbeat first, as the daemon sends it).
 * argv: <host> <publishPort> <requestPort> <keysDir> [pingIntervalS] <id>...
 * IPC: sends {ready} once loaded; 'go' -> start the minions; 'status' -> counts; 'mark' -> start counting auths afresh;
 * 'stop'.
 */
'use strict';
const { Connection, PingPacer } = require('../packages/minion/dist');
const { loadMinionOpts } = require('../packages/engine/dist');
const { nullLogger, matchTarget } = require('../packages/core/dist');
const path = require('path');
const zmq = require('zeromq');

const [host, pub, req, keysDir, ...rest] = process.argv.slice(2);
// bench/fleet.js passes no ping interval: the shipped 10 s.
const pingS = /^\d+(\.\d+)?$/.test(rest[0] ?? '') ? rest.shift() : '10';
const ids = rest;
/**
 * Minions per libzmq context (each context has its own I/O thread). libzmq cancels a timer by scanning its I/O
 * thread's timer list, and each heartbeat answer cancels one: with 2,000 minions in one context that scan took
 * 0.4 of a core at 10,000 minions, idle (measured with perf), a cost no real minion host (two sockets) pays. 25 a
 * context brought the idle I/O threads to 0.1 core at 10,000, and start -> all pending from 32-34 s to 28 s.
 */
const PER_CONTEXT = 25;
const contexts = [];
function contextFor(i) {
  const k = Math.floor(i / PER_CONTEXT);
  return (contexts[k] ??= new zmq.Context());
}

/** A return shaped like one minion's idempotent `state.apply peerfiles` (bench/peer/peerfiles.sls: three file states). */
function peerfilesReturn(id) {
  const ret = {};
  for (const [sid, name] of [['pf_dir', ''], ['pf_app_conf', '/app.conf'], ['pf_sysctl', '/99-peer-sysctl.conf']]) {
    ret[`file_|-${sid}_|-/tmp/brine-bench/files-${id}${name}_|-${name ? 'managed' : 'directory'}`] = {
      name: `/tmp/brine-bench/files-${id}${name}`,
      result: true,
      comment: name ? `File /tmp/brine-bench/files-${id}${name} is in the correct state` : `The directory /tmp/brine-bench/files-${id} is in the correct state`,
      changes: {},
      __id__: sid,
      __run_num__: Object.keys(ret).length,
      start_time: '12:00:00.000000',
      duration: 1.2,
      __sls__: 'peerfiles',
    };
  }
  return ret;
}

let authAttempts = 0;
const proto = Connection.prototype;
const authOnce = proto.authOnce;
proto.authOnce = function counted(...a) {
  authAttempts++;
  return authOnce.apply(this, a);
};

const authCalls = []; // since 'mark': [ms, initial delay ms] of each authenticate() that starts an attempt
const authenticate = proto.authenticate;
proto.authenticate = function traced(delay = 0) {
  if (!this.authing) authCalls.push([Date.now() - markAt, Math.round(delay)]);
  return authenticate.call(this, delay);
};

const conns = [];
/** Minions whose last ping the master answered with `subscribed: true` (a publication reaches them). */
const subscribed = new Set();
const authedSinceMark = new Set();
let markAt = Date.now();
const reconnectedMs = [];
const authedMs = [];
const spread = (xs) => (xs.length ? [...xs].sort((a, b) => a - b).filter((_, i, a) => i === 0 || i === a.length >> 1 || i === a.length - 1) : []);
const returned = new Map(); // jid -> count
/** Minions start over this many ms (independent daemons do not all start in the same millisecond). */
const START_SPREAD_MS = 5000;

function start(id, i) {
  const opts = loadMinionOpts('/nonexistent-brine-config', {
    id,
    master: host,
    publish_port: Number(pub),
    master_port: Number(req),
    pki_dir: path.join(keysDir, id),
    cachedir: path.join(keysDir, id, 'cache'),
  });
  const c = new Connection(opts, nullLogger, contextFor(i));
  c.whenAccepted(() => {
    authedSinceMark.add(id);
    authedMs.push(Date.now() - markAt);
  });
  c.whenReconnected(() => reconnectedMs.push(Date.now() - markAt));
  c.whenJob((job) => {
    if (!matchTarget({ tgt: job.tgt, type: job.tgtType }, { id, grains: { id } })) return;
    const apply = job.fun === 'state.apply';
    const answer = () => {
      const ret = job.fun === 'test.ping' ? true : apply ? peerfilesReturn(id) : `unsupported in the swarm: ${job.fun}`;
      c.request({ kind: 'return', jid: job.jid, fun: job.fun, ret, retcode: 0, success: true }).then(
        () => returned.set(job.jid, (returned.get(job.jid) ?? 0) + 1),
        () => undefined,
      );
    };
    if (apply) c.request({ kind: 'job.running', jid: job.jid }).catch(() => undefined).then(() => setTimeout(answer, 50));
    else answer();
  });
  const pacer = new PingPacer(Number(pingS) * 1000, true);
  const ping = () => {
    if (!c.accepted) return Promise.resolve();
    return c.request({ kind: 'ping' }, 10_000).then(
      (r) => {
        pacer.heard(r);
        if (typeof r?.epoch === 'number') c.checkEpoch(r.epoch);
        if (r?.subscribed === true) subscribed.add(id);
        else subscribed.delete(id);
      },
      () => {
        pacer.missed();
        subscribed.delete(id);
      },
    );
  };
  // The daemon's liveness ping (at the interval the master asks for when longer), the first ones spread over the
  // interval as independent daemons would be.
  const loop = () => setTimeout(() => ping().finally(loop), pacer.next());
  setTimeout(loop, Math.random() * Number(pingS) * 1000);
  c.whenReconnected(ping);
  void c.authenticate();
  conns.push(c);
}

process.on('message', (m) => {
  if (m === 'go') {
    ids.forEach((id, i) => setTimeout(() => start(id, i), (i * START_SPREAD_MS) / ids.length));
  } else if (m === 'status') {
    process.send({
      accepted: conns.filter((c) => c.accepted).length,
      notAccepted: conns.filter((c) => !c.accepted).map((c) => c.keys.id),
      notSubscribed: conns.filter((c) => !c.accepted || !subscribed.has(c.keys.id)).map((c) => c.keys.id),
      pending: conns.filter((c) => c.state === 'pending').length,
      authAttempts,
      authed: authedSinceMark.size,
      returned: Object.fromEntries(returned),
      // Since 'mark': when the request socket reached the master again, and when each authenticated (min, median, max ms).
      reconnectedMs: spread(reconnectedMs),
      authedMs: spread(authedMs),
      authCalls: spread(authCalls.map((c) => c[0])),
      authCallDelays: spread(authCalls.map((c) => c[1])),
    });
  } else if (m === 'mark') {
    authedSinceMark.clear();
    markAt = Date.now();
    reconnectedMs.length = authedMs.length = authCalls.length = 0;
    process.send({ marked: true });
  } else if (m === 'stop') {
    Promise.all(conns.map((c) => c.close())).then(() => process.exit(0));
  }
});
process.send({ ready: true });
