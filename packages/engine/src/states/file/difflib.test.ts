/** difflib.ts against Python's difflib itself (python3, as the Jinja tests use it): the same diffs, byte for byte. */
import { execFileSync } from 'child_process';
import { unifiedDiffItems } from './difflib';

test("unified_diff of random line lists, and of a long file with popular lines (autojunk), matches Python's", () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alpha = ['a\n', 'b\n', 'c\n', 'first\n', 'body\n', '\n', 'x'];
  const cases: [string[], string[]][] = [[['first\n', 'body\n'], ['first\n', 'second\n', 'first\n', 'body\n']]];
  for (let c = 0; c < 300; c++) {
    const a = Array.from({ length: rnd(12) }, () => alpha[rnd(alpha.length)]!);
    const b = c % 3 ? a.slice() : Array.from({ length: rnd(12) }, () => alpha[rnd(alpha.length)]!);
    for (let e = rnd(4); e > 0; e--) {
      const i = rnd(b.length + 1);
      if (rnd(2)) b.splice(i, 0, alpha[rnd(alpha.length)]!);
      else b.splice(i, 1);
    }
    cases.push([a, b]);
  }
  const big = Array.from({ length: 300 }, (_, i) => (i % 7 ? 'same\n' : `l${i}\n`));
  const big2 = big.slice();
  big2.splice(150, 0, 'new\n');
  big2.splice(20, 1);
  cases.push([big, big2]);
  const py = execFileSync('python3', ['-c', 'import sys,json,difflib\nprint(json.dumps(["".join(difflib.unified_diff(a, b)) for a, b in json.load(sys.stdin)]))'], { input: JSON.stringify(cases) });
  expect(cases.map(([a, b]) => unifiedDiffItems(a, b).join(''))).toEqual(JSON.parse(py.toString()));
  expect(unifiedDiffItems(cases[0]![0], cases[0]![1]).join('')).toBe('--- \n+++ \n@@ -1,2 +1,4 @@\n+first\n+second\n first\n body\n');
});
