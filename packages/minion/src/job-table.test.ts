/** The job table: saltutil.running / find_job / kill_job never offer the daemon's own pid. */
import { JobTable } from './job-table';

test('a job shows its job process pid once it has one; an in-daemon job has none, and kill_job says so', () => {
  const t = new JobTable('m1');
  const inDaemon = t.start({ jid: '1' }, 'saltutil.sync_all', []);
  const inProcess = t.start({ jid: '2', tgt: 'web*', tgt_type: 'glob', user: 'root' }, 'cmd.run', ['sleep 9']);
  expect(t.find('1')).not.toHaveProperty('pid');
  expect(t.find('2')).not.toHaveProperty('pid'); // its process has not started yet
  inProcess.setPid(4242);
  expect(t.running().map((j) => [j['jid'], j['pid']])).toEqual([['1', undefined], ['2', 4242]]);
  expect(t.running().some((j) => j['pid'] === process.pid)).toBe(false);
  expect(t.find('2')).toMatchObject({ jid: '2', fun: 'cmd.run', arg: ['sleep 9'], pid: 4242, tgt: 'web*', id: 'm1' });
  expect(t.kill('2')).toBe('Signal 9 sent to job 2 at pid 4242');
  expect(inProcess.signal.aborted).toBe(true);
  const said = t.kill('1');
  expect(said).toMatch(/^Job 1 cancelled: it has no process of its own/);
  expect(said).not.toContain(String(process.pid));
  expect(inDaemon.signal.aborted).toBe(true);
  inDaemon.end();
  expect(t.find('1')).toEqual({});
  expect(t.kill('1')).toBe('');
});
