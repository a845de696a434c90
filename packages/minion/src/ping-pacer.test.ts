import { PING_HINT_MAX_S } from '@brine/protocol';
import { PingPacer } from './ping-pacer';

describe('PingPacer', () => {
  it('pings at its own interval until the master asks for a longer one', () => {
    const p = new PingPacer(10_000, true);
    expect(p.next()).toBe(10_000);
    p.heard({ epoch: 1, subscribed: true, pingS: 5 }); // shorter than its own: ignored
    expect(p.next()).toBe(10_000);
    p.heard({ epoch: 1, subscribed: true });
    expect(p.next()).toBe(10_000);
  });

  it("spreads the master's longer interval over +-25% of it", () => {
    const p = new PingPacer(10_000, true);
    p.heard({ pingS: 40 });
    expect(p.next(() => 0)).toBe(30_000);
    expect(p.next(() => 0.5)).toBe(40_000);
    expect(p.next(() => 1)).toBe(50_000);
    // Never below its own interval, however the spread falls.
    p.heard({ pingS: 11 });
    expect(p.next(() => 0)).toBe(10_000);
  });

  it('goes back to its own interval when the master stops asking, and caps what it is asked', () => {
    const p = new PingPacer(10_000, true);
    p.heard({ pingS: 60 });
    expect(p.next(() => 0.5)).toBe(60_000);
    p.heard({ subscribed: true });
    expect(p.next(() => 0.5)).toBe(10_000);
    p.heard({ pingS: 1e9 });
    expect(p.next(() => 0.5)).toBe(PING_HINT_MAX_S * 1000);
  });

  it("a ping without an answer ends the master's interval until the next answer", () => {
    const p = new PingPacer(10_000, true);
    p.heard({ pingS: 50 });
    expect(p.next(() => 0.5)).toBe(50_000);
    p.missed(); // a restarted master has not asked for anything
    expect(p.next(() => 0.5)).toBe(10_000);
    p.heard({ pingS: 50 });
    expect(p.next(() => 0.5)).toBe(50_000);
  });

  it('ignores answers that are not a positive number of seconds', () => {
    const p = new PingPacer(10_000, true);
    for (const pingS of ['60', -60, 0, Number.NaN, Number.POSITIVE_INFINITY, null, { s: 60 }]) {
      p.heard({ pingS });
      expect(p.next(() => 0.5)).toBe(10_000);
    }
    p.heard(undefined);
    p.heard('pong');
    expect(p.next(() => 0.5)).toBe(10_000);
  });

  it('keeps its own interval when it checks its master is alive (failover)', () => {
    const p = new PingPacer(2_500, false);
    p.heard({ pingS: 60 });
    expect(p.next(() => 0.5)).toBe(2_500);
  });
});
