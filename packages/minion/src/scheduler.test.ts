import { parseSchedule, splayMs } from './scheduler';

test("Salt's schedule entries: intervals, splay forms, job_args/kwargs, defaults", () => {
  const jobs = parseSchedule({
    hs: { function: 'state.highstate', minutes: 30, splay: 60 },
    echo: { function: 'test.echo', seconds: 5, splay: { start: 2, end: 4 }, job_args: ['hi'], job_kwargs: { x: 1 }, maxrunning: 2, run_on_start: false, return_job: false },
    old: { function: 'test.arg', hours: 1, args: 'one', kwargs: { k: 'v' } },
  });
  expect(jobs.map((j) => [j.name, j.intervalMs, j.splay, j.args, j.kwargs, j.maxrunning, j.runOnStart, j.returnJob, j.enabled])).toEqual([
    ['hs', 1_800_000, { start: 0, end: 60 }, [], {}, 1, true, true, true],
    ['echo', 5000, { start: 2, end: 4 }, ['hi'], { x: 1 }, 2, false, false, true],
    ['old', 3_600_000, null, ['one'], { k: 'v' }, 1, true, true, true],
  ]);
});

test('bad entries are reported, not silently dropped; enabled: False at the top disables every job', () => {
  const problems: string[] = [];
  const jobs = parseSchedule(
    { nofun: { seconds: 5 }, noint: { function: 'test.ping' }, badint: { function: 'test.ping', seconds: 'abc' }, badmax: { function: 'test.ping', seconds: 5, maxrunning: 0 }, badsplay: { function: 'test.ping', seconds: 5, splay: { start: 5, end: 1 } }, notmap: 'x', ok: { function: 'test.ping', seconds: 5 } },
    (name, why) => problems.push(`${name}: ${why}`),
  );
  expect(jobs.map((j) => j.name)).toEqual(['ok']);
  expect(problems).toEqual([
    "nofun: has no 'function'",
    'noint: needs a positive seconds/minutes/hours/days',
    'badint: needs a positive seconds/minutes/hours/days',
    'badmax: maxrunning 0 is not a whole number >= 1',
    'badsplay: splay {"start":5,"end":1} is not N or {start, end} with 0 <= start <= end',
    'notmap: is not a mapping',
  ]);
  expect(parseSchedule({ enabled: false, a: { function: 'test.ping', seconds: 5 } }).map((j) => j.enabled)).toEqual([false]);
  expect(parseSchedule({ a: { function: 'test.ping', seconds: 5, enabled: false } }).map((j) => j.enabled)).toEqual([false]);
});

test('splay: uniform in [start, end] seconds', () => {
  const job = { splay: { start: 2, end: 5 } };
  expect(splayMs(job, () => 0)).toBe(2000);
  expect(splayMs(job, () => 0.999999)).toBe(5000);
  expect(splayMs(job, () => 0.5)).toBe(3500);
  expect(splayMs({ splay: null }, () => 0.5)).toBe(0);
});
