/** Jinja2 3.1's built-in tests. */
import { TemplateError } from './errors';
import { compare } from './ops';
import { bind } from './pymethods';
import { isCallable, type TestFn } from './runtime';
import { Markup, Undefined, isDict, isFloat, isInt, num, strict, typeName } from './values';

const cmp = (op: string): TestFn => (v, a, kw) => compare(op, v, bind(['other'], a, kw, op, 1)[0]);

const T: Record<string, TestFn> = {
  odd: (v) => num(strict(v)) % 2 !== 0,
  even: (v) => num(strict(v)) % 2 === 0,
  divisibleby: (v, a, kw) => {
    const n = num(bind(['num'], a, kw, 'divisibleby', 1)[0]);
    if (n === 0) throw new TemplateError('integer division or modulo by zero', 'runtime');
    return num(strict(v)) % n === 0;
  },
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  filter: (v, _a, _kw, x) => typeof v === 'string' && x.scope.ctx.rs.engine.filter(v) !== undefined,
  test: (v, _a, _kw, x) => typeof v === 'string' && x.scope.ctx.rs.engine.test(v) !== undefined,
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  false: (v) => v === false,
  true: (v) => v === true,
  integer: (v) => isInt(v),
  float: (v) => isFloat(v),
  lower: (v) => {
    const s = String(strict(v) as string);
    return s === s.toLowerCase() && /\p{Ll}/u.test(s);
  },
  upper: (v) => {
    const s = String(strict(v) as string);
    return s === s.toUpperCase() && /\p{Lu}/u.test(s);
  },
  string: (v) => typeof v === 'string' || v instanceof Markup,
  mapping: (v) => isDict(v),
  number: (v) => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || isFloat(v),
  sequence: (v) => {
    if (v instanceof Undefined) throw new TemplateError(v.hint, 'undefined');
    return typeof v === 'string' || Array.isArray(v) || isDict(v);
  },
  iterable: (v) => {
    if (v instanceof Undefined) throw new TemplateError(v.hint, 'undefined');
    return typeof v === 'string' || Array.isArray(v) || isDict(v) || typeof (v as { pyIter?: unknown } | null)?.pyIter === 'function';
  },
  callable: (v) => isCallable(v) || v instanceof Undefined,
  sameas: (v, a, kw) => {
    const o = bind(['other'], a, kw, 'sameas', 1)[0];
    if (v === o) return true;
    return false;
  },
  escaped: (v) => v instanceof Markup,
  in: (v, a, kw) => compare('in', v, bind(['seq'], a, kw, 'in', 1)[0]),
  eq: cmp('eq'),
  ne: cmp('ne'),
  lt: cmp('lt'),
  le: cmp('lteq'),
  gt: cmp('gt'),
  ge: cmp('gteq'),
};
T['=='] = T['eq']!;
T['equalto'] = T['eq']!;
T['!='] = T['ne']!;
T['<'] = T['lt']!;
T['lessthan'] = T['lt']!;
T['<='] = T['le']!;
T['>'] = T['gt']!;
T['greaterthan'] = T['gt']!;
T['>='] = T['ge']!;

export const BUILTIN_TESTS: Record<string, TestFn> = T;
