/**
 * Several environments (file_roots base/dev/qa): top files merged as Salt 3006.1 merges them, SLS rendered in their
 * own environment (`saltenv`, imports, `__env__`), includes across environments. Every expected value below was
 * printed by Salt 3006.1 (salt-call --local) on the same trees.
 */
import { FileEnvs, MemoryLogger } from '@brine/core';
import { Renderer } from '../renderer';
import { tempTree } from '../salt/testkit';

const TREES = {
  base: {
    'top.sls': "base:\n  '*':\n    - common\n    - {dev: devonly}\ndev:\n  '*':\n    - devapp\n",
    'common.sls': 'include:\n  - dev: shared\ncommon_file:\n  test.succeed_without_changes:\n    - name: "base {{ saltenv }} {{ sls }}"\n',
    'rel.sls': 'include:\n  - dev: .shared\n',
    'badenv.sls': 'include:\n  - nope: shared\n',
    'xenv.sls': 'include:\n  - _xenv: shared\n',
  },
  dev: {
    'top.sls': "dev:\n  '*':\n    - ignored_dev\nqa:\n  '*': [x]\n",
    'devonly.sls': 'devonly:\n  test.succeed_without_changes:\n    - name: "dev {{ saltenv }}"\n',
    'map.jinja': "{% set m = 'devmap' %}\n",
    'devapp.sls': "{% from 'map.jinja' import m %}\ndevapp:\n  test.succeed_without_changes:\n    - name: {{ m }}\n",
    'shared.sls': 'shared:\n  test.succeed_without_changes:\n    - name: "shared {{ saltenv }}"\n',
  },
  qa: {
    'top.sls': "qa:\n  '*':\n    - qaapp\n",
    'qaapp.sls': 'qaapp:\n  test.nop\n',
    'x.sls': 'x:\n  test.nop\n',
  },
};

function renderer(opts: Record<string, unknown> = {}, trees: Record<string, Record<string, string>> = TREES, saltenv?: string, log = new MemoryLogger()): Renderer {
  const envs = FileEnvs.fromDirs(Object.fromEntries(Object.entries(trees).map(([env, files]) => [env, [tempTree(files)]])));
  return new Renderer({ envs, context: { id: 'm1', grains: { id: 'm1' }, pillar: {}, opts, saltenv, salt: {} }, log });
}

const lowNames = (r: Renderer) => r.compileHighstate().map((c) => [c.env, c.sls, c.id, c.name]);

describe('top files of several environments', () => {
  test("merge (the default): base's top file whole, then each other environment's own section when base has none", () => {
    expect(renderer().showTop()).toEqual({ base: ['common'], dev: ['devonly', 'devapp'], qa: ['qaapp'] });
  });

  test('each SLS renders in its own environment: saltenv, imports and __env__; includes name another environment', () => {
    expect(lowNames(renderer())).toEqual([
      ['dev', 'shared', 'shared', 'shared dev'],
      ['base', 'common', 'common_file', 'base base common'],
      ['dev', 'devonly', 'devonly', 'dev dev'],
      ['dev', 'devapp', 'devapp', 'devmap'],
      ['qa', 'qaapp', 'qaapp', 'qaapp'],
    ]);
  });

  test("same: each environment's section from its own top file; merge_all: every section, target lists joined", () => {
    expect(renderer({ top_file_merging_strategy: 'same' }).showTop()).toEqual({ base: ['common'], dev: ['devonly', 'ignored_dev'], qa: ['qaapp'] });
    const noQaTop = { ...TREES, qa: { 'qaapp.sls': TREES.qa['qaapp.sls'], 'x.sls': TREES.qa['x.sls'] } };
    const base = { ...TREES.base, 'top.sls': TREES.base['top.sls'] + "qa:\n  '*': [x]\n" };
    expect(renderer({ top_file_merging_strategy: 'same' }, { ...noQaTop, base }).showTop()).toEqual({ base: ['common'], dev: ['devonly', 'ignored_dev'], qa: ['x'] });
    expect(renderer({ top_file_merging_strategy: 'merge_all' }, { ...noQaTop, base }).showTop()).toEqual({ base: ['common'], dev: ['devonly', 'devapp', 'ignored_dev'], qa: ['x'] });
  });

  test('an unknown strategy falls back to merge with a warning; env_order and state_top_saltenv choose the top files', () => {
    const log = new MemoryLogger();
    expect(renderer({ top_file_merging_strategy: 'bogus' }, TREES, undefined, log).showTop()).toEqual({ base: ['common'], dev: ['devonly', 'devapp'], qa: ['qaapp'] });
    expect(log.lines.map((l) => l.msg)).toContain("Invalid top_file_merging_strategy 'bogus', falling back to 'merge'");
    expect(renderer({ env_order: ['qa', 'dev', 'base'] }).showTop()).toEqual({ base: ['common'], dev: ['devonly', 'devapp'], qa: ['qaapp'] });
    expect(renderer({ state_top_saltenv: 'dev' }).showTop()).toEqual({ dev: ['ignored_dev'] });
  });

  test("saltenv=: only that environment's top file and section", () => {
    expect(renderer({}, TREES, 'dev').showTop()).toEqual({ dev: ['ignored_dev'] });
    expect(renderer({}, TREES, 'qa').showTop()).toEqual({ qa: ['qaapp'] });
    expect(() => renderer({}, TREES, 'dev').compileHighstate()).toThrow("top.sls:2: top file: SLS 'ignored_dev' is not in environment 'dev'");
  });
});

