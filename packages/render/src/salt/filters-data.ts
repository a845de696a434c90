/**
 * Salt's data filters (salt.utils.data, salt.utils.jinja's list filters, salt.utils.dictupdate's dict-key filters,
 * itertools) and the `list` / `equalto` tests, over template values.
 */
import { TemplateError } from '../jinja/errors';
import { PyGenerator, pySortCompare } from '../jinja/filters';
import { binop, contains } from '../jinja/ops';
import { callValue, getattr, type FilterFn, type TestFn } from '../jinja/runtime';
import {
  PyDict, Undefined, dictEntries, isUndef, dictGet, dictHas, dictKeys, isDict, isNumber, mkFloat, num, pyBool, pyEq, pyIter, pyRepr, pyStr, pyTuple,
  strict, typeName,
} from '../jinja/values';
import {
  appendDictKeyValue, setDictKeyValue, traverseDictAndList, updateDictKeyValue,
} from './data';
import { PyBytes, bindSig, filter, inList, isHashable, isList, parseFloatPy, parseIntPy, str, type AnyDict } from './py';

/** Salt's `unique`: a list without repeats (a str or tuple becomes Python's set of its items). */
export function unique(values: unknown): unknown[] {
  const out: unknown[] = [];
  for (const v of pyIter(strict(values))) if (!inList(out, v)) out.push(v);
  return out;
}

/** Salt's to_bool; an Undefined is hashable and none of the kinds it tests, so False. */
function toBool(val: unknown): boolean {
  if (val === null || val === undefined) return false;
  if (typeof val === 'boolean') return val;
  if (typeof val === 'string') return ['yes', '1', 'true'].includes(val.toLowerCase());
  if (typeof val === 'number' && Number.isInteger(val)) return val > 0;
  if (typeof val === 'bigint') return val > 0n;
  if (!isUndef(val) && !isHashable(val)) return pyIter(val).length > 0;
  return false;
}

/** `isinstance(thing, Iterable)` minus str. */
function isIter(thing: unknown): boolean {
  if (typeof thing === 'string') return false;
  if (Array.isArray(thing) || isDict(thing)) return true;
  return typeof (thing as { pyIter?: unknown } | null)?.pyIter === 'function';
}

function flatten(data: unknown, levels: number | null, preserveNulls: boolean, ids: Set<unknown>): unknown[] {
  if (ids.has(data)) throw new TemplateError('Reference cycle detected. Check input list.', 'runtime');
  ids.add(data);
  const ret: unknown[] = [];
  for (const el of pyIter(data)) {
    if (!preserveNulls && (el === null || el === 'None' || el === 'null')) continue;
    if (isIter(el)) {
      if (levels === null) ret.push(...flatten(el, null, preserveNulls, ids));
      else if (levels >= 1) ret.push(...flatten(el, levels - 1, preserveNulls, ids));
      else ret.push(el);
    } else ret.push(el);
  }
  return ret;
}

function exactlyN(iterable: unknown, amount: number): boolean {
  const items = pyIter(strict(iterable));
  let i = 0;
  // all(any(i) for j in range(amount)) and not any(i): each any() consumes up to the next truthy item.
  const anyNext = (): boolean => {
    while (i < items.length) if (pyBool(items[i++])) return true;
    return false;
  };
  for (let j = 0; j < amount; j++) if (!anyNext()) return false;
  return !anyNext();
}

function aggregateMin(obj: unknown, which: 'min' | 'max'): unknown {
  const items = pyIter(strict(obj));
  if (!items.length) throw new TemplateError(`${which}() arg is an empty sequence`, 'runtime');
  let best = items[0];
  for (const x of items.slice(1)) {
    const c = pySortCompare(x, best);
    if (which === 'min' ? c < 0 : c > 0) best = x;
  }
  return best;
}

function setOp(a: unknown, b: unknown, op: 'union' | 'intersect' | 'difference' | 'symmetric_difference'): unknown[] {
  strict(a);
  strict(b);
  const la = pyIter(a);
  const lb = pyIter(b);
  if (op === 'union') {
    if (!(isHashable(a) && isHashable(b))) return unique(binop('add', a, b));
    return unique([...la, ...lb]);
  }
  // Salt's list comprehensions test `ele in lst2`: against a str that is a substring test (an int there is a TypeError).
  const inB = (x: unknown): boolean => (typeof b === 'string' ? contains(b, x) : inList(lb, x));
  if (op === 'intersect') return unique(la.filter(inB));
  if (op === 'difference') return unique(la.filter((x) => !inB(x)));
  const inter = unique(la.filter((x) => inList(lb, x)));
  return unique(unique([...la, ...lb]).filter((x) => !inList(inter, x)));
}

