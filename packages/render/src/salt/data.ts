/**
 * salt.utils.data and salt.utils.dictupdate over template values: traverse_dict_and_list, filter_by, subdict_match,
 * is_true, and the dict merges (update, merge_recurse, merge_aggregate, merge_overwrite, merge_list).
 */
import { globMatch } from '@brine/core';
import { TemplateError } from '../jinja/errors';
import {
  MISSING, OrderedPyDict, PyDict, PyFloat, dictEntries, dictGet, dictHas, dictKeys, dictSet, hashKey, isDict, isFloat, isInt, isPlainObject,
  isTuple, jsKeepsOrder, num, pyEq, pyStr, sameKind, type Dict,
} from '../jinja/values';
import { deepcopy, inList, isList, parseFloatPy, parseIntPy, setOwn, type AnyDict } from './py';
import { pyRegex } from './pyregex';

export const DEFAULT_TARGET_DELIM = ':';

/** Salt's `yamlify_arg` for a key segment: `'1'` -> 1, `'true'` -> True, `'None'` -> None; else the string. */
export function yamlifyKey(arg: string): unknown {
  const t = arg.trim();
  if (t === '' || t === '---' || t === '...' || /[\t\r\n#]/.test(arg)) return arg;
  if (arg.includes('_') && /^[0-9_]+$/.test(t)) return arg;
  if (arg === 'None') return null;
  if (/^(?:~|null|Null|NULL)$/.test(t)) return null;
  if (/^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(t)) return true;
  if (/^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(t)) return false;
  if (/^[-+]?(?:0|[1-9][0-9_]*)$/.test(t)) return parseIntPy(t.replace(/_/g, ''));
  if (/^[-+]?0[0-7_]+$/.test(t)) return parseIntPy(t.replace(/^([-+]?)0+/, '$1').replace(/_/g, '') || '0');
  if (/^[-+]?0x[0-9a-fA-F_]+$/.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[-+]?0x/, '').replace(/_/g, ''), 16);
  if (/^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$|^\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?$/.test(t)) {
    const f = Number(t.replace(/_/g, ''));
    return Number.isInteger(f) ? new PyFloat(f) : f;
  }
  return arg;
}

function pyIntOf(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isInt(v)) return num(v);
  if (typeof v === 'string') {
    const n = parseIntPy(v);
    return n === null ? null : Number(n);
  }
  return null;
}

/** salt.utils.data.traverse_dict_and_list: `a:b:0` walks dicts, list indexes and dicts inside lists. */
export function traverseDictAndList(data: unknown, key: unknown, dflt: unknown = null, delimiter = DEFAULT_TARGET_DELIM): unknown {
  let parts: unknown[];
  if (typeof key === 'string') {
    if (delimiter === '') throw new TemplateError('empty separator', 'runtime');
    parts = key.split(delimiter);
  } else if (isInt(key) || typeof key === 'boolean') parts = [key];
  else if (Array.isArray(key)) parts = key;
  else throw new TemplateError(`'${typeof key}' object is not iterable`, 'type');
  let ptr: unknown = data;
  for (const each of parts) {
    if (isList(ptr)) {
      const list: unknown[] = ptr;
      const idx = pyIntOf(each);
      let found = false;
      for (const embedded of list) {
        if (!isDict(embedded)) continue;
        const v = dictGet(embedded, idx === null ? each : idx);
        if (v !== MISSING) {
          ptr = v;
          found = true;
          break;
        }
      }
      if (found) continue;
      if (idx === null) return dflt;
      const i = idx < 0 ? list.length + idx : idx;
      if (i < 0 || i >= list.length) return dflt;
      ptr = list[i];
    } else if (isDict(ptr)) {
      let v = dictGet(ptr, each);
      if (v === MISSING) {
        if (typeof each !== 'string') return dflt;
        const loaded = yamlifyKey(each);
        if (loaded === each) return dflt;
        v = dictGet(ptr, loaded);
        if (v === MISSING) return dflt;
      }
      ptr = v;
    } else if (isTuple(ptr) || typeof ptr === 'string') {
      if (!isInt(each)) return dflt;
      const seq = typeof ptr === 'string' ? [...ptr] : ptr;
      const n = num(each);
      const i = n < 0 ? seq.length + n : n;
      if (i < 0 || i >= seq.length) return dflt;
      ptr = seq[i];
    } else return dflt;
  }
  return ptr;
}

