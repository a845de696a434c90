/**
 * random.* with Salt 3006's results: seeded draws against CPython's `random` (python3, the rendering oracle) and
 * /etc/shadow hashes against `openssl passwd` (glibc's SHA-crypt).
 */
import { execFileSync } from 'child_process';
import { nullLogger } from '@brine/core';
import { randomModule } from './random';
import { shaCrypt } from './sha-crypt';
import type { ExecEnv } from './types';

const env = { id: 'web-01.example.com', log: nullLogger } as unknown as ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => randomModule.functions[fun]!(args, kwargs, env);
const python = (script: string): unknown => JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));

test("seed: the minion's id (or hash=) seeds Python's generator; rand_int with a seed: the same number as Python's randint", () => {
  const want = python(`
import json, random
def seed(r, h): random.seed(h); return random.randrange(r)
def rand_int(a, b, s): random.seed(s); return random.randint(a, b)
print(json.dumps([seed(59, 'web-01.example.com'), seed(60, 'web-01.example.com'), seed(100, 'abc'), seed(10, 12345),
                  rand_int(1, 100, 5), rand_int(1, 10, 'x'), rand_int(-50, 50, 'neg')]))`);
  expect([call('seed', [59]), call('seed', [], { range: 60 }), call('seed', [100, 'abc']), call('seed', [10], { hash: 12345 }),
    call('rand_int', [1, 100, 5]), call('rand_int', [], { seed: 'x' }), call('rand_int', [-50, 50], { seed: 'neg' })]).toEqual(want);
  const n = call('rand_int', [3, 4]) as number;
  expect(n === 3 || n === 4).toBe(true);
  expect(() => call('rand_int', [5, 4])).toThrow(/empty range/);
  expect(() => call('seed', [0])).toThrow(/empty range/);
});

test('shadow_hash: SHA-crypt as glibc computes it (sha512 default, sha256), a random salt when none is given', () => {
  for (const [salt, pw] of [['saltsalt', 'secret'], ['ab', 'pässwörd'], ['0123456789abcdefXYZ', 'x'], ['rounds=10000$abc', 'y']] as const) {
    expect(call('shadow_hash', [salt, pw])).toBe(execFileSync('openssl', ['passwd', '-6', '-salt', salt, pw], { encoding: 'utf8' }).trim());
    expect(call('shadow_hash', [salt, pw, 'sha256'])).toBe(execFileSync('openssl', ['passwd', '-5', '-salt', salt, pw], { encoding: 'utf8' }).trim());
  }
  expect(call('shadow_hash', [], { password: 'pw' })).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  expect(() => call('shadow_hash', ['ab', 'pw', 'md5'])).toThrow(/Cannot hash using 'md5'/);
  expect(() => shaCrypt('pw', 'sha512', 'rounds=10$ab')).toThrow(/rounds=10: must be 1000 to 999999999/);
});

test('hash, str_encode, get_str, sample and shuffle', () => {
  expect(call('hash', ['abc', 'md5'])).toBe('900150983cd24fb0d6963f7d28e17f72');
  expect(() => call('hash', ['abc', 'nope'])).toThrow(/valid algorithm/);
  expect(call('str_encode', ['abc'])).toBe('YWJj');
  expect(call('get_str', [5], { chars: 'a' })).toBe('aaaaa');
  expect(call('get_str', [40], { punctuation: false })).toMatch(/^[a-zA-Z0-9]{40}$/);
  // Recorded from Salt 3006.1: salt['random.shuffle']([1..7], seed='s') and salt['random.sample'](..., 3, seed='s').
  expect(call('shuffle', [[1, 2, 3, 4, 5, 6, 7]], { seed: 's' })).toEqual([3, 5, 6, 1, 2, 4, 7]);
  expect(call('sample', [[1, 2, 3, 4, 5, 6, 7], 3], { seed: 's' })).toEqual([3, 5, 6]);
});