/* itertools */

function combinations(pool: unknown[], r: number, replace: boolean): unknown[][] {
  const out: unknown[][] = [];
  const rec = (start: number, acc: unknown[]): void => {
    if (acc.length === r) {
      out.push(pyTuple([...acc]));
      return;
    }
    for (let i = start; i < pool.length; i++) rec(replace ? i : i + 1, [...acc, pool[i]]);
  };
  if (replace ? pool.length > 0 || r === 0 : r <= pool.length) rec(0, []);
  return out;
}

function permutations(pool: unknown[], r: number): unknown[][] {
  const out: unknown[][] = [];
  const rec = (acc: number[]): void => {
    if (acc.length === r) {
      out.push(pyTuple(acc.map((i) => pool[i])));
      return;
    }
    for (let i = 0; i < pool.length; i++) if (!acc.includes(i)) rec([...acc, i]);
  };
  if (r <= pool.length) rec([]);
  return out;
}

function product(pools: unknown[][], repeat: number): unknown[][] {
  const all: unknown[][] = [];
  for (let k = 0; k < repeat; k++) all.push(...pools);
  let result: unknown[][] = [[]];
  for (const pool of all) result = result.flatMap((acc) => pool.map((x) => [...acc, x]));
  return result.map((t) => pyTuple(t));
}

const asInt = (v: unknown, what: string): number => {
  if (typeof v === 'boolean' || (isNumber(v) && Number.isInteger(num(v)) && typeof v !== 'object')) return num(v);
  throw new TemplateError(`'${typeName(v)}' object cannot be interpreted as an integer${what ? '' : ''}`, 'type');
};

const dictKeyFilter = (name: string, fn: typeof setDictKeyValue): FilterFn =>
  filter(name, ['in_dict', 'keys', 'value', ['delimiter', ':'], ['ordered_dict', false]], (v) => {
    if (!isDict(v['in_dict'])) throw new TemplateError(`'${typeName(v['in_dict'])}' object does not support item assignment`, 'type');
    return fn(v['in_dict'] as AnyDict, str(v['keys']), v['value'], str(v['delimiter']), pyBool(v['ordered_dict']));
  });

/** salt.utils.data.encode_list / encode_dict (json_encode_* and json_decode_*): every str in the data as bytes. */
function encodeData(data: unknown): unknown {
  if (typeof data === 'string') return new PyBytes(Buffer.from(data, 'utf8'));
  if (Array.isArray(data)) return data.map(encodeData);
  if (isDict(data)) return encodeDict(data);
  return data;
}

function encodeDict(data: unknown): PyDict {
  const d = strict(data);
  if (!isDict(d)) throw new TemplateError(`'${typeName(d)}' object has no attribute 'items'`, 'runtime');
  return new PyDict(dictEntries(d).map(([k, x]) => [encodeData(k), encodeData(x)]));
}

const encodeList = (data: unknown): unknown[] => pyIter(strict(data)).map(encodeData);

/** salt.utils.stringutils.to_num: an int, else a float, else the text. */
function toNum(text: string): unknown {
  const i = parseIntPy(text);
  if (i !== null) return i;
  const f = parseFloatPy(text);
  return f === null ? text : mkFloat(f);
}

/** salt.utils.data.mysql_to_dict: the rows of a MySQL client table (`| a | b |` lines), keyed by column `key`. */
function mysqlToDict(data: unknown, key: unknown): PyDict {
  const ret = new PyDict();
  let headers: string[] = [''];
  for (const line of pyIter(strict(data))) {
    const l = str(line);
    if (!l || l.startsWith('+')) continue;
    const comps = l.split('|').map((c) => c.trim());
    if (headers.length > 1) {
      const row = new PyDict();
      for (let field = 1; field < headers.length - 1; field++) row.set(headers[field]!, toNum(comps[field] ?? ''));
      if (!row.has(key)) throw new TemplateError(`KeyError: ${pyRepr(key)}`, 'runtime');
      ret.set(row.get(key), row);
    } else headers = comps;
  }
  return ret;
}

