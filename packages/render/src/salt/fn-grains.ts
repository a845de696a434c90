/** grains.* (salt/modules/grains.py) over the minion's grains. */
import { PyDict, dictKeys, pyStr } from '../jinja/values';
import type { FunctionTable, SaltTemplateContext } from './context';
import { DEFAULT_TARGET_DELIM, dataItems, filterBy, traverseDictAndList } from './data';
import { codePointCompare, fn, shallowDict, str } from './py';

const NOT_FOUND = Symbol('KeyError');

export function grainsFunctions(c: SaltTemplateContext): FunctionTable {
  return {
    'grains.get': fn('get', ['key', ['default', ''], ['delimiter', DEFAULT_TARGET_DELIM], ['ordered', true]], (v) =>
      traverseDictAndList(c.grains, v['key'], v['default'], str(v['delimiter'])),
    ),
    'grains.has_value': fn('has_value', ['key'], (v) => traverseDictAndList(c.grains, v['key'], NOT_FOUND) !== NOT_FOUND),
    'grains.items': fn('items', [['sanitize', false]], () => shallowDict(c.grains)),
    'grains.item': fn('item', [], (_v, b) => dataItems(c.grains, b.rest, b.extra), { varargs: true, varkw: true }),
    'grains.ls': fn('ls', [], () => (dictKeys(c.grains) as string[]).slice().sort(codePointCompare)),
    'grains.equals': fn('equals', ['key', 'value'], (v) => pyStr(v['value']) === pyStr(traverseDictAndList(c.grains, v['key']))),
    'grains.filter_by': fn(
      'filter_by',
      ['lookup_dict', ['grain', 'os_family'], ['merge', null], ['default', 'default'], ['base', null]],
      (v) => filterBy(v['lookup_dict'], str(v['grain']), c.grains, v['merge'], v['default'], v['base']),
    ),
  };
}
