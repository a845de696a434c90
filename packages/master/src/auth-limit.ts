/**
 * Rate limits for the one request anyone may send, `auth` (`perSecond` is `auth_rate`). Over a limit the master
 * answers an unsigned `busy` error. In the order they are taken:
 *  - per connection (`auth_rate_per_peer`), before anything else;
 *  - signature checks overall (4 x auth_rate): a check of a key not seen before costs ~0.15 ms, so strangers can
 *    spend at most about a sixth of a core;
 *  - then, by what the key store decided: minions whose key is accepted share a budget of 4 x auth_rate (an
 *    accepted answer costs ~0.4 ms: one RSA signature, two RSA-OAEP wraps), so a mass accept or a master restart
 *    is not held to the rate strangers get; every other answer takes from `auth_rate`, and its signature from a
 *    smaller budget (a fifth of it), so strangers cannot make the master sign without bound.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(readonly ratePerSec: number, readonly burst: number, now = Date.now()) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class AuthLimiter {
  private readonly checks: TokenBucket;
  private readonly accepted: TokenBucket;
  private readonly overall: TokenBucket;
  private readonly signing: TokenBucket;
  /** Per connection; bounded (oldest forgotten first). */
  private readonly perPeer = new Map<string, TokenBucket>();

  constructor(private readonly o: { perSecond: number; perPeerPerSecond: number; maxPeers?: number }) {
    this.checks = new TokenBucket(o.perSecond * 4, o.perSecond * 8);
    this.accepted = new TokenBucket(o.perSecond * 4, o.perSecond * 8);
    this.overall = new TokenBucket(o.perSecond, o.perSecond * 2);
    this.signing = new TokenBucket(this.signsPerSecond, Math.max(2, o.perSecond / 2));
  }

  /**
   * May this connection have its auth request checked now? Undefined if so; otherwise which limit refused it: its
   * own (`peer`) or everyone's (`overall`: a crowd, told when to come back).
   */
  admit(peer: string): 'peer' | 'overall' | undefined {
    let b = this.perPeer.get(peer);
    if (!b) {
      if (this.perPeer.size >= (this.o.maxPeers ?? 10_000)) this.perPeer.delete(this.perPeer.keys().next().value!);
      b = new TokenBucket(this.o.perPeerPerSecond, this.o.perPeerPerSecond * 2);
      this.perPeer.set(peer, b);
    }
    if (!b.take()) return 'peer';
    return this.checks.take() ? undefined : 'overall';
  }

  /** The rate auth requests are checked at overall. */
  get checksPerSecond(): number {
    return this.o.perSecond * 4;
  }

  /** The rate answers to minions whose key is not accepted are signed at. */
  get signsPerSecond(): number {
    return Math.max(1, this.o.perSecond / 5);
  }

  /** May a minion whose key is accepted get its session now? */
  acceptedAuth(): boolean {
    return this.accepted.take();
  }

  /** May a minion whose key is not accepted get an answer now? */
  otherAuth(): boolean {
    return this.overall.take();
  }

  /** The rate accepted minions can be answered at (the accept notice spreads their auths over n / this seconds). */
  get acceptedPerSecond(): number {
    return this.o.perSecond * 4;
  }

  /** May the master sign a non-accepted answer now? */
  sign(): boolean {
    return this.signing.take();
  }
}
