/** callFunction: how a call ends in the minion (and a job process), by Salt's rules. */
import { MemoryLogger } from '@brine/core';
import type { ExecEnv } from '@brine/modules';
import { callFunction } from './outcome';

const env = { id: 'm1', grains: {}, pillar: {}, opts: {}, log: new MemoryLogger() } as unknown as ExecEnv;

test("a return dict with result False fails with retcode 1 (Salt's minion), as network.connect to a closed port", async () => {
  const r = await callFunction('network.connect', ['127.0.0.1', 1], {}, env);
  expect(r.ret).toMatchObject({ result: false });
  expect([r.outcome, r.retcode, r.success]).toEqual(['error', 1, false]);
  const ok = await callFunction('test.arg', [], { result: true }, env);
  expect([ok.outcome, ok.retcode, ok.success]).toEqual(['ok', 0, true]);
  // test.arg returns {args, kwargs}: no result key at its top, so it succeeds whatever it was given.
  const nested = await callFunction('test.arg', [], { result: false }, env);
  expect([nested.outcome, nested.retcode, nested.success]).toEqual(['ok', 0, true]);
});

test("an unknown keyword argument: Salt's minion words it \"ERROR executing '<fun>': ...\", retcode 1", async () => {
  const r = await callFunction('test.ping', [], { bogus: 1 }, env);
  expect(r).toMatchObject({ ret: "ERROR executing 'test.ping': The following keyword arguments are not valid: bogus=1", outcome: 'error', retcode: 1, success: false });
});
