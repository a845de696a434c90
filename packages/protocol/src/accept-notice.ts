/**
 * Accept notices: when keys are accepted, the master tells the waiting minions at once instead of letting them
 * find out at their next retry (which a pending minion spaces out, to spare the master).
 *
 *   master -> minion (on minionTopic(id))  auth.notice {ids, ts, spreadMs, sig = masterSign(T_notice(ids, ts, spreadMs))}
 *
 * One signature covers up to 64 ids (a 10,000-key accept costs 157 signatures, not 10,000); each minion gets the
 * notice on its own topic. A minion acts on it only while pending, only if its id is listed, the timestamp is
 * fresh and the signature verifies with the master key it pinned. All it does is authenticate after a random
 * delay in [0, spreadMs): the signed, nonce-bound auth reply still decides everything. A replayed or forged
 * notice can at most make a pending minion ask once more (which it does anyway).
 */
import { sign, verify, type PrivateKeyInput, type PublicKeyInput } from './crypto/rsa';
import { transcript } from './crypto/transcript';
import { AUTH_FRESHNESS_MS } from './limits';
import type { AcceptNotice } from './messages';

const T_NOTICE = 'brine/auth.notice/v1';
/** Ids per signed notice. */
export const NOTICE_IDS = 64;

function noticeTranscript(n: Pick<AcceptNotice, 'ids' | 'ts' | 'spreadMs'>): Buffer {
  return transcript(T_NOTICE, n.ts, n.spreadMs, n.ids.length, ...n.ids);
}

/** The signed notices for `ids` (groups of NOTICE_IDS). */
export function buildAcceptNotices(masterPriv: PrivateKeyInput, ids: string[], spreadMs: number, now = Date.now()): AcceptNotice[] {
  const out: AcceptNotice[] = [];
  for (let i = 0; i < ids.length; i += NOTICE_IDS) {
    const base = { ids: ids.slice(i, i + NOTICE_IDS), ts: now, spreadMs: Math.max(0, Math.min(600_000, Math.round(spreadMs))) };
    out.push({ kind: 'auth.notice', ...base, sig: sign(masterPriv, noticeTranscript(base)) });
  }
  return out;
}

/**
 * Minion side: the delay before authenticating (ms, random in [0, spreadMs)) if `n` is a genuine, fresh notice
 * naming `id`; undefined otherwise.
 */
export function openAcceptNotice(n: AcceptNotice, masterPub: PublicKeyInput, id: string, now = Date.now(), rand: () => number = Math.random): number | undefined {
  if (!n.ids.includes(id)) return undefined;
  if (Math.abs(now - n.ts) > AUTH_FRESHNESS_MS) return undefined;
  if (!verify(masterPub, noticeTranscript(n), n.sig)) return undefined;
  return Math.floor(rand() * n.spreadMs);
}
