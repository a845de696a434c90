/** The json outputter prints what Salt 3006.1's does for floats JSON has no word for (state.show_low_sls of `[.inf, -.inf, .nan]`). */
import { format } from './index';

test('json: Infinity, -Infinity and NaN as Python prints them; other values as JSON, indented by 4', () => {
  const o = { color: false, stateOutput: 'full' as const };
  expect(format({ m1: { a: [Infinity, -Infinity, NaN], s: '\u0000Infinity\u0000', n: 1.5 } }, 'json', o)).toBe(
    '{\n    "m1": {\n        "a": [\n            Infinity,\n            -Infinity,\n            NaN\n        ],\n        "s": "\\u0000Infinity\\u0000",\n        "n": 1.5\n    }\n}',
  );
});
