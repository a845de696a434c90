import * as path from 'path';
import { FileRoots, MemoryLogger, RenderError } from '@brine/core';
import { Renderer } from '../renderer';
import { tempTree } from '../salt/testkit';

const roots = new FileRoots([path.join(__dirname, '../../test-fixtures/top')]);

function top(id: string, grains: Record<string, unknown>, pillar: Record<string, unknown> = {}, log = new MemoryLogger()): string[] {
  return new Renderer({ roots, context: { id, grains: { id, ...grains }, pillar, opts: {}, salt: {} }, log }).matchTop();
}

describe('top file matching', () => {
  test('glob (default), and unknown entries ignored with a warning', () => {
    const log = new MemoryLogger();
    expect(top('webx', { os_family: 'Arch' }, {}, log)).toEqual(['common', 'web']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      "top file: ignoring entry 42 under 'web*' (only SLS names, '- match: type' and, in the state top, '- base: sls' are understood)",
      'top file: ignoring entry {"unexpected":"entry"} under \'web*\' (only SLS names, \'- match: type\' and, in the state top, \'- base: sls\' are understood)',
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

  test('the top file is Jinja; other envs are included, names de-duplicated', () => {
    expect(top('x', { extra: true })).toEqual(['common', 'prodonly']);
  });

  // Salt 3006.1's state.show_top: a name listed by two targets is listed twice; `- base: sls` is an SLS of base.
  test('the state top lists a name as often as targets give it, and takes `- base: sls`', () => {
    const r = new Renderer({ roots: new FileRoots([tempTree({ 'top.sls': "base:\n  '*': [a, b, {base: c}]\n  'x': [a]\n" })]), context: { id: 'x', grains: {}, pillar: {}, opts: {}, salt: {} } });
    expect(r.matchTop()).toEqual(['a', 'b', 'c', 'a']);
  });

  test('a missing top file is a RenderError', () => {
    const r = new Renderer({ roots: new FileRoots([path.join(__dirname, '../../test-fixtures/jinja')]), context: { id: 'a', grains: {}, pillar: {}, opts: {}, salt: {} } });
    expect(() => r.matchTop()).toThrow(RenderError);
  });
});
