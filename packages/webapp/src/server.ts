// Managed by Brine (salt://webapp/files/server.js, compiled from packages/webapp/src/server.ts by `npm run build`).
// The demo app of the HA web stack, no dependencies:
//   GET /          -> "<node id>\n" (and header X-App: <node id>)
//   GET /healthz   -> "ok <node id>\n"
//   GET /stream?id=ID&lines=N&interval=MS&size=B
//                  -> N lines of exactly B bytes, one every MS ms ("<seq> <node id> xxx...\n"), Content-Length
//                     set; logs one line with the bytes written when the stream ends or breaks.
import http = require('http');
import os = require('os');

const id = process.env['NODE_ID'] || os.hostname();
const port = Number(process.env['PORT'] || 8000);
const log = (msg: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
};

function line(seq: number, size: number): string {
  const head = `${String(seq).padStart(6, '0')} ${id} `;
  return head + 'x'.repeat(Math.max(0, size - head.length - 1)) + '\n';
}

function stream(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams): void {
  const lines = Math.min(Number(q.get('lines') || 100), 100000);
  const interval = Math.max(Number(q.get('interval') || 100), 1);
  const size = Math.min(Math.max(Number(q.get('size') || 64), 16), 65536);
  const sid = q.get('id') || '-';
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(lines * size), 'X-App': id });
  let seq = 0;
  let sent = 0;
  let done = false;
  const finish = (how: string): void => {
    if (done) return;
    done = true;
    clearInterval(timer);
    log(`stream id=${sid} ${how} sent=${sent} lines=${seq}/${lines}`);
  };
  const timer = setInterval(() => {
    if (seq >= lines) {
      res.end();
      finish('complete');
      return;
    }
    const l = line(seq++, size);
    sent += l.length;
    res.write(l);
  }, interval);
  res.on('close', () => finish(seq >= lines ? 'complete' : 'aborted'));
  req.socket.on('error', (e: NodeJS.ErrnoException) => log(`stream id=${sid} socket error ${e.code || e.message}`));
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url || '/', 'http://x');
  if (u.pathname === '/stream') return stream(req, res, u.searchParams);
  const body = u.pathname === '/healthz' ? `ok ${id}\n` : `${id}\n`;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)), 'X-App': id });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(port, '0.0.0.0', () => log(`${id} listening on :${port}`));

const stop = (sig: string): void => {
  log(`${sig}: closing`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