/** grains.item / pillar.item: `{arg: value}` for each key path, with the `default` and `delimiter` keywords. */
export function dataItems(data: unknown, args: unknown[], kw: Dict): PyDict {
  const dflt = kw['default'] ?? '';
  const delim = kw['delimiter'] === undefined ? DEFAULT_TARGET_DELIM : pyStr(kw['delimiter']);
  return new PyDict(args.map((arg) => [arg, traverseDictAndList(data, arg, dflt, delim)]));
}

/** salt.utils.data.traverse_dict: dicts only. */
export function traverseDict(data: unknown, key: string, dflt: unknown = null, delimiter = DEFAULT_TARGET_DELIM): unknown {
  let ptr = data;
  for (const each of key.split(delimiter)) {
    if (isDict(ptr)) {
      const v = dictGet(ptr, each);
      if (v === MISSING) return dflt;
      ptr = v;
    } else if (Array.isArray(ptr) || typeof ptr === 'string') return dflt;
    else return dflt;
  }
  return ptr;
}

/** Python's fnmatch.fnmatchcase. */
export function fnmatchcase(name: string, pattern: string): boolean {
  return globMatch(pattern, name);
}

/** salt.utils.data.filter_by (grains.filter_by, pillar.filter_by). */
export function filterBy(
  lookupDict: unknown,
  lookup: string,
  traverse: unknown,
  merge: unknown = null,
  dflt: unknown = 'default',
  base: unknown = null,
): unknown {
  if (!isDict(lookupDict)) throw new TemplateError(`'${typeof lookupDict}' object is not iterable`, 'type');
  let ret: unknown = null;
  const val = traverseDictAndList(traverse, lookup, []);
  for (const each of isList(val) ? val : [val]) {
    for (const key of dictKeys(lookupDict)) {
      const testKey = typeof key === 'string' ? key : pyStr(key);
      const testEach = typeof each === 'string' ? each : pyStr(each);
      if (fnmatchcase(testEach, testKey)) {
        ret = dictGet(lookupDict, key);
        break;
      }
    }
    if (ret !== null) break;
  }
  if (ret === null) {
    const d = dictGet(lookupDict, dflt);
    ret = d === MISSING ? null : d;
  }
  if (truthy(base) && dictHas(lookupDict, base)) {
    const baseValues = dictGet(lookupDict, base);
    if (ret === null) ret = baseValues;
    else if (isDict(baseValues)) {
      if (!isDict(ret)) throw new TemplateError('filter_by default and look-up values must both be dictionaries.', 'runtime');
      ret = update(deepcopy(baseValues), ret);
    }
  }
  if (truthy(merge)) {
    if (!isDict(merge)) throw new TemplateError('filter_by merge argument must be a dictionary.', 'runtime');
    if (ret === null) ret = merge;
    else update(ret as AnyDict, deepcopy(merge));
  }
  return ret;
}

const truthy = (v: unknown): boolean => {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return dictKeys(v).length > 0;
  if (v instanceof PyFloat) return v.v !== 0;
  return true;
};

/** salt.utils.data.is_true. */
export function isTrue(value: unknown = null): boolean {
  let v = value;
  if (typeof v === 'string') {
    const i = parseIntPy(v);
    if (i !== null) v = Number(i);
    else {
      const f = parseFloatPy(v);
      if (f !== null) v = f;
    }
  }
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat) return num(v) > 0;
  if (typeof v === 'string') return v.toLowerCase() === 'true';
  return truthy(v);
}

/* ------------------------------------------------------------------ subdict_match */

function matchOne(target: unknown, pattern: string, regex: boolean, exact: boolean): boolean {
  const t = pyStr(target).toLowerCase();
  const p = pattern.toLowerCase();
  if (regex) {
    try {
      return pyRegex(p).match(t) !== null;
    } catch {
      return false;
    }
  }
  return exact ? t === p : globMatch(p, t);
}

function dictMatch(target: AnyDict, patternIn: string, regex: boolean, exact: boolean, delimiter: string): boolean {
  let pattern = patternIn;
  const wildcard = pattern.startsWith('*:');
  if (wildcard) pattern = pattern.slice(2);
  if (pattern === '*') return true;
  if (dictHas(target, pattern)) return true;
  if (subdictMatch(target, pattern, delimiter, regex, exact)) return true;
  if (wildcard) {
    for (const [, v] of dictEntries(target)) {
      if (isDict(v)) {
        if (dictMatch(v, pattern, regex, exact, delimiter)) return true;
      } else if (isList(v)) {
        if (v.some((item) => matchOne(item, pattern, regex, exact))) return true;
      } else if (matchOne(v, pattern, regex, exact)) return true;
    }
  }
  return false;
}

