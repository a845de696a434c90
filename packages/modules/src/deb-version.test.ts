/** Debian version comparison against the real `dpkg --compare-versions` of this host. */
import { spawnSync } from 'child_process';
import { debVersionCmp } from './deb-version';

const dpkg = (a: string, op: string, b: string): boolean => spawnSync('dpkg', ['--compare-versions', a, op, b]).status === 0;
const PAIRS: [string, string][] = [
  ['1.2', '1.10'], ['1.10', '1.2'], ['1.0', '1.0'], ['1.0~rc1', '1.0'], ['1.0', '1.0~rc1'], ['1.0~~', '1.0~'], ['1.0a', '1.0'],
  ['1.0-1', '1.0-2'], ['1.0-10', '1.0-9'], ['2:1.0', '1:9.9'], ['1:1.0', '1.0'], ['0:1.0', '1.0'], ['1.0+b1', '1.0'], ['1.0.0', '1.0'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'], ['1.22.1-9', '1.22.1-9+deb12u1'], ['2.36-9+deb12u4', '2.36-9+deb12u10'], ['1.0-1ubuntu1', '1.0-1'],
  ['a', 'b'], ['1.001', '1.1'], ['1.0.', '1.0'], ['3.0.11-1~deb12u2', '3.0.11-1'], ['10', '9'], ['1.2.3-4-5', '1.2.3-4'],
];

test.each(PAIRS)('%s vs %s: as dpkg --compare-versions', (a, b) => {
  const want = dpkg(a, 'lt', b) ? -1 : dpkg(a, 'eq', b) ? 0 : 1;
  expect(debVersionCmp(a, b)).toBe(want);
});

test('ignore_epoch compares without the epochs', () => {
  expect(debVersionCmp('2:1.0', '1:1.0')).toBe(1);
  expect(debVersionCmp('2:1.0', '1:1.0', true)).toBe(0);
});
