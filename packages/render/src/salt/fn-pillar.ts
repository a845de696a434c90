/** pillar.* (salt/modules/pillar.py) over the minion's compiled pillar. */
import { TemplateError } from '../jinja/errors';
import { MISSING, PyDict, dictGet, dictKeys, isDict, pyBool, pyRepr, strict, typeName } from '../jinja/values';
import type { FunctionTable, SaltTemplateContext } from './context';
import { DEFAULT_TARGET_DELIM, dataItems, filterBy, traverseDictAndList, update } from './data';
import { deepcopy, fn, inList, isList, shallowDict, str, type TemplateFunction } from './py';

const NOT_SET = Symbol('NOT_SET');
const KEY_ERROR = Symbol('KeyError');

export function pillarFunctions(c: SaltTemplateContext): FunctionTable {
  const get = fn(
    'get',
    ['key', ['default', NOT_SET], ['merge', false], ['merge_nested_lists', null], ['delimiter', DEFAULT_TARGET_DELIM], ['pillarenv', null], ['saltenv', null]],
    (v) => {
      // Salt compares the default with its NOT_SET sentinel first (`default == NOT_SET`): an undefined default fails
      // there under Salt's StrictUndefined, whether the key exists or not.
      let dflt = strict(v['default']);
      const key = v['key'];
      const delimiter = str(v['delimiter']);
      if (dflt === NOT_SET) dflt = pyBool(c.opts['pillar_raise_on_missing'] ?? false) ? KEY_ERROR : '';
      const mergeLists = v['merge_nested_lists'] === null ? pyBool(c.opts['pillar_merge_lists'] ?? false) : pyBool(v['merge_nested_lists']);
      if (pyBool(v['merge'])) {
        if (isDict(dflt)) {
          const ret = traverseDictAndList(c.pillar, key, new PyDict(), delimiter);
          if (isDict(ret)) return update(deepcopy(dflt), ret, true, mergeLists);
          c.log.error(`pillar.get: Default (${pyRepr(dflt)}) is a dict, but the returned pillar value (${pyRepr(ret)}) is of type '${typeName(ret)}'. Merge will be skipped.`);
        } else if (isList(dflt)) {
          const ret = traverseDictAndList(c.pillar, key, [], delimiter);
          if (isList(ret)) {
            const out = deepcopy(dflt);
            out.push(...ret.filter((x) => !inList(out, x)));
            return out;
          }
          c.log.error(`pillar.get: Default (${pyRepr(dflt)}) is a list, but the returned pillar value (${pyRepr(ret)}) is of type '${typeName(ret)}'. Merge will be skipped.`);
        } else {
          c.log.error(`pillar.get: Default (${typeof dflt === 'symbol' ? "<class 'KeyError'>" : pyRepr(dflt)}) is of type '${typeof dflt === 'symbol' ? 'type' : typeName(dflt)}', must be a dict or list to merge. Merge will be skipped.`);
        }
      }
      const ret = traverseDictAndList(c.pillar, key, dflt, delimiter);
      if (ret === KEY_ERROR) throw new TemplateError(`KeyError: 'Pillar key not found: ${str(key)}'`, 'runtime');
      return ret;
    },
  );
  const item: TemplateFunction = fn('item', [], (_v, b) => dataItems(c.pillar, b.rest, b.extra), { varargs: true, varkw: true });
  const items: TemplateFunction = (args, kw, x) => (args.length ? item(args, {}, x) : deepcopy(shallowDict(c.pillar)));
  return {
    'pillar.get': get,
    'pillar.fetch': get,
    'pillar.item': item,
    'pillar.items': items,
    'pillar.data': items,
    'pillar.raw': fn('raw', [['key', null]], (v) => {
      if (!v['key']) return shallowDict(c.pillar);
      const r = dictGet(c.pillar, v['key']);
      return r === MISSING ? new PyDict() : r;
    }),
    'pillar.ls': (args, kw, x) => dictKeys(items(args, kw, x) as PyDict),
    'pillar.keys': fn('keys', ['key', ['delimiter', DEFAULT_TARGET_DELIM]], (v) => {
      const ret = traverseDictAndList(c.pillar, v['key'], KEY_ERROR, str(v['delimiter']));
      if (ret === KEY_ERROR) throw new TemplateError(`KeyError: 'Pillar key not found: ${str(v['key'])}'`, 'runtime');
      if (!isDict(ret)) throw new TemplateError(`Pillar value in key ${str(v['key'])} is not a dict`, 'runtime');
      return dictKeys(ret);
    }),
    'pillar.filter_by': fn(
      'filter_by',
      ['lookup_dict', 'pillar', ['merge', null], ['default', 'default'], ['base', null]],
      (v) => filterBy(v['lookup_dict'], str(v['pillar']), c.pillar, v['merge'], v['default'], v['base']),
    ),
  };
}
