'use strict';
// Managed by Brine (salt://conntrackd/files/nat-health.js) -- do not edit.
// The VIP's NAT health checker on a balancer (role kdct), run by Brine's supervisor (service brine-nat-health).
// Usage: node nat-health.js CONFIG.json   (SIGHUP: re-read the config and re-apply; SIGTERM: exit)
//
// Every interval it asks each NAT target GET <path>, given up after timeout_ms. Checks overlap (a new one every
// interval even while earlier ones wait for their timeout, at most timeout_ms / interval_ms + 1 per target), and
// their verdicts count in the order the checks started (a late answer to an older check is dropped): a dead target
// is down about fall - 1 intervals plus one timeout after it died, not fall timeouts plus the intervals between.
// A target is down after `fall` failed checks in a row, up again after `rise` good ones. Then, in one
// nft transaction, the table's slot map (numgen inc mod SLOTS -> target, used by the DNAT rule) is rewritten so
// every slot points to a healthy target (spread evenly), and the `down` set (the forward chain answers packets to
// these addresses with a TCP reset) holds the dead ones. When a target goes down, conntrack entries of connections
// to it that are not yet established are deleted: the client's retransmitted SYN is then a new connection, NATed to
// a live target. So are those of closed connections (TIME_WAIT, CLOSE; also at every resync while it is down): see
// CLOSED_STATES. Established flows get the reset, so the client retries at once instead of hanging.
// No target healthy: all of them stay in the map (fail open).
// While this node's own link is down (carrier 0) nothing is judged: every check would fail, and keepalived
// already takes the node out (interface tracking); the verdicts of before the outage stand when it returns.
// The track file (keepalived vrrp_track_file, weight 0) says 0 when the NAT path is usable (the table is loaded
// and a target of the first service answers), 1 otherwise. keepalived watches it with inotify.
// The map is re-applied every resync_ms too, so a ruleset reload (which recreates the table) is corrected.
const fs = require('fs');
const http = require('http');
const { execFile } = require('child_process');

const confFile = process.argv[2];
let conf = null;
let targets = new Map(); // "svc|ip" -> { svc, ip, up, ok, bad, inflight, counted, since, lastErr }
let lastApplied = '';
let lastApplyAt = 0;
let applying = false;
let again = false;
let loadedOk = false;

const say = (m) => process.stderr.write(new Date().toISOString() + ' nat-health: ' + m + '\n');

function put(file, text) {
  if (!file) return;
  const tmp = file + '.' + process.pid + '.tmp';
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    say('cannot write ' + file + ': ' + e.message);
  }
}

function load() {
  const c = JSON.parse(fs.readFileSync(confFile, 'utf8'));
  for (const k of ['table', 'services', 'interval_ms', 'timeout_ms', 'fall', 'rise']) {
    if (c[k] === undefined) throw new Error(confFile + ': missing ' + k);
  }
  const next = new Map();
  for (const s of c.services) {
    for (const ip of s.targets) {
      const key = s.name + '|' + ip;
      const old = targets.get(key);
      // a new target starts up (the ruleset that was just loaded sends it traffic); a known one keeps its verdict
      next.set(key, old ? Object.assign(old, { svc: s }) : { svc: s, ip, up: true, ok: 0, bad: 0, inflight: 0, counted: 0, since: Date.now(), lastErr: null });
    }
  }
  conf = c;
  targets = next;
  lastApplied = '';
}

function carrierUp() {
  if (!conf.interface) return true;
  try {
    return fs.readFileSync('/sys/class/net/' + conf.interface + '/carrier', 'utf8').trim() === '1';
  } catch (e) {
    return false;
  }
}

function check(t) {
  if (t.inflight > Math.ceil(conf.timeout_ms / conf.interval_ms)) return;
  t.inflight++;
  const started = Date.now();
  let done = false;
  const fin = (ok, err) => {
    if (done) return;
    done = true;
    t.inflight--;
    clearTimeout(timer);
    req.destroy();
    // a verdict only counts when our own link was up for the whole check, and in the order the checks started
    if (!carrierUp() || started < linkUpSince || started < t.counted) return;
    t.counted = started;
    if (ok) {
      t.ok++;
      t.bad = 0;
      if (!t.up && t.ok >= conf.rise) {
        t.up = true;
        t.since = Date.now();
        say(t.svc.name + ' target ' + t.ip + ' is up');
        apply();
      }
    } else {
      t.bad++;
      t.ok = 0;
      t.lastErr = err;
      if (t.up && t.bad >= conf.fall) {
        t.up = false;
        t.since = Date.now();
        say(t.svc.name + ' target ' + t.ip + ' is down (' + err + ')');
        apply([t]);
      }
    }
  };
  const req = http.get({ host: t.ip, port: t.svc.port, path: t.svc.path || '/', agent: false, headers: { Connection: 'close', 'User-Agent': 'brine-nat-health' } }, (res) => {
    res.resume();
    res.on('end', () => fin(res.statusCode >= 200 && res.statusCode < 400, 'HTTP ' + res.statusCode));
    res.on('error', (e) => fin(false, e.code || e.message));
  });
  req.on('error', (e) => fin(false, e.code || e.message));
  const timer = setTimeout(() => fin(false, 'timeout ' + conf.timeout_ms + ' ms'), conf.timeout_ms);
}

