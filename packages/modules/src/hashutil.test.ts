/** hashutil.*: the values Python's hashlib, base64 and hmac give for the same input (Salt's hashutils). */
import { MemoryLogger } from '@brine/core';
import { hashutilModule } from './hashutil';
import { templateSalt } from './registry';
import type { ExecEnv } from './types';

const env = { log: new MemoryLogger(), opts: {} } as unknown as ExecEnv;
const call = (fun: string, args: unknown[], kwargs: Record<string, unknown> = {}) => hashutilModule.functions[fun]!(args, kwargs, env);

test('digests, base64 (modern and encodestring), HMACs as Python computes them', () => {
  expect(call('digest', ['get salted'])).toBe('2aacf29e92feaf528fb738bcf9d647ac');
  expect(call('sha256_digest', ['get salted'])).toBe('d49859ccbc854fa68d800b5734efc70d72383e6479d545468bc300263164ff33');
  expect(call('digest', ['get salted'], { checksum: 'sha256' })).toBe(call('sha256_digest', ['get salted']));
  expect(() => call('digest', ['x'], { checksum: 'sha1' })).toThrow("Hash func 'sha1' is not supported.");
  expect(call('base64_b64encode', ['get salted'])).toBe('Z2V0IHNhbHRlZA==');
  expect(call('base64_b64decode', ['Z2V0IHNhbHRlZA=='])).toBe('get salted');
  expect(call('base64_encodestring', ['x'.repeat(100)])).toBe('eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\neHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA==\n');
  expect(call('base64_decodestring', ['eHh4\neHh4\n'])).toBe('xxxxxx');
  expect(call('hmac_compute', ['get salted', 'shared secret'])).toBe('78159ff5bb2d5e0f8d88fe403b0a690791ccbd989830fcc433d5b960c9bf0264');
  expect(call('hmac_signature', ['get salted', 'shared secret', 'eBWf9bstXg+NiP5AOwppB5HMvZiYMPzEM9W5YMm/AmQ='])).toBe(true);
  expect(call('hmac_signature', ['get salted', 'other', 'eBWf9bstXg+NiP5AOwppB5HMvZiYMPzEM9W5YMm/AmQ='])).toBe(false);
  expect(call('github_signature', ['get salted', 'shared secret', 'sha1=b06aa56bdf4935eec82c4e53e83ed03f03fdb32d'])).toBe(true);
  expect(() => call('md5_digest', [5])).toThrow("expected str, bytes, or bytearray not <class 'int'>");
});

test("from a template (collabora-formula's salt['hashutil.sha256_digest']), unknown keywords refused", () => {
  const salt = templateSalt(env);
  expect(salt['hashutil.sha256_digest']!(['abc'], {})).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(() => salt['hashutil.sha256_digest']!(['abc'], { bogus: 1 })).toThrow("sha256_digest() got an unexpected keyword argument 'bogus'");
});
