/** Salt's regex filters (regex_search, regex_match, regex_replace, regex_escape) and the `match` test, with Python's `re`. */
import { TemplateError } from '../jinja/errors';
import type { FilterFn, TestFn } from '../jinja/runtime';
import { pyBool, pyStr, pyTuple, typeName } from '../jinja/values';
import { filter, type ParamSpec } from './py';
import { PyRegex, pyRegex, reEscape } from './pyregex';

function text(v: unknown, what = 'string'): string {
  if (typeof v === 'string') return v;
  if ((v as { pyType?: string } | null)?.pyType === 'Markup') return pyStr(v);
  throw new TemplateError(`expected ${what} or bytes-like object, got '${typeName(v)}'`, 'type');
}

const flags = (v: Record<string, unknown>) => ({ ignorecase: pyBool(v['ignorecase']), multiline: pyBool(v['multiline']) });

const REGEX_PARAMS: ParamSpec[] = ['txt', 'rgx', ['ignorecase', false], ['multiline', false]];

export const REGEX_FILTERS: Record<string, FilterFn> = {
  regex_search: filter('regex_search', REGEX_PARAMS, (v) => {
    const m = pyRegex(text(v['rgx']), flags(v)).search(text(v['txt']));
    return m ? pyTuple(PyRegex.groupsOf(m)) : null;
  }),
  regex_match: filter('regex_match', REGEX_PARAMS, (v) => {
    const m = pyRegex(text(v['rgx']), flags(v)).match(text(v['txt']));
    return m ? pyTuple(PyRegex.groupsOf(m)) : null;
  }),
  regex_replace: filter('regex_replace', ['txt', 'rgx', 'val', ['ignorecase', false], ['multiline', false]], (v) =>
    pyRegex(text(v['rgx']), flags(v)).sub(text(v['txt']), text(v['val'])),
  ),
  regex_escape: filter('regex_escape', ['value'], (v) => reEscape(text(v['value']))),
};

export const REGEX_TESTS: Record<string, TestFn> = {
  match: (value, args, kw, x) =>
    filter('test_match', REGEX_PARAMS, (v) => pyRegex(text(v['rgx']), flags(v)).match(text(v['txt'])) !== null)(value, args, kw, x) as boolean,
};
