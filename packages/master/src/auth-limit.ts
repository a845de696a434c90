/**
 * Rate limits for the one request anyone may send, `auth`: token buckets overall and per connection, and a
 * separate, smaller budget for the RSA signatures of non-accepted answers (`pending`, `rejected`, `denied`), so
 * strangers cannot make the master sign without bound. Over a limit the master answers an unsigned `busy` error.
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
  private readonly overall: TokenBucket;
  private readonly signing: TokenBucket;
  /** Per connection; bounded (oldest forgotten first). */
  private readonly perPeer = new Map<string, TokenBucket>();

  constructor(private readonly o: { perSecond: number; perPeerPerSecond: number; maxPeers?: number }) {
    this.overall = new TokenBucket(o.perSecond, o.perSecond * 2);
    this.signing = new TokenBucket(Math.max(1, o.perSecond / 5), Math.max(2, o.perSecond / 2));
  }

  /** May this connection authenticate now? */
  admit(peer: string): boolean {
    let b = this.perPeer.get(peer);
    if (!b) {
      if (this.perPeer.size >= (this.o.maxPeers ?? 10_000)) this.perPeer.delete(this.perPeer.keys().next().value!);
      b = new TokenBucket(this.o.perPeerPerSecond, this.o.perPeerPerSecond * 2);
      this.perPeer.set(peer, b);
    }
    return b.take() && this.overall.take();
  }

  /** May the master sign a non-accepted answer now? */
  sign(): boolean {
    return this.signing.take();
  }
}
