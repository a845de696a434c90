/**
 * Publications (master PUB -> every minion SUB).
 *
 *   pub   {epoch, body = AES-GCM(pubKey[epoch], JSON(JobPublication), aad = T("brine/pub/v1", epoch)),
 *          sig = masterSign(T("brine/pub.sig/v1", epoch, body))}
 *   rekey {epoch, ts, nonce, part, parts, keys: {minionId: RSA-OAEP(minionPub, newKey)},
 *          sig = masterSign(T("brine/rekey/v1", epoch, ts, nonce, part, parts, id1, key1, id2, key2, ...))}
 *
 * The AES key gives confidentiality from outsiders; the RSA signature gives authenticity, so a minion that
 * holds the shared key still cannot forge a job. A minion rejects: a bad signature, an epoch it holds no key
 * for (it should re-authenticate: it missed a rekey or the master restarted), a `ts` older than 60 s or more
 * than 30 s ahead, and any jid or nonce it has seen (bounded replay cache whose TTL covers the window).
 *
 * Rekey: removing a minion's key rotates the publication key; the new key is wrapped to each remaining
 * minion and published (no auth storm). The removed minion is not in `keys`, so it cannot open anything
 * published under the new epoch. Epochs are ms timestamps (monotonic across master restarts), so a restarted
 * master never reuses an epoch number with a different key.
 */
import { AuthError } from '@brine/core';
import { AEAD_KEY_BYTES, aeadOpen, aeadSeal, newAeadKey } from './crypto/aead';
import { tryParsePublicKey } from './crypto/parsed-key';
import { randomId } from './crypto/random';
import { rsaDecrypt, rsaEncrypt, sign, verify, type PrivateKeyInput, type PublicKeyInput } from './crypto/rsa';
import { transcript } from './crypto/transcript';
import { packJson, unpackJson } from './codec';
import { PUB_KEYS_KEPT, PUBLICATION_MAX_AGE_MS, PUBLICATION_MAX_FUTURE_MS, REKEY_CHUNK, REPLAY_CACHE_SIZE } from './limits';
import { jobPublicationSchema, type JobPublication, type PublicationMessage, type RekeyMessage } from './messages';
import { ReplayCache } from './replay';

export type PublicationFailure = 'bad-signature' | 'unknown-epoch' | 'bad-seal' | 'stale' | 'future' | 'replay';

