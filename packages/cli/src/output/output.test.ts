/** The json outputter prints what Salt 3006.1's does for floats JSON has no word for (state.show_low_sls of `[.inf, -.inf, .nan]`). */
import { format } from './index';
import * as fs from 'fs';
import * as path from 'path';

test('json: Infinity, -Infinity and NaN as Python prints them; other values as JSON, indented by 4', () => {
  const o = { color: false, stateOutput: 'full' as const };
  expect(format({ m1: { a: [Infinity, -Infinity, NaN], s: '\u0000Infinity\u0000', n: 1.5 } }, 'json', o)).toBe(
    '{\n    "m1": {\n        "a": [\n            Infinity,\n            -Infinity,\n            NaN\n        ],\n        "s": "\\u0000Infinity\\u0000",\n        "n": 1.5\n    }\n}',
  );
});

/**
 * The highstate outputter against Salt 3006.1's on the same data (fixtures/highstate-*.json; each .txt is what
 * salt.output.out_format(data, 'highstate') printed with color off and that state_output): ID and Name from the tag
 * (Name only when it differs), durations as Python prints floats, the summary's width from the widest count,
 * unchanged= for test-mode states, changed= counting failed states with changes, the run time in s above 999 ms.
 */
test.each([
  ['highstate-mixed-results', 'full'],
  ['highstate-mixed-results', 'terse'],
  ['highstate-mixed-results', 'mixed'],
  ['highstate-mixed-results', 'changes'],
  ['highstate-twelve', 'full'],
  ['highstate-no-top', 'full'],
] as const)('highstate: %s with state_output %s prints what Salt 3006.1 prints', (fixture, mode) => {
  const dir = path.join(__dirname, 'fixtures');
  const data = JSON.parse(fs.readFileSync(path.join(dir, `${fixture}.json`), 'utf8')) as Record<string, unknown>;
  expect(format(data, 'highstate', { color: false, stateOutput: mode })).toBe(fs.readFileSync(path.join(dir, `${fixture}.${mode}.txt`), 'utf8'));
});
