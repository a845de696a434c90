import * as path from 'path';
import { FileRoots, MemoryLogger, RenderError } from '@brine/core';
import { Renderer } from '../renderer';
import { tempTree } from '../salt/testkit';

const roots = new FileRoots([path.join(__dirname, '../../test-fixtures/top')]);

function top(id: string, grains: Record<string, unknown>, pillar: Record<string, unknown> = {}, log = new MemoryLogger()): string[] {
  return new Renderer({ roots, context: { id, grains: { id, ...grains }, pillar, opts: {}, salt: {} }, log }).topMatches().map((m) => m.sls);
}

describe('top file matching', () => {
  test('glob (default), and unknown entries ignored with a warning', () => {
    const log = new MemoryLogger();
    expect(top('webx', { os_family: 'Arch' }, {}, log)).toEqual(['common', 'web']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      "top file: ignoring entry 42 under 'web*' (only SLS names, '- match: type' and, in the state top, '- saltenv: sls' are understood)",
      "top file: ignoring '- unexpected: entry' under 'web*': there is no environment 'unexpected'",
    ]);
  });

  test('grain', () => {
    expect(top('x', { os_family: 'Debian' })).toEqual(['common', 'debian']);
  });

  test('pillar', () => {
    expect(top('db9', { os_family: 'Arch' }, { role: 'db' })).toEqual(['common', 'db']);
  });

  test('list', () => {
    expect(top('lb2', {})).toEqual(['common', 'lb']);
  });

  test('pcre', () => {
    expect(top('web12', {})).toEqual(['common', 'web', 'numbered']);
  });

  test('compound', () => {
    expect(top('db1', {}, { role: 'db' })).toEqual(['common', 'db', 'compound']);
    expect(top('db9', {}, { role: 'db' })).toEqual(['common', 'db']);
    expect(top('x', { os_family: 'RedHat' })).toEqual(['common', 'compound']);
  });

  test('the top file is Jinja; a section for an environment that does not exist fails the highstate, as in Salt', () => {
    const r = new Renderer({ roots, context: { id: 'x', grains: { id: 'x', extra: true }, pillar: {}, opts: {}, salt: {} } });
    expect(r.showTop()).toEqual({ base: ['common'], prod: ['common', 'prodonly'] });
    const t = new Renderer({ roots: new FileRoots([tempTree({ 'top.sls': "base:\n  '*': [a]\nprod:\n  '*': [a]\n", 'a.sls': 'a: {test.nop: []}\n' })]), context: { id: 'x', grains: {}, pillar: {}, opts: {}, salt: {} } });
    expect(() => t.compileHighstate()).toThrow("top.sls:4: top file: No matching salt environment for environment 'prod' found (the environments are: base)");
  });

  // Salt 3006.1's state.show_top: a name listed by two targets is listed twice; `- base: sls` is an SLS of base.
  test('the state top lists a name as often as targets give it, and takes `- base: sls`', () => {
    const r = new Renderer({ roots: new FileRoots([tempTree({ 'top.sls': "base:\n  '*': [a, b, {base: c}]\n  'x': [a]\n" })]), context: { id: 'x', grains: {}, pillar: {}, opts: {}, salt: {} } });
    expect(r.topMatches().map((m) => m.sls)).toEqual(['a', 'b', 'c', 'a']);
  });

  test("a missing top file assigns nothing (Salt's get_tops: show_top {}), and the log names the file", () => {
    const log = new MemoryLogger();
    const r = new Renderer({ roots: new FileRoots([path.join(__dirname, '../../test-fixtures/jinja')]), context: { id: 'a', grains: {}, pillar: {}, opts: {}, salt: {} }, log });
    expect(r.topMatches()).toEqual([]);
    expect(r.showTop()).toEqual({});
    expect(log.lines.map((l) => l.msg)).toEqual(['No top file top.sls in the file roots: nothing is assigned to this minion (create top.sls, or name SLS files explicitly)']);
  });
});
