/** Interim: grains.get / pillar.get / config.get over template values, until the full function library lands. */
import { deepMerge, isDict, traverse, type Dict } from '@brine/core';
import { bind } from '../jinja/pymethods';
import { toPlain } from '../jinja/values';
import type { TemplateFunction } from './loader';

const GET = ['key', 'default', 'delimiter', 'ordered'];
const PILLAR_GET = ['key', 'default', 'merge', 'merge_nested_lists', 'delimiter', 'pillarenv', 'saltenv'];

function getter(sources: () => unknown[], params: string[], fname: string): TemplateFunction {
  return (args, kw) => {
    const b = bind(params, args, kw, fname);
    const at = (n: string): unknown => b[params.indexOf(n)];
    const key = String(at('key') ?? '');
    const dflt = at('default');
    const delim = at('delimiter');
    for (const src of sources()) {
      const v = traverse(src, key, delim === undefined || delim === null ? ':' : String(delim));
      if (v !== undefined) return at('merge') === true && isDict(toPlain(dflt)) && isDict(v) ? deepMerge(toPlain(dflt), v) : v;
    }
    return dflt === undefined ? '' : dflt;
  };
}

export function templateFunctions(data: { grains: Dict; pillar: Dict; opts: Dict }): Record<string, TemplateFunction> {
  return {
    'grains.get': getter(() => [data.grains], GET, 'get'),
    'pillar.get': getter(() => [data.pillar], PILLAR_GET, 'get'),
    'config.get': getter(() => [data.opts, data.grains, data.pillar], GET, 'get'),
  };
}
