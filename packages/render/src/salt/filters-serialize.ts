/** Salt's serializer filters: yaml, json, tojson, load_yaml / load_json / load_text, yaml_encode / dquote / squote. */
import type { FilterFn } from '../jinja/runtime';
import { TemplateError } from '../jinja/errors';
import { Markup, PyDict, isDict, isPlainObject, pyBool, pyStr, dictEntries, num, type Dict } from '../jinja/values';
import { BUILTIN_FILTERS } from '../jinja/filters';
import { filter } from './py';
import { loadTemplateYaml } from './yaml-values';
import { pyJsonDumps, pyJsonLoads } from './pyjson';
import { yamlDoubleQuoted, yamlDump, yamlSingleQuoted } from './pyyaml';

/** Salt's `salt.utils.yaml.safe_dump` (SafeOrderedDumper, allow_unicode) as the `yaml` filter prints it. */
export function saltSafeDump(value: unknown, flowStyle: boolean | null): string {
  let text = yamlDump(value, { defaultFlowStyle: flowStyle, allowUnicode: true, orderedPlain: true, unknownAsNull: true }).trim();
  if (text.endsWith('\n...')) text = text.slice(0, -4);
  return text;
}

const flowArg = (v: unknown): boolean | null => (v === null ? null : pyBool(v));

/** Text handed to a load filter: an imported template module is its output. */
function loadInput(v: unknown): unknown {
  return (v as { pyType?: string } | null)?.pyType === 'TemplateModule' ? pyStr(v) : v;
}

/** YAML data as Python values: every mapping a dict (PyDict), as salt.utils.yaml.safe_load makes them (`|yaml` sorts them). */
export function pythonDicts(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pythonDicts);
  if (isPlainObject(v)) return new PyDict(dictEntries(v).map(([k, x]) => [k, pythonDicts(x)]));
  if (v instanceof PyDict) return new PyDict(v.entries().map(([k, x]) => [k, pythonDicts(x)]));
  return v;
}

function textOf(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  const s = (v as { pyType?: string } | null)?.pyType === 'Markup' ? pyStr(v) : null;
  if (s !== null) return s;
  throw new TemplateError(`Unable to load ${what} from ${pyStr(v)}`, 'runtime');
}

function yamlEncode(data: unknown): string {
  if (data === null || data === undefined) return 'null';
  if (typeof data === 'boolean') return data ? 'true' : 'false';
  if (typeof data === 'string') return yamlDoubleQuoted(data);
  if (Array.isArray(data) || isDict(data)) {
    throw new TemplateError(`yaml_encode() only works with YAML scalar data; failed for <class '${Array.isArray(data) ? 'list' : 'dict'}'>`, 'type');
  }
  // ints and floats: the representer's text (an int's str(), a float's lowercased repr).
  const node = yamlDump(data, { defaultFlowStyle: false }).replace(/\n(\.\.\.\n)?$/, '');
  return node;
}

export const SERIALIZE_FILTERS: Record<string, FilterFn> = {
  // SerializerExtension.format_python: Markup(pprint.pformat(value).strip()).
  python: (v, a, kw, x) => new Markup(pyStr(BUILTIN_FILTERS['pprint']!(v, a, kw, x)).trim()),
  // Salt's SafeOrderedDumper writes what it does not know, an Undefined too, as NULL.
  yaml: filter('format_yaml', ['value', ['flow_style', true]], (v) => saltSafeDump(v['value'], flowArg(v['flow_style'])), { undefinedOk: ['value'] }),
  json: filter('format_json', ['value', ['sort_keys', true], ['indent', null]], (v) =>
    pyJsonDumps(v['value'], { sortKeys: pyBool(v['sort_keys']), indent: v['indent'] as number | string | null, ensureAscii: false }).trim(),
  ),
  tojson: filter(
    'tojson',
    ['val', ['indent', null]],
    (v, b) => {
      const o = b.extra;
      const text = pyJsonDumps(v['val'], {
        ensureAscii: o['ensure_ascii'] === undefined ? true : pyBool(o['ensure_ascii']),
        sortKeys: o['sort_keys'] === undefined ? false : pyBool(o['sort_keys']),
        indent: v['indent'] === null ? null : typeof v['indent'] === 'string' ? (v['indent'] as string) : num(v['indent']),
        separators: Array.isArray(o['separators']) ? (o['separators'].map((s) => pyStr(s)) as [string, string]) : null,
      });
      return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
    },
    { varkw: true },
  ),
  load_yaml: filter('load_yaml', ['value'], (v) => {
    const text = textOf(loadInput(v['value']), 'yaml');
    try {
      return pythonDicts(loadTemplateYaml(text, '<load_yaml>'));
    } catch (e) {
      throw new TemplateError(`Encountered error loading yaml: ${(e as Error).message}`, 'runtime');
    }
  }),
  load_json: filter('load_json', ['value'], (v) => {
    const val = loadInput(v['value']);
    if (typeof val !== 'string') throw new TemplateError(`Unable to load json from ${pyStr(val)}`, 'runtime');
    try {
      return pyJsonLoads(val);
    } catch {
      throw new TemplateError(`Unable to load json from ${val}`, 'runtime');
    }
  }),
  load_text: filter('load_text', ['value'], (v) => loadInput(v['value'])),
  yaml_encode: filter('yaml_encode', ['data'], (v) => yamlEncode(v['data'])),
  yaml_dquote: filter('yaml_dquote', ['text'], (v) => yamlDoubleQuoted(pyStr(v['text']))),
  yaml_squote: filter('yaml_squote', ['text'], (v) => yamlSingleQuoted(pyStr(v['text']))),
  dict_to_sls_yaml_params: filter('dict_to_sls_yaml_params', ['value', ['flow_style', false]], (v) => {
    const d = v['value'];
    if (!isDict(d)) throw new TemplateError(`'${typeof d}' object has no attribute 'items'`, 'runtime');
    return saltSafeDump(dictEntries(d).map(([k, x]) => new PyDict([[k, x]])), flowArg(v['flow_style']));
  }),
};

export type { Dict };
