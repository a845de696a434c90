/**
 * Salt 3006's template API for Brine's Jinja engine: the filters and tests Salt registers, and the execution
 * functions templates call through `salt['mod.fun']` (the renderer builds the `salt` object over this table).
 */
import { TemplateError } from '../jinja/errors';
import { PyFunction, type FilterFn, type TestFn } from '../jinja/runtime';
import { str } from './py';
import type { FunctionTable, SaltTemplateContext } from './context';
import { DATA_FILTERS, DATA_TESTS } from './filters-data';
import { FILE_FILTERS } from './filters-files';
import { NETWORK_FILTERS } from './filters-network';
import { RANDOM_FILTERS } from './filters-random';
import { REGEX_FILTERS, REGEX_TESTS } from './filters-regex';
import { SERIALIZE_FILTERS } from './filters-serialize';
import { STRING_FILTERS } from './filters-string';
import { configFunctions } from './fn-config';
import { cpFunctions } from './fn-cp';
import { sdbFunctions } from './fn-sdb';
import { defaultsFunctions } from './fn-defaults';
import { fileFunctions } from './fn-file';
import { grainsFunctions } from './fn-grains';
import { logFunctions } from './fn-log';
import { matchFunctions } from './fn-match';
import { pillarFunctions } from './fn-pillar';
import { slsutilFunctions } from './fn-slsutil';
import { systemFunctions } from './fn-system';

export type { SaltTemplateContext, FunctionTable } from './context';
export type { TemplateFunction } from './py';
export { saltSafeDump } from './filters-serialize';

/** Salt's Jinja filters (salt.utils.jinja, data, stringutils, hashutils, network, path, dateutils, yamlencoding). */
export const SALT_FILTERS: Record<string, FilterFn> = {
  ...DATA_FILTERS,
  ...SERIALIZE_FILTERS,
  ...REGEX_FILTERS,
  ...STRING_FILTERS,
  ...NETWORK_FILTERS,
  ...FILE_FILTERS,
  ...RANDOM_FILTERS,
};

/** Salt's Jinja tests: `match`, `equalto`, and `list` (salt.utils.data.is_list). */
export const SALT_TESTS: Record<string, TestFn> = { ...REGEX_TESTS, ...DATA_TESTS };

/** The execution functions a template can call, keyed `mod.fun`. */
export function saltTemplateFunctions(c: SaltTemplateContext): FunctionTable {
  return {
    ...grainsFunctions(c),
    ...pillarFunctions(c),
    ...configFunctions(c),
    ...defaultsFunctions(c),
    ...slsutilFunctions(c),
    ...logFunctions(c),
    ...fileFunctions(),
    ...systemFunctions(),
    ...cpFunctions(c),
    ...matchFunctions(c),
    ...sdbFunctions(c),
  };
}

/**
 * Salt's Jinja globals: `raise(msg)`. (Salt 3006.1 also registers `ifelse`, but as a global it fails with
 * "name '__context__' is not defined"; `salt['match.ifelse']` works and is in the function table.)
 */
export function saltTemplateGlobals(): Record<string, unknown> {
  return {
    raise: new PyFunction('raise', (args) => {
      throw new TemplateError(args.length ? str(args[0]) : '', 'runtime');
    }),
  };
}
