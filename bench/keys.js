/** Pre-generate minion keys for the swarm once (RSA-2048 keygen is ~130 ms each); cached between runs. */
'use strict';
const { generateKeyPair } = require('crypto');
const fs = require('fs');
const path = require('path');
const { promisify } = require('util');

async function ensureKeys(dir, ids, parallel = 4) {
  const todo = ids.filter((id) => !fs.existsSync(path.join(dir, id, 'minion.pem')));
  let i = 0;
  const work = async () => {
    while (i < todo.length) {
      const id = todo[i++];
      const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
      const d = path.join(dir, id);
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(d, 'minion.pub'), publicKey, { mode: 0o644 });
      fs.writeFileSync(path.join(d, 'minion.pem'), privateKey, { mode: 0o400 });
    }
  };
  await Promise.all(Array.from({ length: parallel }, work));
  return todo.length;
}
module.exports = { ensureKeys };