/** salt.utils.data.subdict_match: the grain / pillar matchers (case-insensitive globs, or regexes). */
export function subdictMatch(data: unknown, expr: string, delimiter = DEFAULT_TARGET_DELIM, regex = false, exact = false): boolean {
  const splits = expr.split(delimiter);
  if (splits.length === 1) return false;
  for (let idx = splits.length - 1; idx > 0; idx--) {
    const key = splits.slice(0, idx).join(delimiter);
    let matchstr: string;
    let match: unknown;
    if (key === '*') {
      matchstr = expr;
      match = data;
    } else {
      matchstr = splits.slice(idx).join(delimiter);
      match = traverseDictAndList(data, key, new PyDict(), delimiter);
    }
    if (isDict(match) && dictKeys(match).length === 0) continue;
    if (isDict(match)) {
      if (dictMatch(match, matchstr, regex, exact, delimiter)) return true;
      continue;
    }
    if (Array.isArray(match)) {
      for (const member of match) {
        if (isDict(member) && dictMatch(member, matchstr, regex, exact, delimiter)) return true;
        if (matchOne(member, matchstr, regex, exact)) return true;
      }
      continue;
    }
    if (matchOne(match, matchstr, regex, exact)) return true;
  }
  return false;
}

/* ------------------------------------------------------------------ dictupdate */

function keySetIntersects(a: AnyDict, b: AnyDict): boolean {
  const ka = new Set(dictKeys(a).map(hashKey));
  return dictKeys(b).some((k) => ka.has(hashKey(k)));
}

/** salt.utils.dictupdate.update: recursive, in place into `dest`, which it returns. */
export function update(dest: AnyDict, upd: unknown, recursiveUpdate = true, mergeLists = false): AnyDict {
  if (!isDict(dest) || !isDict(upd)) throw new TemplateError('Cannot update using non-dict types in dictupdate.update()', 'type');
  let recursive = recursiveUpdate;
  if (!keySetIntersects(dest, upd)) recursive = false;
  if (recursive) {
    for (const [key, val] of dictEntries(upd)) {
      const sub = dictGet(dest, key);
      const destSub = sub === MISSING ? null : sub;
      if (isDict(destSub) && isDict(val)) dictSet(dest, key, update(destSub, val, true, mergeLists));
      else if (isList(destSub) && isList(val)) {
        if (mergeLists) {
          const merged = deepcopy(destSub);
          merged.push(...val.filter((x) => !inList(merged, x)));
          dictSet(dest, key, merged);
        } else dictSet(dest, key, val);
      } else dictSet(dest, key, val);
    }
    return dest;
  }
  for (const [k, v] of dictEntries(upd)) dictSet(dest, k, v);
  return dest;
}

/** A new ordered dict (an OrderedDict in Salt): a plain object when one keeps the keys and their order (jsKeepsOrder). */
export function orderedDict(entries: [unknown, unknown][]): AnyDict {
  if (jsKeepsOrder(entries.map(([k]) => k))) {
    const o: Dict = {};
    for (const [k, v] of entries) setOwn(o, k as string, v);
    return o;
  }
  return new OrderedPyDict(entries);
}

/** The same kind of dict as `like`, empty. */
export function emptyLike(like: unknown): AnyDict {
  return isPlainObject(like) ? {} : like instanceof PyDict ? sameKind(like) : new PyDict();
}

function shallowCopy(d: AnyDict): AnyDict {
  if (!(d instanceof PyDict)) return orderedDict(dictEntries(d));
  const out = sameKind(d);
  for (const [k, v] of d.entries()) out.set(k, v);
  return out;
}

export function mergeList(a: AnyDict, b: AnyDict): AnyDict {
  const ret = new PyDict();
  for (const [k, v] of dictEntries(a)) {
    const other = dictGet(b, k);
    ret.set(k, other === MISSING ? v : [v, other]);
  }
  return ret;
}

export function mergeRecurse(a: AnyDict, b: AnyDict, mergeLists = false): AnyDict {
  return update(deepcopy(a), b, true, mergeLists);
}

/** The yamlex aggregation at level 1 (salt.utils.aggregation.aggregate). */
function aggregate(a: unknown, b: unknown, level: number | boolean): unknown {
  const deep = level !== false && level !== 0;
  const sub = typeof level === 'number' ? level - 1 : level;
  if (isDict(a) && isDict(b)) {
    const response = shallowCopy(deep ? a : b);
    for (const [k, v] of dictEntries(b)) {
      const av = dictGet(a, k);
      dictSet(response, k, av === MISSING ? v : aggregate(av, v, typeof sub === 'number' && sub > 0 ? sub : false));
    }
    return response;
  }
  if (deep) {
    const la = Array.isArray(a) ? a : [a];
    const lb = Array.isArray(b) ? b : [b];
    return [...la, ...lb.filter((x) => !inList(la, x))];
  }
  return Array.isArray(b) ? [...b] : isDict(b) ? shallowCopy(b) : b;
}

