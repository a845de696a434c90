/**
 * Integers past 2^53 through a real master and minion: a pillar's, rendered by the master and sent to the minion,
 * and an SLS's, rendered on the minion and returned through the master. Neither side throws on them (JSON has no
 * such numbers), the digits arrive exact, and a template renders the pillar's as Salt does.
 */
import * as fs from 'fs';
import * as path from 'path';
import { acceptAll, json, onMasterAsync, removeFleet, startFleet, tempDir, writeFiles, type Fleet } from './helpers/fleet';

let fleet: Fleet | undefined;
afterAll(() => removeFleet(fleet));

test('a pillar past 2^53 reaches the minion exact; an SLS past 2^53 comes back exact, as its digits', async () => {
  const dir = tempDir('brine-bigint-');
  const out = path.join(dir, 'out');
  writeFiles(path.join(dir, 'tree'), {
    'top.sls': "base:\n  '*':\n    - big\n",
    'big.sls': `${out}/shm.conf:\n  file.managed:\n    - makedirs: True\n    - contents: "kernel.shmall = {{ pillar['shmall'] }}"\nkey:\n  test.nop:\n    - keyid: 0x5a16e7281be7a449\n`,
  });
  writeFiles(path.join(dir, 'pillar'), { 'top.sls': "base:\n  '*':\n    - big\n", 'big.sls': 'shmall: 18446744073692774399\n' });
  fleet = await startFleet({ dir, minions: ['m1'], fileRoots: [path.join(dir, 'tree')] });
  await acceptAll(fleet, ['m1']);

  const apply = await onMasterAsync(fleet, ['state', 'apply', 'm1', 'big', '--out', 'json', '-t', '20']);
  expect(apply.code).toBe(0);
  expect(fs.readFileSync(path.join(out, 'shm.conf'), 'utf8')).toBe('kernel.shmall = 18446744073692774399\n');

  const pillar = await onMasterAsync(fleet, ['run', 'm1', 'pillar.item', 'shmall', '--out', 'json']);
  expect(json<Record<string, unknown>>(pillar)).toEqual({ m1: { shmall: '18446744073692774399' } });

  const show = await onMasterAsync(fleet, ['run', 'm1', 'state.show_sls', 'big', '--out', 'json']);
  expect(show.code).toBe(0);
  const low = json<{ m1: { key: { test: unknown[] } } }>(show).m1.key.test;
  expect(low[0]).toEqual({ keyid: '6491630072354022473' });
}, 60_000);
