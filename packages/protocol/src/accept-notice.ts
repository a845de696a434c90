/**
 * Accept notices: when keys are accepted, the master tells the waiting minions at once instead of letting them
 * find out at their next retry (which a pending minion spaces out, to spare the master).
 *
 *   master -> minion (on minionTopic(id))  auth.notice {ids, ts, fromMs, spreadMs,
 *                                                        sig = masterSign(T_notice(ids, ts, fromMs, spreadMs))}
 *
 * One signature covers up to 64 ids (a 10,000-key accept costs 157 signatures, not 10,000); each minion gets the
 * notice on its own topic. A minion acts on it only while pending, only if its id is listed, the timestamp is
 * fresh and the signature verifies with the master key that answered it pending. A minion the master has not yet
 * answered with a signature (a crowd of new minions is mostly answered `busy`) has no key to check with: it acts on
 * a fresh notice naming it unchecked. All a minion does is authenticate after a delay: the signed, nonce-bound auth
 * reply still decides everything. A replayed or forged notice can at most make a waiting minion ask once more
 * (which it does anyway).
 *
 * The delay is the minion's own slot: the i-th of n listed ids comes at fromMs + (i + r) / n x spreadMs (r random
 * in [0, 1)), so the group arrives evenly at the rate the master reserved for it, not in random clusters that a
 * token bucket answers `busy`.
 */
import { sign, verify, type PrivateKeyInput, type PublicKeyInput } from './crypto/rsa';
import { transcript } from './crypto/transcript';
import { AUTH_FRESHNESS_MS } from './limits';
import type { AcceptNotice } from './messages';

const T_NOTICE = 'brine/auth.notice/v2';
/** Ids per signed notice. */
export const NOTICE_IDS = 64;
/** The latest a notice can schedule an auth (ms from its arrival). */
const MAX_NOTICE_MS = 600_000;

function noticeTranscript(n: Pick<AcceptNotice, 'ids' | 'ts' | 'fromMs' | 'spreadMs'>): Buffer {
  return transcript(T_NOTICE, n.ts, n.fromMs, n.spreadMs, n.ids.length, ...n.ids);
}

const clampMs = (ms: number): number => Math.max(0, Math.min(MAX_NOTICE_MS, Math.round(ms)));

/**
 * The signed notices for `ids` (groups of NOTICE_IDS): one slot each, `stepMs` apart, the first `fromMs` from now.
 */
export function buildAcceptNotices(masterPriv: PrivateKeyInput, ids: string[], schedule: { fromMs: number; stepMs: number }, now = Date.now()): AcceptNotice[] {
  const out: AcceptNotice[] = [];
  for (let i = 0; i < ids.length; i += NOTICE_IDS) {
    const group = ids.slice(i, i + NOTICE_IDS);
    const base = { ids: group, ts: now, fromMs: clampMs(schedule.fromMs + i * schedule.stepMs), spreadMs: clampMs(group.length * schedule.stepMs) };
    out.push({ kind: 'auth.notice', ...base, sig: sign(masterPriv, noticeTranscript(base)) });
  }
  return out;
}

/**
 * Minion side, for a minion the master has not yet answered with a signature (no key to check one with): the delay
 * before authenticating if `n` is fresh and names `id` (its slot, see the top of this file); undefined otherwise.
 */
export function acceptNoticeDelay(n: AcceptNotice, id: string, now = Date.now(), rand: () => number = Math.random): number | undefined {
  if (!Array.isArray(n.ids)) return undefined;
  const i = n.ids.indexOf(id);
  if (i < 0) return undefined;
  if (typeof n.ts !== 'number' || Math.abs(now - n.ts) > AUTH_FRESHNESS_MS) return undefined;
  if (typeof n.spreadMs !== 'number' || !(n.spreadMs >= 0) || typeof n.fromMs !== 'number' || !(n.fromMs >= 0)) return undefined;
  const spread = Math.min(n.spreadMs, MAX_NOTICE_MS);
  return Math.floor(Math.min(n.fromMs, MAX_NOTICE_MS) + ((i + rand()) / n.ids.length) * spread);
}

/**
 * Minion side: the delay before authenticating (ms, its slot) if `n` is a genuine, fresh notice
 * naming `id`, signed with `masterPub`; undefined otherwise.
 */
export function openAcceptNotice(n: AcceptNotice, masterPub: PublicKeyInput, id: string, now = Date.now(), rand: () => number = Math.random): number | undefined {
  const delay = acceptNoticeDelay(n, id, now, rand);
  if (delay === undefined || !verify(masterPub, noticeTranscript(n), n.sig)) return undefined;
  return delay;
}
