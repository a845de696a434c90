import { ReplayCache, SeqWindow } from './replay';

describe('SeqWindow', () => {
  it('accepts each seq once, in any order within the window', () => {
    const w = new SeqWindow(64);
    expect(w.accept(1).ok).toBe(true);
    expect(w.accept(3).ok).toBe(true);
    expect(w.accept(2).ok).toBe(true);
    expect(w.accept(2).ok).toBe(false);
    expect(w.accept(100).ok).toBe(true);
    expect(w.accept(36).ok).toBe(false); // fell out of the window
    expect(w.accept(37).ok).toBe(true);
    expect(w.accept(37).ok).toBe(false);
    expect(w.accept(0).ok).toBe(false);
  });

  it('clears slots when jumping ahead, so reused slots do not look seen', () => {
    const w = new SeqWindow(32);
    for (let i = 1; i <= 32; i++) expect(w.accept(i).ok).toBe(true);
    expect(w.accept(40).ok).toBe(true);
    for (let i = 33; i < 40; i++) expect(w.accept(i).ok).toBe(true);
    expect(w.accept(1000).ok).toBe(true);
    expect(w.accept(999).ok).toBe(true);
  });
});

describe('ReplayCache', () => {
  it('remembers, evicts the oldest beyond max, expires after ttl', () => {
    const c = new ReplayCache(3, 1000);
    expect(c.checkAndAdd('a', 0)).toBe(false);
    expect(c.checkAndAdd('a', 10)).toBe(true);
    c.add('b', 20);
    c.add('c', 30);
    c.add('d', 40);
    expect(c.size).toBe(3);
    expect(c.has('a', 50)).toBe(false);
    expect(c.has('d', 50)).toBe(true);
    expect(c.has('d', 2000)).toBe(false);
  });
});
