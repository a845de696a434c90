import { EventBus } from './bus';

test('an event fired from a subscriber is delivered after the current one, to every subscriber in firing order', () => {
  const bus = new EventBus();
  const seen: Record<string, string[]> = { a: [], b: [], c: [] };
  // `a` reacts to `start` by firing two events (as the reactor publishes a job from its callback), and to `first`
  // by firing a third: deeper re-entry, still queued behind what was fired before it.
  bus.subscribe((e) => {
    seen['a']!.push(e.tag);
    if (e.tag === 'start') {
      bus.fire('first');
      bus.fire('second');
    }
    if (e.tag === 'first') bus.fire('third');
  });
  bus.subscribe((e) => seen['b']!.push(e.tag));
  bus.subscribe((e) => {
    seen['c']!.push(e.tag);
    if (e.tag === 'second') bus.fire('fourth');
  });
  bus.fire('start');
  const order = ['start', 'first', 'second', 'third', 'fourth'];
  expect(seen).toEqual({ a: order, b: order, c: order });
});

test('fire() returns with every event delivered; a throwing subscriber does not stop the others or the queue', () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.subscribe((e) => {
    if (e.tag === 'x') bus.fire('y');
    throw new Error('boom');
  });
  bus.subscribe((e) => seen.push(e.tag));
  bus.fire('x');
  expect(seen).toEqual(['x', 'y']);
  bus.fire('z');
  expect(seen).toEqual(['x', 'y', 'z']);
});

test('taps see each event when it is fired (before queued delivery), subscribers after', () => {
  const bus = new EventBus();
  const log: string[] = [];
  bus.tap((e) => log.push(`tap:${e.tag}`));
  bus.subscribe((e) => {
    log.push(`sub:${e.tag}`);
    if (e.tag === 'a') {
      bus.fire('b');
      log.push('fired b');
    }
  });
  bus.fire('a');
  expect(log).toEqual(['tap:a', 'sub:a', 'tap:b', 'fired b', 'sub:b']);
});
