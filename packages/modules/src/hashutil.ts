/**
 * hashutil.* (Salt 3006 salt/modules/hashutil.py over salt/utils/hashutils.py): digests, base64 (the "modern"
 * b64encode without newlines, and encodestring's 76-column lines with a final newline), and HMACs. Input is a str
 * (its UTF-8 bytes), as Salt's to_bytes takes it.
 */
import { createHash, createHmac, getHashes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import { UsageError, errorMessage } from '@brine/core';
import { b64decode } from '@brine/render';
import { arg, type ExecModule } from './types';

function bytesOf(v: unknown): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  const type = v === null || v === undefined ? 'NoneType' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'list' : 'dict';
  throw new UsageError(`expected str, bytes, or bytearray not <class '${type}'>`);
}

/** Decoded bytes as Salt returns them: text when they are UTF-8 (Brine has no bytes type for the rest). */
/** Python's base64.b64decode / decodebytes (not validating): bad padding is an error, as in Salt. */
function decode(instr: unknown): Buffer {
  try {
    return b64decode(String(instr));
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
}

function text(b: Buffer, fun: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw new UsageError(`hashutil.${fun}: the decoded bytes are not UTF-8 text (Salt would return bytes)`);
  }
}

const hex = (algo: string, b: Buffer): string => createHash(algo).update(b).digest('hex');

/** Python's base64.encodebytes: lines of 76 characters, each ended by a newline. */
const encodebytes = (b: Buffer): string => (b.length ? (b.toString('base64').match(/.{1,76}/g) ?? []).map((l) => `${l}\n`).join('') : '');

const DIGESTS = ['md5', 'sha256', 'sha512'];

export const hashutilModule: ExecModule = {
  name: 'hashutil',
  params: {
    digest: ['instr', 'checksum'],
    digest_file: ['infile', 'checksum'],
    base64_b64encode: ['instr'],
    base64_b64decode: ['instr'],
    base64_encodestring: ['instr'],
    base64_encodefile: ['fname'],
    base64_decodestring: ['instr'],
    base64_decodefile: ['instr', 'outfile'],
    md5_digest: ['instr'],
    sha256_digest: ['instr'],
    sha512_digest: ['instr'],
    hmac_signature: ['string', 'shared_secret', 'challenge_hmac'],
    hmac_compute: ['string', 'shared_secret'],
    github_signature: ['string', 'shared_secret', 'challenge_hmac'],
  },
  docs: {
    digest: "The hex digest of a string: checksum=md5 (or sha256, sha512).",
    digest_file: "The hex digest of a file's contents: checksum=md5 (or sha256, sha512).",
    base64_b64encode: 'Base64 of a string, without newlines.',
    base64_b64decode: 'A base64 string decoded.',
    base64_encodestring: 'Base64 of a string in 76-character lines, each ended by a newline.',
    base64_encodefile: "Base64 of a file's contents in 76-character lines.",
    base64_decodestring: 'A base64 string (with or without newlines) decoded.',
    base64_decodefile: 'Decode a base64 string into outfile. Returns True.',
    md5_digest: 'The MD5 hex digest of a string.',
    sha256_digest: 'The SHA-256 hex digest of a string.',
    sha512_digest: 'The SHA-512 hex digest of a string.',
    hmac_signature: 'Whether challenge_hmac is the base64 HMAC-SHA256 of string with shared_secret.',
    hmac_compute: 'The hex HMAC-SHA256 of string with shared_secret.',
    github_signature: "Whether challenge_hmac ('sha1=...', GitHub's header) is the HMAC of string with shared_secret.",
  },
  functions: {
    digest: (args, kwargs) => {
      const checksum = String(arg(args, kwargs, 1, 'checksum', 'md5'));
      if (!DIGESTS.includes(checksum)) throw new UsageError(`Hash func '${checksum}' is not supported.`);
      return hex(checksum, bytesOf(arg(args, kwargs, 0, 'instr', null)));
    },
    digest_file: (args, kwargs) => {
      const checksum = String(arg(args, kwargs, 1, 'checksum', 'md5'));
      if (!DIGESTS.includes(checksum)) throw new UsageError(`Hash func '${checksum}' is not supported.`);
      const file = String(arg(args, kwargs, 0, 'infile', ''));
      if (!fs.existsSync(file)) throw new UsageError(`File '${file}' does not exist.`);
      return hex(checksum, fs.readFileSync(file));
    },
    base64_b64encode: (args, kwargs) => bytesOf(arg(args, kwargs, 0, 'instr', null)).toString('base64'),
    base64_b64decode: (args, kwargs) => text(decode(arg(args, kwargs, 0, 'instr', '')), 'base64_b64decode'),
    base64_encodestring: (args, kwargs) => encodebytes(bytesOf(arg(args, kwargs, 0, 'instr', null))),
    base64_encodefile: (args, kwargs) => encodebytes(fs.readFileSync(String(arg(args, kwargs, 0, 'fname', '')))),
    base64_decodestring: (args, kwargs) => text(decode(arg(args, kwargs, 0, 'instr', '')), 'base64_decodestring'),
    base64_decodefile: (args, kwargs) => {
      fs.writeFileSync(String(arg(args, kwargs, 1, 'outfile', '')), decode(arg(args, kwargs, 0, 'instr', '')));
      return true;
    },
    md5_digest: (args, kwargs) => hex('md5', bytesOf(arg(args, kwargs, 0, 'instr', null))),
    sha256_digest: (args, kwargs) => hex('sha256', bytesOf(arg(args, kwargs, 0, 'instr', null))),
    sha512_digest: (args, kwargs) => hex('sha512', bytesOf(arg(args, kwargs, 0, 'instr', null))),
    hmac_signature: (args, kwargs) => {
      const mac = createHmac('sha256', bytesOf(arg(args, kwargs, 1, 'shared_secret', null))).update(bytesOf(arg(args, kwargs, 0, 'string', null))).digest('base64');
      return mac === String(arg(args, kwargs, 2, 'challenge_hmac', ''));
    },
    hmac_compute: (args, kwargs) => createHmac('sha256', bytesOf(arg(args, kwargs, 1, 'shared_secret', null))).update(bytesOf(arg(args, kwargs, 0, 'string', null))).digest('hex'),
    github_signature: (args, kwargs) => {
      const [algo, challenge] = String(arg(args, kwargs, 2, 'challenge_hmac', '')).split(/=(.*)/s);
      if (!algo || challenge === undefined || !getHashes().includes(algo)) throw new UsageError(`hashutil.github_signature: '${algo ?? ''}' is not a hash (challenge_hmac is 'sha1=<hex>')`);
      const mac = createHmac(algo, bytesOf(arg(args, kwargs, 1, 'shared_secret', null))).update(bytesOf(arg(args, kwargs, 0, 'string', null))).digest();
      const want = Buffer.from(challenge, 'hex');
      return want.length === mac.length && timingSafeEqual(want, mac);
    },
  },
};