export const DATA_FILTERS: Record<string, FilterFn> = {
  substring_in_list: filter('substr_in_list', ['string_to_search_for', 'list_to_search'], (v) => {
    const needle = v['string_to_search_for'];
    return pyIter(strict(v['list_to_search'])).some((s) => contains(s, needle));
  }),
  json_encode_dict: filter('encode_dict', ['data', ['encoding', null], ['errors', 'strict'], ['keep', false], ['preserve_dict_class', false], ['preserve_tuples', false]], (v) => encodeDict(v['data'])),
  json_decode_dict: filter('encode_dict', ['data', ['encoding', null], ['errors', 'strict'], ['keep', false], ['preserve_dict_class', false], ['preserve_tuples', false]], (v) => encodeDict(v['data'])),
  json_encode_list: filter('encode_list', ['data', ['encoding', null], ['errors', 'strict'], ['keep', false], ['preserve_dict_class', false], ['preserve_tuples', false]], (v) => encodeList(v['data'])),
  json_decode_list: filter('encode_list', ['data', ['encoding', null], ['errors', 'strict'], ['keep', false], ['preserve_dict_class', false], ['preserve_tuples', false]], (v) => encodeList(v['data'])),
  mysql_to_dict: filter('mysql_to_dict', ['data', 'key'], (v) => mysqlToDict(v['data'], v['key'])),
  traverse: filter('traverse_dict_and_list', ['data', 'key', ['default', null], ['delimiter', ':']], (v) =>
    traverseDictAndList(v['data'], v['key'], v['default'], str(v['delimiter'])),
  ),
  unique: filter('unique', ['values'], (v) => unique(v['values'])),
  // isinstance checks only: an Undefined goes through (Salt 3006.1: `nope | sequence` prints [Undefined]).
  sequence: filter('ensure_sequence_filter', ['data'], (v) => (Array.isArray(v['data']) || isDict(v['data']) ? v['data'] : [v['data']]), { undefinedOk: ['data'] }),
  to_bool: filter('to_bool', ['val'], (v) => toBool(v['val']), { undefinedOk: ['val'] }),
  is_list: filter('is_list', ['value'], (v) => isList(v['value']), { undefinedOk: ['value'] }),
  is_iter: filter('is_iter', ['thing', ['ignore', null]], (v) => isIter(v['thing'])),
  flatten: filter('flatten', ['data', ['levels', null], ['preserve_nulls', false]], (v) =>
    flatten(v['data'], v['levels'] === null ? null : num(v['levels']), pyBool(v['preserve_nulls']), new Set()),
  ),
  compare_lists: filter('compare_lists', [['old', null], ['new', null]], (v) => {
    const ret = new PyDict();
    const add = (k: string, item: unknown): void => {
      const cur = ret.get(k);
      if (Array.isArray(cur)) cur.push(item);
      else ret.set(k, [item]);
    };
    const oldL = pyIter(v['old']);
    const newL = pyIter(v['new']);
    for (const item of newL) if (!inList(oldL, item)) add('new', item);
    for (const item of oldL) if (!inList(newL, item)) add('old', item);
    return ret;
  }),
  compare_dicts: filter('compare_dicts', [['old', null], ['new', null]], (v) => {
    const oldD = (v['old'] ?? new PyDict()) as AnyDict;
    const newD = (v['new'] ?? new PyDict()) as AnyDict;
    if (!isDict(oldD) || !isDict(newD)) throw new TemplateError('compare_dicts expects two dicts', 'type');
    const ret = new PyDict();
    const keys = unique([...dictKeys(newD), ...dictKeys(oldD)]);
    for (const key of keys) {
      if (!dictHas(oldD, key)) ret.set(key, new PyDict([['old', ''], ['new', dictGet(newD, key)]]));
      else if (!dictHas(newD, key)) ret.set(key, new PyDict([['new', ''], ['old', dictGet(oldD, key)]]));
      else if (!pyEq(dictGet(newD, key), dictGet(oldD, key))) ret.set(key, new PyDict([['old', dictGet(oldD, key)], ['new', dictGet(newD, key)]]));
    }
    return ret;
  }),
  exactly_n_true: filter('exactly_n', ['iterable', ['amount', 1]], (v) => exactlyN(v['iterable'], num(v['amount']))),
  exactly_one_true: filter('exactly_one', ['iterable'], (v) => exactlyN(v['iterable'], 1)),
  min: filter('lst_min', ['obj'], (v) => aggregateMin(v['obj'], 'min')),
  max: filter('lst_max', ['obj'], (v) => aggregateMin(v['obj'], 'max')),
  avg: filter('lst_avg', ['lst'], (v) => {
    const lst = v['lst'];
    if (!isHashable(lst)) {
      const items = pyIter(lst);
      let total: unknown = 0;
      for (const x of items) total = binop('add', total, x);
      if (!items.length) throw new TemplateError('division by zero', 'runtime');
      return mkFloat(num(total) / items.length);
    }
    if (typeof lst === 'string') {
      const f = Number(lst.trim());
      if (lst.trim() === '' || Number.isNaN(f)) throw new TemplateError(`could not convert string to float: '${lst}'`, 'runtime');
      return mkFloat(f);
    }
    return mkFloat(num(lst));
  }),
  union: filter('union', ['lst1', 'lst2'], (v) => setOp(v['lst1'], v['lst2'], 'union')),
  intersect: filter('intersect', ['lst1', 'lst2'], (v) => setOp(v['lst1'], v['lst2'], 'intersect')),
  difference: filter('difference', ['lst1', 'lst2'], (v) => setOp(v['lst1'], v['lst2'], 'difference')),
  symmetric_difference: filter('symmetric_difference', ['lst1', 'lst2'], (v) => setOp(v['lst1'], v['lst2'], 'symmetric_difference')),
  method_call: filter(
    'method_call',
    ['obj', 'f_name'],
    (v, b, x) => {
      const m = getattr(v['obj'], str(v['f_name']));
      if (m instanceof Undefined) return null;
      return callValue(m, b.rest, b.extra, x);
    },
    { varargs: true, varkw: true },
  ),
  skip: filter('skip_filter', ['data'], () => ''),
  sorted_ignorecase: filter('sorted_ignorecase', ['to_sort'], (v) =>
    pyIter(v['to_sort'])
      .map((x, i) => {
        if (typeof x !== 'string') throw new TemplateError(`'${typeName(x)}' object has no attribute 'lower'`, 'runtime');
        return { x, i, k: x.toLowerCase() };
      })
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
      .map((e) => e.x),
  ),
  set_dict_key_value: dictKeyFilter('set_dict_key_value', setDictKeyValue),
  update_dict_key_value: dictKeyFilter('update_dict_key_value', updateDictKeyValue),
  append_dict_key_value: dictKeyFilter('append_dict_key_value', (d, k, val, delim, o) => appendDictKeyValue(d, k, val, delim, o, false)),
  extend_dict_key_value: dictKeyFilter('extend_dict_key_value', (d, k, val, delim, o) => appendDictKeyValue(d, k, val, delim, o, true)),
  combinations: filter('combinations', ['iterable', 'r'], (v) => new PyGenerator(combinations(pyIter(v['iterable']), asInt(v['r'], ''), false))),
  combinations_with_replacement: filter('combinations_with_replacement', ['iterable', 'r'], (v) =>
    new PyGenerator(combinations(pyIter(v['iterable']), asInt(v['r'], ''), true)),
  ),
  permutations: filter('permutations', ['iterable', ['r', null]], (v) => {
    const pool = pyIter(v['iterable']);
    return new PyGenerator(permutations(pool, v['r'] === null ? pool.length : asInt(v['r'], '')));
  }),
  product: filter(
    'product',
    [],
    (_v, b) => new PyGenerator(product(b.rest.map((p) => pyIter(p)), b.extra['repeat'] === undefined ? 1 : asInt(b.extra['repeat'], ''))),
    { varargs: true, varkw: true },
  ),
  zip: filter(
    'zip',
    [],
    (_v, b) => {
      const its = b.rest.map((p) => pyIter(p));
      const n = its.length ? Math.min(...its.map((i) => i.length)) : 0;
      return new PyGenerator(Array.from({ length: n }, (_x, i) => pyTuple(its.map((it) => it[i]))));
    },
    { varargs: true },
  ),
  zip_longest: filter(
    'zip_longest',
    [],
    (_v, b) => {
      const its = b.rest.map((p) => pyIter(p));
      const fill = b.extra['fillvalue'] ?? null;
      const n = its.length ? Math.max(...its.map((i) => i.length)) : 0;
      return new PyGenerator(Array.from({ length: n }, (_x, i) => pyTuple(its.map((it) => (i < it.length ? it[i] : fill)))));
    },
    { varargs: true, varkw: true },
  ),
  compress: filter('compress', ['data', 'selectors'], (v) => {
    const d = pyIter(v['data']);
    const s = pyIter(v['selectors']);
    return new PyGenerator(d.filter((_x, i) => i < s.length && pyBool(s[i])));
  }),
};

export const DATA_TESTS: Record<string, TestFn> = {
  list: (v) => isList(strict(v)),
  equalto: (v, a, kw) => pyEq(v, bindSig({ name: 'test_equalto', params: ['other'] }, a, kw).v['other']),
};
