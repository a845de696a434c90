/** CallResult.of: Salt's rule for a plain return (a dict whose result/success is false fails with retcode 1). */
import { CallResult } from './types';

test('a dict with a falsy result or success fails with retcode 1; other returns keep their outcome', () => {
  for (const ret of [{ result: false, comment: 'Unable to connect' }, { success: false }, { result: true, success: null }, { result: 0 }, { result: '' }]) {
    const r = CallResult.of(ret);
    expect([r.outcome, r.retcode, r.ret]).toEqual(['error', 1, ret]);
  }
  for (const ret of [{ result: true }, { success: 'yes' }, { comment: 'no result key' }, false, [false], null, 'text']) {
    const r = CallResult.of(ret);
    expect([r.outcome, r.retcode]).toEqual(['ok', 0]);
  }
  // A return that already carries a non-zero retcode keeps it (Salt's __context__ retcode wins).
  const failed = CallResult.of(new CallResult({ result: false }, 'failed', 'highstate'));
  expect([failed.outcome, failed.retcode, failed.outputter]).toEqual(['failed', 2, 'highstate']);
  const kept = CallResult.of(new CallResult({ result: false }, 'ok', 'txt'));
  expect([kept.outcome, kept.retcode, kept.outputter]).toEqual(['error', 1, 'txt']);
});
