/**
 * Salt's gpg renderer (salt/renderers/gpg.py): every PGP message block in the data's strings (dict values, list
 * items; keys untouched) is decrypted with `gpg --homedir <gpg_keydir> -d`. A block gpg cannot decrypt stays as
 * it is, with a warning, unless `gpg_decrypt_must_succeed: True` (then the file fails), as in Salt 3006. The key
 * directory is `gpg_keydir`, by default `<config dir>/gpgkeys` (Salt's `/etc/salt/gpgkeys`).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { RenderError, type Logger } from '@brine/core';
import { PyDict, isPlainObject, type Dict } from '../jinja/values';

const CIPHERTEXT = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/g;

export interface GpgOptions {
  keydir: string;
  mustSucceed: boolean;
  log?: Logger;
}

export function gpgOptions(opts: Dict): GpgOptions {
  const configDir = typeof opts['config_dir'] === 'string' ? opts['config_dir'] : '/etc/brine';
  return {
    keydir: typeof opts['gpg_keydir'] === 'string' && opts['gpg_keydir'] ? opts['gpg_keydir'] : path.join(configDir, 'gpgkeys'),
    mustSucceed: opts['gpg_decrypt_must_succeed'] === true,
  };
}

function decryptBlock(block: string, file: string, o: GpgOptions): string {
  const r = spawnSync('gpg', ['--homedir', o.keydir, '--status-fd', '2', '--no-tty', '--batch', '-d'], { input: block, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0 && r.stdout) return r.stdout;
  const why = r.error ? r.error.message : (r.stderr ?? '').split('\n').filter((l) => l && !l.startsWith('[GNUPG:]')).join('; ') || `gpg exited ${String(r.status)}`;
  if (o.mustSucceed) throw new RenderError(file, undefined, `gpg: could not decrypt a PGP message with the keys in ${o.keydir}: ${why} (gpg_decrypt_must_succeed is True)`);
  o.log?.warn(`gpg: could not decrypt a PGP message in ${file} with the keys in ${o.keydir} (left as it is): ${why}`);
  return block;
}

/** The data with its PGP message blocks decrypted. */
export function gpgDecrypt(data: unknown, file: string, o: GpgOptions): unknown {
  if (typeof data === 'string') return CIPHERTEXT.test(data) ? data.replace(CIPHERTEXT, (b) => decryptBlock(b, file, o)) : data;
  if (Array.isArray(data)) return data.map((x) => gpgDecrypt(x, file, o));
  if (data instanceof PyDict) {
    for (const [k, v] of data.entries()) data.set(k, gpgDecrypt(v, file, o));
    return data;
  }
  if (isPlainObject(data)) {
    for (const k of Object.keys(data)) data[k] = gpgDecrypt(data[k], file, o);
    return data;
  }
  return data;
}
