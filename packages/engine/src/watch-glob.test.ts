/**
 * A glob requisite, resolved at run time: `watch: [{file: <dir>/*}]` matches two file.managed states; both change,
 * and the service restarts once (Salt runs mod_watch once per state, however many watched states changed).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger, type LowChunk } from '@brine/core';
import { LocalHostReader, LocalHostWriter } from './host/local';
import { resolveRequisites } from './requisites';
import { runStates } from './runner';
import { getStateFunction } from './states';
import { DirSourceClient, naiveTemplate, testDaemon, type TestDaemon } from './states/testkit';
import type { Providers } from './types';

let tmp: string;
let d: TestDaemon;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-watchglob-'));
  mkdirSync(path.join(tmp, 'minion.d'));
  d = testDaemon(tmp, 'minion');
});
afterEach(async () => {
  await d.sup.stop('minion', new LocalHostWriter()).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

function low(id: string, state: string, fun: string, name: string, args: Record<string, unknown>, requisites: LowChunk['requisites'] = {}): LowChunk {
  return { id, name, state, fun, sls: 'minion', env: 'base', file: 'minion/init.sls', line: 1, order: 0, args, requisites };
}

test('a watched glob that matches two changed file states triggers one restart', async () => {
  const conf = (n: string) => path.join(tmp, 'minion.d', `${n}.conf`);
  const chunks = [
    low(conf('a'), 'file', 'managed', conf('a'), { contents: 'a' }),
    low('minion-b', 'file', 'managed', conf('b'), { contents: 'b' }),
    low('minion', 'service', 'running', 'minion', {}, { watch: [{ kind: 'file', target: path.join(tmp, 'minion.d', '*') }] }),
  ];
  const run = () =>
    runStates(chunks, {
      test: false,
      reader: new LocalHostReader(),
      makeWriter: () => new LocalHostWriter(),
      files: new DirSourceClient(tmp),
      template: naiveTemplate,
      providers: { service: d.sup } as unknown as Providers,
      log: nullLogger,
      lookup: getStateFunction,
    });
  expect(resolveRequisites(chunks).reqs[2]!.get('watch')).toEqual([0, 1]);
  await d.sup.start('minion', new LocalHostWriter());
  expect(await d.waitStarts(1)).toBe(1);

  const first = Object.values(await run());
  expect(first.map((r) => [r.__id__, r.result, Object.keys(r.changes).length > 0])).toEqual([
    [conf('a'), true, true],
    ['minion-b', true, true],
    ['minion', true, true],
  ]);
  expect(first[2]!.comment).toBe('Service restarted');
  expect(await d.waitStarts(2)).toBe(2);

  const again = Object.values(await run());
  expect(again.every((r) => r.result === true && Object.keys(r.changes).length === 0)).toBe(true);
  expect(d.starts()).toBe(2);
});
