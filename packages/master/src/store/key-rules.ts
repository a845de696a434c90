/** The rules an auth decision follows whatever the store (the same as KeyStore's): key comparison and autosigning. */
import * as fs from 'fs';
import { globMatch } from '@brine/core';
// Protocol's key file, not its index: KeyStore uses these rules, and `brine key` loads KeyStore alone.
import { fingerprint } from '@brine/protocol/dist/crypto/keys';

export interface KeyPolicy {
  autoAccept?: boolean;
  autosignFile?: string;
  /** max_pending_keys: no new pending key beyond it. */
  maxPending?: number;
}

/** The same key, whatever its line breaks. */
export function samePem(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '');
}

/** The key's fingerprint; null when `pem` is not a readable public key. */
export function fingerOf(pem: string): string | null {
  try {
    return fingerprint(pem);
  } catch {
    return null;
  }
}

/** Is `id` accepted without the operator (auto_accept, or a glob in the autosign file, read on each decision)? */
export function autosigned(policy: KeyPolicy, id: string): boolean {
  if (policy.autoAccept) return true;
  if (!policy.autosignFile) return false;
  try {
    return fs
      .readFileSync(policy.autosignFile, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .some((g) => globMatch(g, id));
  } catch {
    return false;
  }
}
