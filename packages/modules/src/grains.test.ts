/** grains.setval & co. persist in `<config_dir>/grains` (Salt's grains file), which coreGrains reads back. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { parse } from 'yaml';
import { coreGrains } from '@brine/engine';
import { grainsModule } from './grains';
import type { ExecEnv } from './types';

let tmp: string;
let env: ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => grainsModule.functions[fun]!(args, kwargs, env);
const file = () => parse(fs.readFileSync(path.join(tmp, 'grains'), 'utf8')) as Record<string, unknown>;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-grainsmod-'));
  env = { log: nullLogger, grains: { os: 'Debian' }, opts: { config_dir: tmp } } as unknown as ExecEnv;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('setval, setvals, append, remove, delval: returns as Salt, persisted and seen by the running grains', () => {
  expect(call('setval', ['role', 'web'])).toEqual({ role: 'web' });
  expect(env.grains['role']).toBe('web');
  expect(call('setvals', [{ a: 1, b: [1] }])).toEqual({ a: 1, b: [1] });
  expect(call('append', ['b', 2])).toEqual({ b: [1, 2] });
  expect(call('append', ['b', 2])).toBe('The val 2 was already in the list b');
  expect(call('append', ['role', 'db'])).toBe('The key role is not a valid list');
  expect(call('append', ['role', 'db'], { convert: true })).toEqual({ role: ['web', 'db'] });
  expect(call('remove', ['b', 1])).toEqual({ b: [2] });
  expect(call('remove', ['b', 9])).toBe('The val 9 was not in the list b');
  expect(call('delval', ['a'])).toEqual({ comment: '', changes: { a: null }, result: true });
  expect(file()).toEqual({ role: ['web', 'db'], a: null, b: [2] });
  call('delval', ['a'], { destructive: true });
  expect(file()).toEqual({ role: ['web', 'db'], b: [2] });
  expect(env.grains).not.toHaveProperty('a');
  // A restarted minion loads them from the grains file.
  expect(coreGrains({ id: 'm1', opts: { config_dir: tmp } })).toMatchObject({ role: ['web', 'db'], b: [2] });
});
