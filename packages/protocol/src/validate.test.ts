import { ProtocolError } from '@brine/core';
import { requestBodySchema } from './messages';
import { arr, dict, int, literal, obj, oneOf, optional, str } from './validate';

describe('validate', () => {
  const s = obj({ name: str({ max: 5 }), n: optional(int({ min: 0 })), tags: arr(literal('a', 'b')), meta: dict(int()) });

  it('accepts valid values and types them', () => {
    const v = s.check({ name: 'x', tags: ['a'], meta: { k: 1 } }, 'v');
    expect(v.name).toBe('x');
  });

  it('names the path of the failure', () => {
    expect(() => s.check({ name: 'toolong', tags: [], meta: {} }, 'v')).toThrow('v.name: string longer than 5');
    expect(() => s.check({ name: 'x', tags: ['c'], meta: {} }, 'v')).toThrow(/v\.tags\[0\]: expected "a" \| "b"/);
    expect(() => s.check({ name: 'x', tags: [], meta: { k: 'x' } }, 'v')).toThrow('v.meta.k: expected integer, got string');
    expect(() => s.check({ name: 'x', n: -1, tags: [], meta: {} }, 'v')).toThrow(/outside/);
    expect(() => s.check(null, 'v')).toThrow(ProtocolError);
    expect(() => oneOf(str(), int()).check(true, 'u')).toThrow('u: expected string or integer, got boolean');
  });

  it('validates request bodies by kind', () => {
    expect(requestBodySchema.check({ kind: 'file.get', path: 'a/b', saltenv: 'base' }, 'r').kind).toBe('file.get');
    expect(() => requestBodySchema.check({ kind: 'file.get', path: 'a/b' }, 'r')).toThrow(/saltenv: missing field/);
    expect(() => requestBodySchema.check({ kind: 'exec' }, 'r')).toThrow(/unknown request kind 'exec'/);
    expect(() => requestBodySchema.check({ kind: 'mine.get', tgt: '*', fun: 'x', tgtType: 'bogus' }, 'r')).toThrow(/tgtType/);
  });
});
