/** Salt's serializers (salt/serializers/*) for slsutil.serialize / slsutil.deserialize: yaml, json, keyvalue, configparser. */
import { TemplateError } from '../jinja/errors';
import { PyDict, dictEntries, isDict, num, pyBool, pyStr, type Dict } from '../jinja/values';
import { shellQuote } from './filters-string';
import { pythonDicts } from './filters-serialize';
import { pyJsonDumps, pyJsonLoads } from './pyjson';
import { yamlDump } from './pyyaml';
import { loadTemplateYaml } from './yaml-values';
import { mergeRecurse } from './data';

const opt = (o: Dict, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

function serializationError(e: unknown): TemplateError {
  return new TemplateError(`SerializationError: ${(e as Error).message}`, 'runtime');
}

/**
 * The keywords a serializer's underlying call takes; another is Python's TypeError, named after that call, as
 * Salt 3006.1 reports it (`dump_all() got an unexpected keyword argument 'x'`).
 */
function onlyKeywords(o: Dict, fn: string, accepted: readonly string[]): void {
  const bad = Object.keys(o).find((k) => !accepted.includes(k));
  if (bad !== undefined) throw serializationError(new Error(`${fn}() got an unexpected keyword argument '${bad}'`));
}

const YAML_DUMP_KEYWORDS = ['stream', 'Dumper', 'default_style', 'default_flow_style', 'canonical', 'indent', 'width', 'allow_unicode', 'line_break', 'encoding', 'explicit_start', 'explicit_end', 'version', 'tags', 'sort_keys'];
const JSON_DUMPS_KEYWORDS = ['skipkeys', 'ensure_ascii', 'check_circular', 'allow_nan', 'cls', 'indent', 'separators', 'default', 'sort_keys'];

/** salt.serializers.yaml.serialize: yaml.dump with Salt's Dumper (every dict sorted), no final newline. */
function yamlSerialize(obj: unknown, o: Dict): string {
  onlyKeywords(o, 'dump_all', YAML_DUMP_KEYWORDS);
  const flow = opt(o, 'default_flow_style');
  const text = yamlDump(obj, {
    defaultFlowStyle: flow === undefined || flow === null ? null : pyBool(flow),
    allowUnicode: opt(o, 'allow_unicode') !== undefined && pyBool(o['allow_unicode']),
    sortKeys: opt(o, 'sort_keys') === undefined ? true : pyBool(o['sort_keys']),
    orderedPlain: false,
    indent: opt(o, 'indent') === undefined || o['indent'] === null ? null : num(o['indent']),
    width: opt(o, 'width') === undefined || o['width'] === null ? null : num(o['width']),
    explicitStart: opt(o, 'explicit_start') !== undefined && pyBool(o['explicit_start']),
    explicitEnd: opt(o, 'explicit_end') !== undefined && pyBool(o['explicit_end']),
    defaultStyle: opt(o, 'default_style') === undefined || o['default_style'] === null ? null : pyStr(o['default_style']),
  });
  if (text.endsWith('\n...\n')) return text.slice(0, -5);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

function jsonSerialize(obj: unknown, o: Dict): string {
  onlyKeywords(o, 'JSONEncoder.__init__', JSON_DUMPS_KEYWORDS);
  const sep = opt(o, 'separators');
  return pyJsonDumps(obj, {
    ensureAscii: opt(o, 'ensure_ascii') === undefined ? false : pyBool(o['ensure_ascii']),
    sortKeys: opt(o, 'sort_keys') !== undefined && pyBool(o['sort_keys']),
    indent: opt(o, 'indent') === undefined || o['indent'] === null ? null : typeof o['indent'] === 'string' ? o['indent'] : num(o['indent']),
    separators: Array.isArray(sep) ? (sep.map((s) => pyStr(s)) as [string, string]) : null,
  });
}

function keyvalueSerialize(obj: unknown, o: Dict): string {
  if (!isDict(obj) && !Array.isArray(obj)) throw new TemplateError('SerializationError: Input validation failed. Iterable required.', 'runtime');
  const linend = opt(o, 'line_ending') ? pyStr(o['line_ending']) : '\n';
  const separator = opt(o, 'separator') === undefined ? '=' : pyStr(o['separator']);
  const quoting = opt(o, 'quoting') !== undefined && pyBool(o['quoting']);
  const pairs = isDict(obj) ? dictEntries(obj) : obj.map((item) => {
    if (!Array.isArray(item) || item.length !== 2) throw serializationError(new Error('too many values to unpack (expected 2)'));
    return item as [unknown, unknown];
  });
  return pairs.map(([k, v]) => `${pyStr(k)}${separator}${quoting ? shellQuote(v) : pyStr(v)}`).join(linend);
}

function configparserSerialize(obj: unknown): string {
  if (!isDict(obj)) throw serializationError(new Error(`configparser can only serialize dictionaries, not <class '${typeof obj}'>`));
  const sections: [string, [string, unknown][]][] = [];
  let defaults: [string, unknown][] = [];
  for (const [section, keys] of dictEntries(obj)) {
    if (!isDict(keys)) throw serializationError(new Error(`'${typeof keys}' object has no attribute 'items'`));
    const entries = dictEntries(keys).map(([k, v]) => [pyStr(k).toLowerCase(), v === null ? null : pyStr(v)] as [string, unknown]);
    if (pyStr(section) === 'DEFAULT') defaults = entries;
    else sections.push([pyStr(section), entries]);
  }
  const block = (name: string, entries: [string, unknown][]): string =>
    `[${name}]\n` + entries.map(([k, v]) => (v === null ? `${k}\n` : `${k} = ${String(v).replace(/\n/g, '\n\t')}\n`)).join('') + '\n';
  return (defaults.length ? block('DEFAULT', defaults) : '') + sections.map(([n, e]) => block(n, e)).join('');
}

export function serialize(serializer: string, obj: unknown, options: Dict): string {
  switch (serializer) {
    case 'yaml':
      return yamlSerialize(obj, options);
    case 'json':
      return jsonSerialize(obj, options);
    case 'keyvalue':
      return keyvalueSerialize(obj, options);
    case 'configparser':
      return configparserSerialize(obj);
  }
  throw new TemplateError(`Serializer '${serializer}' not found.`, 'runtime');
}

export function deserialize(serializer: string, text: unknown, options: Dict): unknown {
  const s = typeof text === 'string' ? text : pyStr(text);
  switch (serializer) {
    case 'yaml':
      // yaml.load(stream, Loader): Salt sets the Loader; anything else is load()'s TypeError.
      onlyKeywords(options, 'load', ['Loader']);
      try {
        return pythonDicts(loadTemplateYaml(s, '<deserialize>'));
      } catch (e) {
        throw new TemplateError(`DeserializationError: ${(e as Error).message}`, 'runtime');
      }
    case 'json':
      try {
        return pyJsonLoads(s);
      } catch (e) {
        throw new TemplateError(`DeserializationError: ${(e as Error).message}`, 'runtime');
      }
    case 'keyvalue': {
      const sep = opt(options, 'separator') === undefined ? '=' : pyStr(options['separator']);
      const out = new PyDict();
      const lines = s.split(/\r\n|\r|\n/);
      if (lines[lines.length - 1] === '') lines.pop();
      for (const line of lines) {
        const i = line.indexOf(sep);
        if (i === -1) throw new TemplateError('DeserializationError: not enough values to unpack (expected 2, got 1)', 'runtime');
        let val = line.slice(i + sep.length);
        if (opt(options, 'quoting') === false) val = val.replace(/^(['"])(.*)\1$/s, '$2');
        out.set(line.slice(0, i), val);
      }
      return out;
    }
  }
  throw new TemplateError(`Serializer '${serializer}' not found.`, 'runtime');
}

/**
 * What a state run needs of the serializers (file.serialize): serialize, deserialize, and Salt's merge_recurse for
 * merge_if_exists. A dataset that is not a mapping (a list) replaces the file's data, as Salt's merge would refuse it.
 */
export const stateSerializers = {
  serialize: (serializer: string, data: unknown, options: Record<string, unknown>): string => serialize(serializer, data, options as Dict),
  deserialize: (serializer: string, text: string, options: Record<string, unknown>): unknown => deserialize(serializer, text, options as Dict),
  mergeRecurse: (a: unknown, b: unknown): unknown => (isDict(a) && isDict(b) ? mergeRecurse(a, b) : b),
};
