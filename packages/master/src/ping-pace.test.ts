import { PING_HINT_MAX_S } from '@brine/protocol';
import { LIVENESS_MS, livenessWindowMs, pingHintS } from './ping-pace';

describe('ping pace', () => {
  it('asks for the interval that keeps all sessions within max_ping_rate, in whole seconds', () => {
    expect(pingHintS(10_000, 200)).toBe(50);
    expect(pingHintS(1_000, 200)).toBe(5);
    expect(pingHintS(201, 200)).toBe(2);
    expect(pingHintS(3, 200)).toBe(1);
  });

  it('asks nothing with no sessions or with pacing off, and never more than the cap', () => {
    expect(pingHintS(0, 200)).toBeUndefined();
    expect(pingHintS(10_000, 0)).toBeUndefined();
    expect(pingHintS(10_000_000, 200)).toBe(PING_HINT_MAX_S);
  });

  it('counts a minion connected for two and a half asked intervals, never less than LIVENESS_MS', () => {
    expect(livenessWindowMs(undefined)).toBe(LIVENESS_MS);
    expect(livenessWindowMs(5)).toBe(LIVENESS_MS);
    // 50 s asked: a minion pings within 62.5 s; one lost ping still leaves it connected.
    expect(livenessWindowMs(50)).toBe(135_000);
    expect(livenessWindowMs(50)).toBeGreaterThan(2 * 1.25 * 50_000);
    expect(livenessWindowMs(1e9)).toBe((2.5 * PING_HINT_MAX_S + 10) * 1000);
  });
});