describe('SLS of a saltenv', () => {
  test('state.sls in saltenv dev renders from dev; base does not have it', () => {
    expect(renderer({}, TREES, 'dev').compile(['devapp']).map((c) => [c.env, c.name])).toEqual([['dev', 'devmap']]);
    expect(() => renderer({}, TREES, 'base').compile(['devapp'])).toThrow("sls: SLS 'devapp' is not in environment 'base'");
  });

  test('a relative include in another environment; an environment that does not exist is an error, and so is _xenv (as in Salt 3006.1)', () => {
    expect(renderer().compile(['rel']).map((c) => [c.env, c.id])).toEqual([['dev', 'shared']]);
    expect(() => renderer().compile(['badenv'])).toThrow("badenv.sls:2: include: Nonexistent saltenv 'nope' found in include of 'shared' within SLS 'base:badenv' (the environments are: base, dev, qa)");
    expect(() => renderer().compile(['xenv'])).toThrow("Nonexistent saltenv '_xenv' found in include of 'shared' within SLS 'base:xenv'");
  });
});

// Found by review, each checked with Salt 3006.1 on the same tree.
describe('edge cases', () => {
  test('env_order without base: base is still there for includes and {base: sls} (Salt always counts base)', () => {
    const trees = { base: { 'a.sls': 'a_id: {test.nop: []}\n', 'b.sls': 'b_id: {test.nop: []}\n' }, dev: { 'top.sls': "dev:\n  '*': [d, {base: a}]\n", 'd.sls': 'include:\n  - base: b\nd_id: {test.nop: []}\n' } };
    const r = renderer({ env_order: ['dev'] }, trees);
    expect(r.showTop()).toEqual({ dev: ['d'], base: ['a'] });
    expect(r.compileHighstate().map((c) => [c.env, c.id])).toEqual([
      ['base', 'b_id'],
      ['dev', 'd_id'],
      ['base', 'a_id'],
    ]);
  });

  test("same: an environment without a top file takes default_top's sections from each of its top files (includes too), the later winning", () => {
    const trees = {
      base: { 'top.sls': "include:\n  - extra\nbase:\n  '*': [a]\nqa:\n  '*': [q0]\n", 'extra.sls': "qa:\n  '*': [qx]\n" },
      qa: { 'q0.sls': '', 'qx.sls': '' },
    };
    expect(renderer({ top_file_merging_strategy: 'same' }, trees).showTop()).toEqual({ base: ['a'], qa: ['qx'] });
  });

  test('a top include that names no SLS is skipped, as fnmatch over the SLS names skips it', () => {
    const trees = { base: { 'top.sls': "include:\n  - nothere\n  - more\nbase:\n  '*': [b]\n", 'more.sls': "base:\n  'x*': [c]\n" } };
    expect(renderer({}, trees).showTop()).toEqual({ base: ['b'] });
  });

  test('defaults.get reads base (Salt: cache_files with saltenv base) from an SLS of another environment', () => {
    const trees = { base: { 'f/defaults.yaml': 'x: base\n' }, dev: { 'f/defaults.yaml': 'x: dev\n', 'd.sls': "d_id:\n  test.nop:\n    - name: {{ salt['defaults.get']('f:x') }} {{ saltenv }}\n" } };
    expect(renderer({}, trees, 'dev').compile(['d']).map((c) => c.name)).toEqual(['base dev']);
  });
});
