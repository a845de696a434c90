/** alternatives.* on this host's update-alternatives, with a name of the test's own; results as Salt 3006.1 gave them. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { nullLogger } from '@brine/core';
import { alternativesModule } from './alternatives';
import type { ExecEnv } from './types';

const NAME = `brinealtx${process.pid}`;
const LINK = `/usr/local/bin/${NAME}`;
let dir: string;
const env = { log: nullLogger } as unknown as ExecEnv;
const call = (fun: string, ...args: unknown[]) => alternativesModule.functions[fun]!(args, {}, env) as Promise<unknown>;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'brine-altx-'));
  writeFileSync(path.join(dir, 'a'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'a'), 0o755);
});
afterAll(() => {
  spawnSync('update-alternatives', ['--remove-all', NAME]);
  rmSync(dir, { recursive: true, force: true });
});

it('install, query and remove; unknown names give False or the error text, as in Salt', async () => {
  const a = path.join(dir, 'a');
  expect(await call('show_current', NAME)).toBe(false);
  expect(await call('show_link', NAME)).toBe(false);
  expect(await call('display', NAME)).toBe(`update-alternatives: error: no alternatives for ${NAME}`);
  expect(await call('install', NAME, LINK, a, 5)).toBe(`update-alternatives: using ${a} to provide ${LINK} (${NAME}) in auto mode`);
  expect(await call('show_current', NAME)).toBe(a);
  expect(await call('show_link', NAME)).toBe(LINK);
  expect(await call('check_exists', NAME, a)).toBe(true);
  expect(await call('check_exists', NAME, '/nope')).toBe(false);
  expect(await call('check_installed', NAME, a)).toBe(true);
  expect(String(await call('display', NAME))).toMatch(new RegExp(`^${NAME} - auto mode\\n`));
  expect(await call('remove', NAME, a)).toBe('');
  expect(await call('show_current', NAME)).toBe(false);
  await expect(call('set', NAME)).rejects.toThrow('alternatives.set: name, path required (missing path)');
});
