/**
 * Pillar environments (pillar_roots base/dev), as Salt 3006.1's Pillar compiles them: every environment's top file
 * (Salt reads them in set order, so its result varies between runs; Brine reads base first, then configuration
 * order, which is one of the two results Salt gave on this tree), a target given again replacing the earlier one,
 * targets sorted by `order`, `ignore_missing`, and `pillarenv` reading one environment only. Expected values were
 * printed by salt-call --local on the same trees.
 */
import { FileEnvs, RenderError } from '@brine/core';
import { compilePillar } from './pillar';
import { tempTree } from './salt/testkit';

const BASE = {
  'top.sls': "base:\n  '*':\n    - common\n    - missing_one\n    - ignore_missing: True\n  'm1':\n    - order: 5\n    - late\ndev:\n  '*':\n    - devp\n",
  'common.sls': 'a: base\nenv_seen: {{ saltenv }}\n',
  'late.sls': 'a: late\n',
};
const DEV = {
  'top.sls': "dev:\n  '*':\n    - devonly\nbase:\n  '*':\n    - common\n",
  'devp.sls': 'd: devp {{ saltenv }}\nnested: {x: 1}\n',
  'devonly.sls': 'd2: devonly\nnested: {y: 2}\n',
  'common.sls': 'a: dev-common\n',
};

const envs = (trees: Record<string, Record<string, string>>) => FileEnvs.fromDirs(Object.fromEntries(Object.entries(trees).map(([e, f]) => [e, [tempTree(f)]])));

test("every environment's top file: a target given again replaces the earlier one; order sorts targets; ignore_missing skips a missing SLS", () => {
  const p = compilePillar({ envs: envs({ base: BASE, dev: DEV }), id: 'm1', grains: { id: 'm1' } });
  expect(p).toEqual({ a: 'late', env_seen: 'base', d2: 'devonly', nested: { y: 2 } });
  expect(Object.keys(p)).toEqual(['a', 'env_seen', 'd2', 'nested']);
});

test('pillarenv: only that environment\'s top file and section, rendered there', () => {
  expect(compilePillar({ envs: envs({ base: BASE, dev: DEV }), id: 'm1', grains: { id: 'm1' }, opts: { pillarenv: 'dev' } })).toEqual({ d2: 'devonly', nested: { y: 2 } });
  expect(compilePillar({ envs: envs({ base: BASE, dev: { ...DEV, 'top.sls': "dev:\n  '*': [devp]\n" } }), id: 'm1', grains: { id: 'm1' }, pillarenv: 'dev' })).toEqual({ d: 'devp dev', nested: { x: 1 } });
});

test('without ignore_missing a missing SLS fails at the top line; a section for an environment that does not exist fails', () => {
  const noIgnore = { ...BASE, 'top.sls': "base:\n  '*':\n    - common\n    - missing_one\n" };
  expect(() => compilePillar({ envs: envs({ base: noIgnore }), id: 'm1', grains: { id: 'm1' } })).toThrow("top.sls:2: pillar: SLS 'missing_one' is not in the pillar roots");
  let e: unknown;
  try {
    compilePillar({ envs: envs({ base: BASE }), id: 'm1', grains: { id: 'm1' } });
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(RenderError);
  expect((e as Error).message).toBe("top.sls:10: pillar top file: No matching pillar environment for environment 'dev' found (the environments are: base)");
});

test("a pillar top file's include adds SLS files of its environment as more top data", () => {
  const base = { 'top.sls': "include:\n  - more\nbase:\n  '*': [common]\n", 'more.sls': "base:\n  'm*': [extra]\n", 'common.sls': 'a: 1\n', 'extra.sls': 'b: 2\n' };
  expect(compilePillar({ envs: envs({ base }), id: 'm1', grains: { id: 'm1' } })).toEqual({ a: 1, b: 2 });
});