export function mergeAggregate(a: AnyDict, b: AnyDict): AnyDict {
  return aggregate(a, b, 1) as AnyDict;
}

export function mergeOverwrite(a: AnyDict, b: AnyDict, mergeLists = false): AnyDict {
  for (const k of dictKeys(b)) if (dictHas(a, k)) dictSet(a, k, dictGet(b, k));
  return mergeRecurse(a, b, mergeLists);
}

/** salt.utils.dictupdate.merge with its strategies. */
export function merge(a: unknown, b: unknown, strategy = 'smart', renderer = 'yaml', mergeLists = false, warn?: (m: string) => void): AnyDict {
  if (!isDict(a) || !isDict(b)) throw new TemplateError('Cannot update using non-dict types in dictupdate.update()', 'type');
  let s = strategy;
  if (s === 'smart') {
    const last = renderer.split('|').pop()!;
    s = last === 'yamlex' || renderer.startsWith('yamlex_') ? 'aggregate' : 'recurse';
  }
  switch (s) {
    case 'list':
      return mergeList(a, b);
    case 'recurse':
      return mergeRecurse(a, b, mergeLists);
    case 'aggregate':
      return mergeAggregate(a, b);
    case 'overwrite':
      return mergeOverwrite(a, b, mergeLists);
    case 'none':
      return mergeRecurse(a, b);
    default:
      warn?.(`Unknown merging strategy '${s}', fallback to recurse`);
      return mergeRecurse(a, b);
  }
}

/* ------------------------------------------------------------------ set/update/append/extend_dict_key_value */

function dictRpartition(inDict: AnyDict, keys: string, delimiter: string, ordered: boolean): [AnyDict, string] {
  if (!keys.includes(delimiter)) return [inDict, keys];
  const cut = keys.lastIndexOf(delimiter);
  const head = keys.slice(0, cut);
  const last = keys.slice(cut + delimiter.length);
  let ptr: AnyDict = inDict;
  for (const k of head.split(delimiter)) {
    const cur = dictGet(ptr, k);
    if (cur === MISSING || !isDict(cur)) dictSet(ptr, k, ordered ? {} : new PyDict());
    ptr = dictGet(ptr, k) as AnyDict;
  }
  return [ptr, last];
}

export function setDictKeyValue(d: AnyDict, keys: string, value: unknown, delimiter = ':', ordered = false): AnyDict {
  const [ptr, last] = dictRpartition(d, keys, delimiter, ordered);
  dictSet(ptr, last, value);
  return d;
}

export function updateDictKeyValue(d: AnyDict, keys: string, value: unknown, delimiter = ':', ordered = false): AnyDict {
  const [ptr, last] = dictRpartition(d, keys, delimiter, ordered);
  let cur = dictGet(ptr, last);
  if (cur === MISSING || cur === null) {
    cur = ordered ? {} : new PyDict();
    dictSet(ptr, last, cur);
  }
  if (!isDict(cur)) throw new TemplateError(`The last key contains a <class '${isList(cur) ? 'list' : typeof cur}'>, which cannot update.`, 'runtime');
  if (!isDict(value)) throw new TemplateError(`Cannot update <class 'dict'> with a ${typeof value}.`, 'runtime');
  for (const [k, v] of dictEntries(value)) dictSet(cur, k, v);
  return d;
}

export function appendDictKeyValue(d: AnyDict, keys: string, value: unknown, delimiter = ':', ordered = false, extend = false): AnyDict {
  const [ptr, last] = dictRpartition(d, keys, delimiter, ordered);
  let cur = dictGet(ptr, last);
  if (cur === MISSING || cur === null) {
    cur = [];
    dictSet(ptr, last, cur);
  }
  if (!isList(cur)) throw new TemplateError(`The last key contains a <class '${isDict(cur) ? 'dict' : typeof cur}'>, which cannot ${extend ? 'extend' : 'append'}.`, 'runtime');
  if (extend) {
    if (typeof value === 'string') cur.push(...value);
    else if (Array.isArray(value)) cur.push(...value);
    else if (isDict(value)) cur.push(...dictKeys(value));
    else throw new TemplateError(`Cannot extend <class 'list'> with a ${typeof value}.`, 'runtime');
  } else cur.push(value);
  return d;
}

/** `a == b` with Python semantics (re-exported for filters). */
export { pyEq, isFloat };
