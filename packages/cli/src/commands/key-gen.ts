/**
 * `brine key --gen-keys NAME [--gen-keys-dir DIR] [--keysize BITS]`: Salt's `salt-key --gen-keys`, writing
 * DIR/NAME.pem (private, 0400) and DIR/NAME.pub (0644). A cluster's signing key is made this way once
 * (`--gen-keys cluster --gen-keys-dir /etc/brine/pki/cluster`) and the directory copied to every master.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '@brine/core';
// Protocol's key file, not its index (no transports to load for writing two files).
import { createKeyPair, fingerprint } from '@brine/protocol/dist/crypto/keys';
import { EXIT } from '../exit';

export interface GenKeysOpts {
  /** Salt's --gen-keys-dir (default: the current directory, as Salt's). */
  dir?: string;
  /** Salt's --keysize (2048 or 4096; default 2048). */
  keysize?: string;
}

export async function genKeysCommand(name: string, o: GenKeysOpts): Promise<number> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) throw new UsageError(`key --gen-keys: '${name}' is not a plain file name (letters, digits, . _ -)`);
  const bits = o.keysize === undefined ? 2048 : Number(o.keysize);
  if (bits !== 2048 && bits !== 4096) throw new UsageError(`key --keysize: ${o.keysize} is not supported (2048 or 4096)`);
  const dir = path.resolve(o.dir ?? '.');
  const pem = path.join(dir, `${name}.pem`);
  const pub = path.join(dir, `${name}.pub`);
  for (const f of [pem, pub]) {
    if (fs.existsSync(f)) throw new UsageError(`key --gen-keys: ${f} already exists; not overwriting it (move it away to make a new pair)`);
  }
  // A new directory is made private; an existing one (Salt's default is the current directory) keeps its mode,
  // which is why this does not use protocol's generateKeyPair (it tightens whatever directory it writes to 0700).
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kp = createKeyPair({ bits });
  // 'wx': never clobber a file that appeared meanwhile; modes set again after, as umask can only remove bits.
  fs.writeFileSync(pem, kp.privatePem, { mode: 0o400, flag: 'wx' });
  fs.chmodSync(pem, 0o400);
  try {
    fs.writeFileSync(pub, kp.publicPem, { mode: 0o644, flag: 'wx' });
    fs.chmodSync(pub, 0o644);
  } catch (e) {
    fs.rmSync(pem, { force: true }); // no private key left without its public half
    throw e;
  }
  process.stdout.write(`Wrote ${pem} and ${pub}\nFingerprint: ${fingerprint(kp.publicPem)}\n`);
  return EXIT.ok;
}
