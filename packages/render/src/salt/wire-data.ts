/**
 * Pillar data across JSON (master -> minion, and the minion's cached copy). JSON objects carry str keys in the
 * order a JS object lists them, so a Python dict with non-str keys (`80: web`) or with integer-like keys after
 * others (`'*'` then `'22'`) would arrive with other keys or in another order. Such a dict (a PyDict) travels as
 * `{"$dict": [[key, value], ...]}`, or `{"$odict": ...}` for one loaded from YAML (an OrderedPyDict, whose order
 * `|yaml` keeps); a tuple key as `{"$tuple": [...]}`. Every other value is JSON as it is (a plain
 * object that happens to hold only the key `$dict` travels as a `$dict` too, so it cannot be mistaken).
 */
import { OrderedPyDict, PyDict, dictEntries, isDict, isPlainObject, isTuple, pyStr, pyTuple } from '../jinja/values';

const DICT = '$dict';
const ODICT = '$odict';
const TUPLE = '$tuple';

function keyToWire(k: unknown): unknown {
  return isTuple(k) ? { [TUPLE]: k.map(keyToWire) } : k;
}

function keyFromWire(k: unknown): unknown {
  if (isPlainObject(k) && Array.isArray(k[TUPLE])) return pyTuple((k[TUPLE] as unknown[]).map(keyFromWire));
  return k;
}

/** `v` as JSON-ready data that `fromWireData` turns back into the same dicts, keys and order. */
export function toWireData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toWireData);
  if (v instanceof PyDict || (isPlainObject(v) && Object.keys(v).length === 1 && (DICT in v || ODICT in v))) {
    return { [v instanceof OrderedPyDict ? ODICT : DICT]: dictEntries(v as PyDict).map(([k, x]) => [keyToWire(k), toWireData(x)]) };
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toWireData(x);
    return out;
  }
  return v;
}

export function fromWireData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromWireData);
  if (isPlainObject(v)) {
    const ordered = Array.isArray(v[ODICT]);
    const entries = ordered ? v[ODICT] : v[DICT];
    if (Object.keys(v).length === 1 && Array.isArray(entries)) {
      const items = entries.filter((e): e is [unknown, unknown] => Array.isArray(e) && e.length === 2).map(([k, x]) => [keyFromWire(k), fromWireData(x)] as [unknown, unknown]);
      return ordered ? new OrderedPyDict(items) : new PyDict(items);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromWireData(x);
    return out;
  }
  return v;
}

/** A pillar's top level as a plain object (its keys as str): the shape every consumer of `pillar` reads. */
export function plainTop(d: unknown): Record<string, unknown> {
  if (!isDict(d)) return {};
  if (!(d instanceof PyDict)) return { ...d };
  const out: Record<string, unknown> = {};
  for (const [k, x] of d.entries()) Object.defineProperty(out, pyStr(k), { value: x, writable: true, enumerable: true, configurable: true });
  return out;
}
