/**
 * The client-side programs the lab runs inside the client namespace (`node -e`, so nothing has to be copied into
 * the node): a bounded HTTP probe loop and a long-lived TCP stream reader. Both stop by themselves and print
 * JSON lines on stdout. Traffic only to the address given (the lab's VIP).
 */

/** argv: URL DURATION_MS INTERVAL_MS TIMEOUT_MS. One line per probe: {s, t, ms, status?, lb?, app?, err?}. */
export const PROBE_JS = String.raw`
'use strict';
const http = require('http');
const [url, duration, interval, timeout] = [process.argv[1], ...process.argv.slice(2, 5).map(Number)];
const end = Date.now() + duration;
let seq = 0, open = 0;
function probe() {
  const s = seq++, t = Date.now();
  let done = false;
  open++;
  const fin = (o) => {
    if (done) return;
    done = true;
    open--;
    clearTimeout(hard);
    process.stdout.write(JSON.stringify(Object.assign({ s, t, ms: Date.now() - t }, o)) + '\n');
  };
  const req = http.get(url, { agent: false, headers: { Connection: 'close' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => fin({ status: res.statusCode, lb: res.headers['x-lb'] || null, app: res.headers['x-app'] || body.trim() }));
    res.on('error', (e) => fin({ err: e.code || e.message }));
  });
  req.on('error', (e) => fin({ err: e.code || e.message }));
  // like curl --max-time: the whole request, connect included
  const hard = setTimeout(() => { fin({ err: 'timeout' }); req.destroy(); }, timeout);
}
const timer = setInterval(() => {
  if (Date.now() >= end) {
    clearInterval(timer);
    const wait = setInterval(() => { if (open === 0) { clearInterval(wait); process.exit(0); } }, 20);
    return;
  }
  probe();
}, interval);
`;

/**
 * argv: HOST PORT ID LINES INTERVAL_MS SIZE IDLE_TIMEOUT_MS. Reads GET /stream through the VIP, checks the line
 * sequence, prints {event:'start'|'end', ...}: bytes received, expected, complete, max stall, error.
 */
export const STREAM_JS = String.raw`
'use strict';
const net = require('net');
const [host, port, id, lines, interval, size, idle] = [process.argv[1], Number(process.argv[2]), process.argv[3], ...process.argv.slice(4, 8).map(Number)];
const expected = lines * size;
const t0 = Date.now();
let head = Buffer.alloc(0), inBody = false, bytes = 0, last = Date.now(), maxStall = 0, app = null, seqOk = true, nextSeq = 0, partial = '';
let finished = false;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const finish = (err) => {
  if (finished) return;
  finished = true;
  clearInterval(tick);
  out({ event: 'end', id, app, bytes, expected, complete: bytes === expected && seqOk, seqOk, maxStallMs: maxStall, durationMs: Date.now() - t0, err: err || null, t: Date.now() });
  sock.destroy();
  setTimeout(() => process.exit(0), 50);
};
const sock = net.connect({ host, port }, () => {
  out({ event: 'start', id, t: Date.now(), local: sock.localPort });
  sock.write('GET /stream?id=' + id + '&lines=' + lines + '&interval=' + interval + '&size=' + size + ' HTTP/1.1\r\nHost: ' + host + '\r\nConnection: close\r\n\r\n');
});
function body(chunk) {
  const now = Date.now();
  maxStall = Math.max(maxStall, now - last);
  last = now;
  bytes += chunk.length;
  const text = partial + chunk.toString('latin1');
  const parts = text.split('\n');
  partial = parts.pop();
  for (const p of parts) {
    const seq = Number(p.slice(0, 6));
    if (seq !== nextSeq) seqOk = false;
    nextSeq = seq + 1;
  }
  if (bytes >= expected) finish(null);
}
sock.on('data', (chunk) => {
  if (inBody) return body(chunk);
  head = Buffer.concat([head, chunk]);
  const i = head.indexOf('\r\n\r\n');
  if (i < 0) return;
  const m = /x-app: *([^\r\n]+)/i.exec(head.slice(0, i).toString('latin1'));
  app = m ? m[1] : null;
  inBody = true;
  last = Date.now();
  const rest = head.slice(i + 4);
  if (rest.length) body(rest);
});
sock.on('error', (e) => finish(e.code || e.message));
sock.on('close', () => finish(bytes === expected ? null : 'closed early'));
const deadline = t0 + lines * interval + 30000;
const tick = setInterval(() => {
  const now = Date.now();
  if (now - last > idle) finish('stalled ' + (now - last) + ' ms');
  else if (now > deadline) finish('deadline');
}, 50);
`;

/**
 * argv: URL DURATION_MS INTERVAL_MS TIMEOUT_MS. One persistent (keep-alive) connection, one request every INTERVAL_MS
 * on it; after an error the next request opens a new connection. One line per request: {t, ms, port (the local port:
 * which connection), status?, lb?, err?}.
 */
export const KEEPALIVE_JS = String.raw`
'use strict';
const http = require('http');
const [url, duration, interval, timeout] = [process.argv[1], ...process.argv.slice(2, 5).map(Number)];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const end = Date.now() + duration;
function one() {
  if (Date.now() >= end) { agent.destroy(); return setTimeout(() => process.exit(0), 50); }
  const t = Date.now();
  let done = false, port = null;
  const fin = (o) => {
    if (done) return;
    done = true;
    clearTimeout(hard);
    process.stdout.write(JSON.stringify(Object.assign({ t, ms: Date.now() - t, port }, o)) + '\n');
    setTimeout(one, Math.max(0, t + interval - Date.now()));
  };
  const req = http.get(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => fin({ status: res.statusCode, lb: res.headers['x-lb'] || null }));
    res.on('error', (e) => fin({ err: e.code || e.message }));
  });
  req.on('socket', (s) => { const note = () => (port = s.localPort); if (s.localPort) note(); else s.once('connect', note); });
  req.on('error', (e) => fin({ err: e.code || e.message }));
  const hard = setTimeout(() => { req.destroy(new Error('timeout')); }, timeout);
}
one();
`;
