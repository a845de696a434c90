/**
 * YAML read for templates (`import_yaml`, `load_yaml`, `|load_yaml`): the same rules and errors as the SLS loader,
 * but into template values, so data keeps what Python would see: a mapping with non-string keys (`80: web`,
 * `true: x`) is keyed by the int / bool itself, every mapping is a Python dict (PyDict), and `1.0` stays a float.
 */
import { visit, type Scalar } from 'yaml';
import { OrderedPyDict, PyDict, PyFloat, jsKeepsOrder } from '../jinja/values';
import { loadSaltYaml, pyYamlDocument } from '../yaml/load';
import { pyNumber } from '@brine/core';

const FLOAT_SOURCE = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$/;

/**
 * `python`: every mapping a PyDict (data a template loads; `|yaml` sorts it as PyYAML sorts dicts).
 * `data`: plain objects, except a mapping with a non-string key, or whose order a plain object would not keep
 * (integer-like keys after others: `'*'`, `'22'`), which becomes an OrderedPyDict (pillar).
 */
type Dicts = 'python' | 'data';

function convert(v: unknown, dicts: Dicts): unknown {
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [convert(k, dicts), convert(x, dicts)] as [unknown, unknown]);
    if (dicts === 'data' && jsKeepsOrder(entries.map(([k]) => k))) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of entries) Object.defineProperty(o, k as string, { value: x, writable: true, enumerable: true, configurable: true });
      return o;
    }
    return dicts === 'data' ? new OrderedPyDict(entries) : new PyDict(entries);
  }
  if (Array.isArray(v)) return v.map((x) => convert(x, dicts));
  return v;
}

export function loadTemplateYaml(text: string, file: string, dicts: Dicts = 'python'): unknown {
  // The SLS loader validates (syntax, duplicate keys) and reports errors with their lines; the document is the one it
  // reads (with PyYAML's leniencies), converted here into template values.
  loadSaltYaml(text, file);
  const { doc } = pyYamlDocument(text, file);
  visit(doc, {
    Scalar(_key, node: Scalar) {
      const src = (node as Scalar & { source?: string }).source;
      if ((typeof node.value !== 'number' && typeof node.value !== 'bigint') || node.type !== 'PLAIN' || src === undefined) return;
      const v = pyNumber(src, Number(node.value));
      node.value = typeof v === 'number' && Number.isInteger(v) && FLOAT_SOURCE.test(src) ? new PyFloat(v) : v;
    },
  });
  return convert(doc.toJS({ maxAliasCount: -1, mapAsMap: true }), dicts);
}


