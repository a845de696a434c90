/**
 * PyRandom against CPython's own `random` (python3 is the rendering oracle, installed by scripts/install-deps.sh):
 * the same seeds (int, big int, str) give the same draws, bits and samples.
 */
import { execFileSync } from 'child_process';
import { PyRandom } from './pyrandom';

const SEEDS: (number | bigint | string)[] = [0, 1, 42, -7, 2 ** 40, 12345678901234567890123n, 'minion1', 'web-01.example.com', '', 'ünï'];

function python(script: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
}

test('draws, bits beyond 32 and both sample strategies match CPython for int, big int and str seeds', () => {
  const want = python(`
import json, random
seeds = json.loads(${JSON.stringify(JSON.stringify(SEEDS.map((s) => (typeof s === 'bigint' ? { big: s.toString() } : s))))})
out = []
for s in seeds:
    s = int(s['big']) if isinstance(s, dict) else s
    r = random.Random(s)
    out.append([str(r.randrange(n)) for n in (1, 2, 7, 60, 1000, 2**31, 2**32 + 5, 10**30)] + [str(r.getrandbits(100))]
               + [r.sample(range(30), 8), r.sample(range(1000), 12)])
print(json.dumps(out))
`) as unknown[][];
  const got = SEEDS.map((s) => {
    const r = new PyRandom(s);
    const draws = [1n, 2n, 7n, 60n, 1000n, 2n ** 31n, 2n ** 32n + 5n, 10n ** 30n].map((n) => r.randbelow(n).toString());
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    return [...draws, r.getrandbits(100).toString(), r.sample(range(30), 8), r.sample(range(1000), 12)];
  });
  expect(got).toEqual(want);
});
