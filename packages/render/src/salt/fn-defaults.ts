/** defaults.* (salt/modules/defaults.py): merge and update dicts (in place by default), deepcopy, formula defaults files. */
import { TemplateError } from '../jinja/errors';
import { PyDict, dictEntries, dictSet, isDict } from '../jinja/values';
import { rootsOf, type FunctionTable, type SaltTemplateContext } from './context';
import { traverseDictAndList, update } from './data';
import { pythonDicts } from './filters-serialize';
import { deepcopy, fn, pyBool, str, type AnyDict } from './py';
import { pyJsonLoads } from './pyjson';
import { loadTemplateYaml } from './yaml-values';

/** defaults.merge(dest, src, merge_lists=False, in_place=True, convert_none=True) */
export function defaultsMerge(destIn: unknown, srcIn: unknown, mergeLists: boolean, inPlace: boolean, convertNone: boolean): AnyDict {
  const src = srcIn === null && convertNone ? new PyDict() : srcIn;
  let dest = destIn;
  if (dest === null && convertNone) {
    if (inPlace) throw new TemplateError("Can't perform in-place merge into NoneType", 'type');
    dest = new PyDict();
  }
  const merged = inPlace ? dest : deepcopy(dest);
  if (!isDict(merged) || !isDict(src)) throw new TemplateError('Cannot update using non-dict types in dictupdate.update()', 'type');
  return update(merged, src, true, mergeLists);
}

export function defaultsFunctions(c: SaltTemplateContext): FunctionTable {
  /** `formula/defaults.yaml` (or .json) from base's file roots (Salt's cache_files), {} when empty, null when missing. */
  const load = (formula: string): unknown => {
    const roots = rootsOf(c, 'base');
    for (const ext of ['yaml', 'json']) {
      const path = `${formula}/defaults.${ext}`;
      let raw: Buffer | null;
      try {
        raw = roots ? roots.read(path) : null;
      } catch {
        raw = null;
      }
      if (raw === null) continue;
      const text = raw.toString('utf8');
      const data = ext === 'yaml' ? pythonDicts(loadTemplateYaml(text, `salt://${path}`)) : pyJsonLoads(text);
      return data === null || data === '' || (isDict(data) && !dictEntries(data).length) ? new PyDict() : data;
    }
    return null;
  };
  return {
    'defaults.merge': fn('merge', ['dest', 'src', ['merge_lists', false], ['in_place', true], ['convert_none', true]], (v) =>
      defaultsMerge(v['dest'], v['src'], pyBool(v['merge_lists']), pyBool(v['in_place']), pyBool(v['convert_none'])),
    ),
    'defaults.deepcopy': fn('deepcopy', ['source'], (v) => deepcopy(v['source'])),
    'defaults.update': fn('update', ['dest', 'defaults', ['merge_lists', true], ['in_place', true], ['convert_none', true]], (v) => {
      const inPlace = pyBool(v['in_place']);
      const convertNone = pyBool(v['convert_none']);
      let nodes: unknown;
      if (inPlace) {
        if (v['dest'] === null) throw new TemplateError("Can't perform in-place update into NoneType", 'type');
        nodes = v['dest'];
      } else nodes = deepcopy(v['dest'] === null && convertNone ? new PyDict() : v['dest']);
      const defaults = v['defaults'] === null && convertNone ? new PyDict() : v['defaults'];
      if (!isDict(nodes)) throw new TemplateError(`'${typeof nodes}' object has no attribute 'items'`, 'runtime');
      for (const [name, vars] of dictEntries(nodes)) {
        dictSet(nodes, name, defaultsMerge(deepcopy(defaults), vars, pyBool(v['merge_lists']), true, convertNone));
      }
      return nodes;
    }),
    'defaults.get': fn('get', ['key', ['default', '']], (v) => {
      const key = str(v['key']);
      const cut = key.indexOf(':');
      const [namespace, sub] = cut === -1 ? [key, null] : [key.slice(0, cut), key.slice(cut + 1)];
      const defaults = load(namespace);
      if (sub) return traverseDictAndList(defaults, sub, v['default']);
      return defaults;
    }),
  };
}
