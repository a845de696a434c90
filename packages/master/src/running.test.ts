import { RunningJobs } from './running';

test('a job is active while a targeted minion beats and has not returned', () => {
  const r = new RunningJobs();
  r.beat('j1', 'b', 1000);
  r.beat('j1', 'a', 1000);
  r.beat('j2', 'a', 1000);
  expect(r.has('j1', 'a')).toBe(true);
  expect([...r.active(2000)]).toEqual([['j1', ['a', 'b']], ['j2', ['a']]]);
  r.returned('j1', 'a');
  expect([...r.active(2000)]).toEqual([['j1', ['b']], ['j2', ['a']]]);
  r.beat('j2', 'a', 6500);
  // b's last beat is too old: a minion killed mid-job does not keep its job active
  expect([...r.active(8000)]).toEqual([['j2', ['a']]]);
  expect(r.has('j1', 'b')).toBe(false);
});