/** The nft transaction for the current verdicts (slot map + down set of every service). */
function ruleset() {
  const lines = [];
  for (const s of conf.services) {
    const all = [...targets.values()].filter((t) => t.svc.name === s.name);
    const up = all.filter((t) => t.up).map((t) => t.ip);
    const use = up.length ? up : all.map((t) => t.ip);
    const slots = [];
    for (let i = 0; i < s.slots; i++) slots.push(i + ' : ' + use[i % use.length]);
    lines.push('flush map ip ' + conf.table + ' ' + s.map);
    if (slots.length) lines.push('add element ip ' + conf.table + ' ' + s.map + ' { ' + slots.join(', ') + ' }');
    lines.push('flush set ip ' + conf.table + ' ' + s.down);
    const down = up.length ? all.filter((t) => !t.up).map((t) => t.ip) : [];
    if (down.length) lines.push('add element ip ' + conf.table + ' ' + s.down + ' { ' + down.join(', ') + ' }');
  }
  return lines.join('\n') + '\n';
}

function run(argv, input) {
  return new Promise((resolve) => {
    const p = execFile(argv[0], argv.slice(1), { timeout: 5000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr: String(stderr) }));
    if (input !== undefined) p.stdin.end(input);
  });
}

function writeStatus() {
  const first = conf.services[0];
  const usable = loadedOk && (!first || [...targets.values()].some((t) => t.svc.name === first.name && t.up));
  put(conf.track_file, usable ? '0\n' : '1\n');
  const out = { t: Date.now(), table_loaded: loadedOk, link_up: carrierUp(), targets: {} };
  for (const t of targets.values()) out.targets[t.svc.name + ' ' + t.ip] = { up: t.up, since: t.since, last_error: t.lastErr };
  put(conf.state_file, JSON.stringify(out) + '\n');
}

/** Apply the verdicts; `dead` are targets that just went down (their unestablished flows are deleted). */
async function apply(dead) {
  if (applying) {
    again = true;
    if (dead) pendingDead.push(...dead);
    return;
  }
  applying = true;
  try {
    const text = ruleset();
    const r = await run([conf.nft || '/usr/sbin/nft', '-f', '-'], text);
    loadedOk = r.code === 0;
    if (r.code !== 0) say('nft failed (' + r.code + '): ' + r.stderr.trim());
    else if (text !== lastApplied) say('applied: ' + [...targets.values()].map((t) => t.ip + (t.up ? ' up' : ' down')).join(', '));
    lastApplied = r.code === 0 ? text : '';
    lastApplyAt = Date.now();
    // only targets in the down set: with none healthy (fail open) there is no live target to NAT a new SYN to
    const down = inDownSet();
    const justDead = (dead || []).concat(pendingDead.splice(0)).filter((t) => down.includes(t));
    for (const t of justDead) await forget(t, ['SYN_SENT', 'SYN_RECV', ...CLOSED_STATES]);
    // entries committed after the verdict (a takeover while a target is down) carry the same stale binding
    if (r.code === 0 && !dead) for (const t of down) if (!justDead.includes(t)) await forget(t, CLOSED_STATES);
    writeStatus();
  } finally {
    applying = false;
  }
  if (again) {
    again = false;
    apply();
  }
}
const pendingDead = [];

// A closed connection's entry (TIME_WAIT, CLOSE) that conntrackd committed from its peer keeps its NAT binding for a
// new SYN from the same client port (for CommitTimeout): the kernel reopens a TIME_WAIT entry on a SYN only when it saw
// the FIN itself (its CLOSE_INIT flag, which conntrackd does not sync), and ignores the SYN otherwise, so the SYN
// follows the old binding. To a dead target the forward chain resets it: the client is refused instead of NATed to a
// live target. So a dead target's closed entries are deleted when it goes down and at every resync while it is down.
const CLOSED_STATES = ['TIME_WAIT', 'CLOSE'];

async function forget(t, states) {
  for (const st of states) {
    await run([conf.conntrack || '/usr/sbin/conntrack', '-D', '-p', 'tcp', '--reply-src', t.ip, '--reply-port-src', String(t.svc.port), '--state', st]);
  }
}

/** Targets in their service's down set (a service with no healthy target fails open: none). */
function inDownSet() {
  const all = [...targets.values()];
  return all.filter((t) => !t.up && all.some((o) => o.svc.name === t.svc.name && o.up));
}

let linkUpSince = 0;
let wasUp = null;
function tick() {
  const up = carrierUp();
  if (up !== wasUp) {
    if (wasUp !== null) say('own link ' + (up ? 'up' : 'down') + (up ? '' : ': verdicts frozen'));
    if (up) linkUpSince = Date.now();
    wasUp = up;
  }
  if (up) for (const t of targets.values()) check(t);
  if (Date.now() - lastApplyAt >= (conf.resync_ms || 1000)) apply();
}

try {
  load();
} catch (e) {
  say('bad config: ' + e.message);
  process.exit(2);
}
const self = fs.readFileSync(__filename, 'utf8');
process.on('SIGHUP', () => {
  try {
    // a new version of this script: exit, so the keeper (restart: on-failure) starts it
    if (fs.readFileSync(__filename, 'utf8') !== self) {
      say('nat-health.js changed: exiting for a restart');
      process.exit(3);
    }
    const before = conf.interval_ms;
    load();
    if (conf.interval_ms !== before) {
      clearInterval(ticker);
      ticker = setInterval(tick, conf.interval_ms);
    }
    say('config reloaded');
    apply();
  } catch (e) {
    say('bad config, keeping the old one: ' + e.message);
  }
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
apply();
let ticker = setInterval(tick, conf.interval_ms);