/** A publication the minion must drop. `unknown-epoch` means "re-authenticate to get the current key". */
export class PublicationError extends AuthError {
  readonly reason: PublicationFailure;
  constructor(reason: PublicationFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export interface EpochKey {
  epoch: number;
  key: Buffer;
}

const T_PUB = 'brine/pub/v1';
const T_PUB_SIG = 'brine/pub.sig/v1';
const T_REKEY = 'brine/rekey/v1';

export function publicationAad(epoch: number): Buffer {
  return transcript(T_PUB, epoch);
}

function pubSigData(epoch: number, body: Buffer): Buffer {
  return transcript(T_PUB_SIG, epoch, body);
}

/** Master side: the current publication key and its rotation. */
export class PublicationKeys {
  private cur: EpochKey;
  constructor(now = Date.now()) {
    this.cur = { epoch: now, key: newAeadKey() };
  }

  get current(): EpochKey {
    return this.cur;
  }

  /** A new key with an epoch greater than every previous one. */
  rotate(now = Date.now()): EpochKey {
    this.cur = { epoch: Math.max(now, this.cur.epoch + 1), key: newAeadKey() };
    return this.cur;
  }
}

/** The job fields the caller supplies; `ts` and `nonce` are filled in unless given. */
export type JobInput = Omit<JobPublication, 'ts' | 'nonce'> & Partial<Pick<JobPublication, 'ts' | 'nonce'>>;

/** Master side: seal and sign a job for publication. */
export function sealPublication(masterPriv: PrivateKeyInput, ek: EpochKey, job: JobInput, now = Date.now()): PublicationMessage {
  const full: JobPublication = { ...job, ts: job.ts ?? now, nonce: job.nonce ?? randomId() };
  jobPublicationSchema.check(full, `publication ${job.jid}`);
  const body = aeadSeal(ek.key, packJson(full), publicationAad(ek.epoch));
  return { kind: 'pub', epoch: ek.epoch, body, sig: sign(masterPriv, pubSigData(ek.epoch, body)) };
}

/** Minion side: publication keys by epoch, keeping the newest few (current + previous, by default). */
export class PublicationKeyring {
  private readonly keys = new Map<number, Buffer>();
  constructor(readonly keep: number = PUB_KEYS_KEPT) {}

  /** Install a key; returns false (and ignores it) when it is older than every key kept and the ring is full. */
  set(epoch: number, key: Buffer): boolean {
    if (key.length !== AEAD_KEY_BYTES) throw new RangeError('publication key: must be 32 bytes');
    const epochs = this.epochs();
    if (epochs.length >= this.keep && epoch < epochs[epochs.length - 1]! && !this.keys.has(epoch)) return false;
    this.keys.set(epoch, key);
    const sorted = this.epochs();
    for (const e of sorted.slice(this.keep)) this.keys.delete(e);
    return this.keys.has(epoch);
  }

  get(epoch: number): Buffer | undefined {
    return this.keys.get(epoch);
  }

  /** Newest first. */
  epochs(): number[] {
    return [...this.keys.keys()].sort((a, b) => b - a);
  }

  get latest(): number | undefined {
    return this.epochs()[0];
  }

  /** Forget every key (after re-authentication replaces them). */
  clear(): void {
    this.keys.clear();
  }
}

export interface PublicationCheckOptions {
  maxAgeMs?: number;
  maxFutureMs?: number;
  /** Replay cache entries; default 100 000. */
  replayCacheSize?: number;
}

/**
 * The master key parsed once: every publication is verified with it, and a PEM would be hashed on each verify to
 * find its parsed key (a tenth of a minion's work per job). One that does not parse stays a PEM (verify then fails).
 */
function parsedOnce(pub: PublicKeyInput): PublicKeyInput {
  return typeof pub === 'string' ? (tryParsePublicKey(pub)?.key ?? pub) : pub;
}

/**
 * Minion side: verifies, opens and de-duplicates publications, and installs rekeys addressed to it.
 * `masterPub` is the pinned master key.
 */
export class PublicationReceiver {
  readonly keyring: PublicationKeyring;
  private readonly replay: ReplayCache;
  private readonly maxAgeMs: number;
  private readonly maxFutureMs: number;

  private masterPub: PublicKeyInput;

  constructor(
    masterPub: PublicKeyInput,
    private readonly me: { id: string; privatePem: PrivateKeyInput },
    opts: PublicationCheckOptions & { keyring?: PublicationKeyring } = {},
  ) {
    this.masterPub = parsedOnce(masterPub);
    this.keyring = opts.keyring ?? new PublicationKeyring();
    this.maxAgeMs = opts.maxAgeMs ?? PUBLICATION_MAX_AGE_MS;
    this.maxFutureMs = opts.maxFutureMs ?? PUBLICATION_MAX_FUTURE_MS;
    this.replay = new ReplayCache(opts.replayCacheSize ?? REPLAY_CACHE_SIZE, this.maxAgeMs + this.maxFutureMs);
  }

  /** Install the key from an accepted auth reply (after re-authentication). */
  setKey(epoch: number, key: Buffer): void {
    this.keyring.set(epoch, key);
  }

  /** A different pinned master key (only after an operator re-pins). */
  setMasterPub(pub: PublicKeyInput): void {
    this.masterPub = parsedOnce(pub);
  }

  /** Open a publication; throws PublicationError with the reason to drop it. */
  open(msg: PublicationMessage, now = Date.now()): JobPublication {
    if (!verify(this.masterPub, pubSigData(msg.epoch, msg.body), msg.sig)) {
      throw new PublicationError('bad-signature', `publication (epoch ${msg.epoch}): master signature does not verify`);
    }
    const key = this.keyring.get(msg.epoch);
    if (!key) throw new PublicationError('unknown-epoch', `publication: no key for epoch ${msg.epoch} (re-authenticate to get the current key)`);
    let plain: Buffer;
    try {
      plain = aeadOpen(key, msg.body, publicationAad(msg.epoch));
    } catch (e) {
      throw new PublicationError('bad-seal', `publication (epoch ${msg.epoch}): does not open with the key of that epoch`, { cause: e });
    }
    const job = jobPublicationSchema.check(unpackJson(plain), 'publication');
    if (now - job.ts > this.maxAgeMs) throw new PublicationError('stale', `publication ${job.jid}: ${Math.round((now - job.ts) / 1000)} s old (limit ${this.maxAgeMs / 1000} s)`);
    if (job.ts - now > this.maxFutureMs) throw new PublicationError('future', `publication ${job.jid}: ${Math.round((job.ts - now) / 1000)} s in the future (sync clocks)`);
    if (this.replay.has(`n:${job.nonce}`, now) || this.replay.has(`j:${job.jid}`, now)) {
      throw new PublicationError('replay', `publication ${job.jid}: already seen (replay)`);
    }
    this.replay.add(`n:${job.nonce}`, now);
    this.replay.add(`j:${job.jid}`, now);
    return job;
  }

  /**
   * Handle a rekey message: verify it, and if it carries a key for this minion install it.
   * Returns the new epoch when installed, undefined when this message has nothing for us (another chunk, or
   * we were removed). Throws PublicationError on a bad signature or a stale message.
   */
  openRekey(msg: RekeyMessage, now = Date.now()): number | undefined {
    const got = openRekey(msg, this.masterPub, this.me, { now, maxAgeMs: Math.max(this.maxAgeMs, 300_000), maxFutureMs: this.maxFutureMs });
    if (!got) return undefined;
    return this.keyring.set(got.epoch, got.key) ? got.epoch : undefined;
  }
}

function rekeyTranscript(m: Omit<RekeyMessage, 'kind' | 'sig'>): Buffer {
  const parts: (string | number | Buffer)[] = [m.epoch, m.ts, m.nonce, m.part, m.parts];
  for (const id of Object.keys(m.keys).sort()) parts.push(id, m.keys[id]!);
  return transcript(T_REKEY, ...parts);
}

export interface Recipient {
  id: string;
  /** The minion's accepted public key (PEM). */
  pub: PublicKeyInput;
}

/**
 * Master side: the rekey messages announcing `ek` to `recipients` (everyone still accepted), in chunks of
 * `chunk` minions, each signed. Publish all of them.
 */
export function buildRekey(masterPriv: PrivateKeyInput, ek: EpochKey, recipients: Iterable<Recipient>, opts: { chunk?: number; now?: number } = {}): RekeyMessage[] {
  const chunk = Math.max(1, opts.chunk ?? REKEY_CHUNK);
  const now = opts.now ?? Date.now();
  const list = [...recipients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const parts = Math.max(1, Math.ceil(list.length / chunk));
  const nonce = randomId();
  const out: RekeyMessage[] = [];
  for (let part = 0; part < parts; part++) {
    const keys: Record<string, Buffer> = {};
    for (const r of list.slice(part * chunk, (part + 1) * chunk)) keys[r.id] = rsaEncrypt(r.pub, ek.key);
    const base = { epoch: ek.epoch, ts: now, nonce, part, parts, keys };
    out.push({ kind: 'rekey', ...base, sig: sign(masterPriv, rekeyTranscript(base)) });
  }
  return out;
}

/** Minion side, stateless: verify a rekey and unwrap this minion's key, or undefined if none is for it. */
export function openRekey(
  msg: RekeyMessage,
  masterPub: PublicKeyInput,
  me: { id: string; privatePem: PrivateKeyInput },
  opts: { now?: number; maxAgeMs?: number; maxFutureMs?: number } = {},
): EpochKey | undefined {
  const now = opts.now ?? Date.now();
  if (!verify(masterPub, rekeyTranscript(msg), msg.sig)) throw new PublicationError('bad-signature', `rekey (epoch ${msg.epoch}): master signature does not verify`);
  if (now - msg.ts > (opts.maxAgeMs ?? 300_000)) throw new PublicationError('stale', `rekey (epoch ${msg.epoch}): too old`);
  if (msg.ts - now > (opts.maxFutureMs ?? PUBLICATION_MAX_FUTURE_MS)) throw new PublicationError('future', `rekey (epoch ${msg.epoch}): in the future (sync clocks)`);
  if (!Object.prototype.hasOwnProperty.call(msg.keys, me.id)) return undefined;
  const key = rsaDecrypt(me.privatePem, msg.keys[me.id]!);
  if (key.length !== AEAD_KEY_BYTES) throw new PublicationError('bad-seal', 'rekey: wrapped key has the wrong length');
  return { epoch: msg.epoch, key };
}
