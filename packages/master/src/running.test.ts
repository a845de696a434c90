import { RunningJobs } from './running';

test('a job is active while a targeted minion beats and has not returned, with the pid its heartbeat carries', () => {
  const r = new RunningJobs();
  r.beat('j1', 'b', 4242, 1000);
  r.beat('j1', 'a', null, 1000);
  r.beat('j2', 'a', null, 1000);
  expect(r.has('j1', 'a')).toBe(true);
  expect([...r.active(2000)]).toEqual([['j1', [{ id: 'a', pid: null }, { id: 'b', pid: 4242 }]], ['j2', [{ id: 'a', pid: null }]]]);
  r.returned('j1', 'a');
  expect([...r.active(2000)]).toEqual([['j1', [{ id: 'b', pid: 4242 }]], ['j2', [{ id: 'a', pid: null }]]]);
  // A later heartbeat may carry the job process's pid once it has started.
  r.beat('j2', 'a', 777, 6500);
  // b's last beat is too old: a minion killed mid-job does not keep its job active
  expect([...r.active(8000)]).toEqual([['j2', [{ id: 'a', pid: 777 }]]]);
  expect(r.has('j1', 'b')).toBe(false);
});
