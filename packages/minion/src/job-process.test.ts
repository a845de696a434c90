import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger } from '@brine/core';
import { runInJobProcess } from './job-process';
import type { JobSpec } from './job-protocol';

let roots: string;

beforeAll(() => {
  roots = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-job-process-'));
  fs.writeFileSync(
    path.join(roots, 'peers.sls'),
    "{% set web = salt['mine.get']('roles:web', 'network.ip_addrs', tgt_type='grain') %}\n" +
      "{% set again = salt['mine.get']('roles:web', 'network.ip_addrs', tgt_type='grain') %}\n" +
      'peers:\n  test.nop:\n    - hosts: {{ web | json }}\n',
  );
});

afterAll(() => fs.rmSync(roots, { recursive: true, force: true }));

const spec = (fun: string, args: unknown[]): JobSpec => ({ fun, args, kwargs: {}, id: 'm1', grains: { id: 'm1' }, pillar: {}, opts: { id: 'm1' }, fileRoots: { base: [roots] } });

test("a template's mine.get is asked of the daemon, once per read, and answered synchronously", async () => {
  const asked: unknown[] = [];
  const log = new MemoryLogger();
  const out = await runInJobProcess(spec('state.show_sls', ['peers']), {
    log,
    mine: async (tgt, fun, tgtType) => {
      asked.push([tgt, fun, tgtType]);
      await new Promise((r) => setTimeout(r, 50)); // the job waits for the answer
      return { web1: ['10.0.0.1'] };
    },
  });
  expect(out.outcome).toBe('ok');
  expect((out.ret as Record<string, Record<string, unknown[]>>)['peers']!['test']).toContainEqual({ hosts: { web1: ['10.0.0.1'] } });
  expect(asked).toEqual([['roles:web', 'network.ip_addrs', 'grain']]);
  expect(log.lines.some((l) => l.msg === 'job process started')).toBe(true);
});

test('an error in the job is its outcome; a job process that dies is reported, never hangs', async () => {
  const noMine = async () => ({});
  const missing = await runInJobProcess(spec('state.show_sls', ['nope']), { log: new MemoryLogger(), mine: noMine });
  expect(missing.outcome).toBe('error');
  expect(JSON.stringify(missing.ret)).toMatch(/nope/);

  const log = new MemoryLogger();
  const killed = await runInJobProcess(spec('cmd.run', ['kill -9 $PPID']), { log, mine: noMine });
  expect(killed).toMatchObject({ outcome: 'error', success: false });
  expect(killed.ret).toMatch(/cmd\.run: the job process ended \(signal SIGKILL\) before returning a result/);
  expect(log.lines.some((l) => l.level === 'error' && l.msg === 'job process ended without a result')).toBe(true);
});

test("a job's environ.setenv ends with the job: the next job in the same (warm) process does not see it", async () => {
  fs.writeFileSync(path.join(roots, 'envset.sls'), "e:\n  environ.setenv:\n    - name: BRINE_JOB_ENV\n    - value: set-by-job-1\nshow:\n  cmd.run:\n    - name: 'echo ${BRINE_JOB_ENV-unset}'\n");
  const log = new MemoryLogger();
  const mine = async () => ({});
  const first = await runInJobProcess(spec('state.sls', ['envset']), { log, mine });
  expect(JSON.stringify(first.ret)).toContain('"stdout":"set-by-job-1"');
  const second = await runInJobProcess(spec('cmd.run', ['echo ${BRINE_JOB_ENV-unset}']), { log, mine });
  expect(second.ret).toBe('unset');
  // the same job process ran both
  const pids = log.lines.filter((l) => l.msg === 'job process started').map((l) => (l.meta as { pid?: number } | undefined)?.pid);
  expect(pids).toHaveLength(2);
  expect(pids[1]).toBe(pids[0]);
});
