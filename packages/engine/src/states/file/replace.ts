/**
 * file.replace (Salt 3006): `re.subn(pattern, repl, file, count)` over the whole file, with Python's `re`
 * semantics translated in ../pyre.ts; `append_if_not_found` / `prepend_if_not_found` add `not_found_content`
 * (default `repl`) when the pattern matched nothing and that content is not already a line of the file.
 * Changes: `{diff}`; the old file is kept as `<name><backup>` (`.bak` by default) when it changed.
 */
import { StateArgError, type LowChunk } from '@brine/core';
import { PyReError, pyEscape, pyFlags, pyRegExp, pySubn } from '../pyre';
import { absPath, optBool, optInt, type Args } from '../util';
import { editState, readText, type EditParams } from './edit';

export interface ReplaceParams extends EditParams {
  pattern: string;
  re: RegExp;
  flags: number;
  repl: string;
  count: number;
  append: boolean;
  prepend: boolean;
  notFoundContent?: string;
  backup?: string;
  ignoreIfMissing: boolean;
}

/** A scalar argument as the text Salt would see (`str(repl)`: 123 -> '123', True -> 'True'). */
export function pyStr(ref: string, args: Args, field: string, required: boolean): string | undefined {
  const v = args[field];
  if (v === undefined || v === null) {
    if (required) throw new StateArgError(ref, field, 'required');
    return undefined;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  throw new StateArgError(ref, field, `expected a string, got ${Array.isArray(v) ? 'a list' : typeof v}`);
}

/** `backup`: a suffix string, or false/'' for none. */
export function parseBackup(ref: string, args: Args, dflt: string | undefined): string | undefined {
  const v = args['backup'];
  if (v === undefined || v === null) return dflt;
  if (v === false || v === '') return undefined;
  if (typeof v === 'string') return v;
  throw new StateArgError(ref, 'backup', `expected a suffix such as '.bak' or False, got ${JSON.stringify(v)}`);
}

export function compile(ref: string, field: string, pattern: string, flags: number): RegExp {
  try {
    return pyRegExp(pattern, flags);
  } catch (e) {
    if (e instanceof PyReError) throw new StateArgError(ref, field, e.message);
    throw e;
  }
}

/** True when `re` matches somewhere in `text` (lastIndex left at 0). */
export function searches(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  const r = re.test(text);
  re.lastIndex = 0;
  return r;
}

export function replaceText(p: ReplaceParams, text: string): string {
  const { text: result, n } = pySubn(p.re, p.repl, text, p.count);
  let found = n > 0;
  if (!p.append && !p.prepend) return result;
  const content = p.notFoundContent ?? p.repl;
  // Already added by an earlier run: the content is a whole line of the file.
  if (!found && searches(pyRegExp(`^${pyEscape(content)}($|(?=\r\n))`, p.flags), text)) found = true;
  if (found) return result;
  if (p.prepend) return `${content}\n${result}`;
  return `${result === '' || result.endsWith('\n') ? result : `${result}\n`}${content}\n`;
}

export const replace = editState<ReplaceParams>({
  parse(ref: string, args: Args, chunk: LowChunk): ReplaceParams {
    const pattern = pyStr(ref, args, 'pattern', true)!;
    let repl = pyStr(ref, args, 'repl', true)!;
    let flags: number;
    try {
      flags = pyFlags(args['flags']);
    } catch (e) {
      throw new StateArgError(ref, 'flags', (e as Error).message.replace(/^flags: /, ''));
    }
    const append = optBool(ref, args, 'append_if_not_found') ?? false;
    const prepend = optBool(ref, args, 'prepend_if_not_found') ?? false;
    if (append && prepend) throw new StateArgError(ref, 'prepend_if_not_found', 'Only one of append and prepend_if_not_found is permitted');
    if (args['search_only']) throw new StateArgError(ref, 'search_only', 'not supported in the state (use the file.search function)');
    if (optBool(ref, args, 'backslash_literal')) repl = repl.replace(/\\/g, '\\\\');
    const re = compile(ref, 'pattern', pattern, flags);
    try {
      pySubn(re, repl, '', 0); // validates the replacement template now, not mid-run
    } catch (e) {
      throw new StateArgError(ref, 'repl', (e as Error).message);
    }
    return {
      name: absPath(ref, 'name', chunk.name),
      pattern,
      re,
      flags,
      repl,
      count: optInt(ref, args, 'count') ?? 0,
      append,
      prepend,
      notFoundContent: pyStr(ref, args, 'not_found_content', false),
      backup: parseBackup(ref, args, '.bak'),
      ignoreIfMissing: optBool(ref, args, 'ignore_if_missing') ?? false,
    };
  },
  async plan(p, ctx) {
    const { target, text } = await readText(ctx.host, p.name);
    if (text === null) {
      if (p.ignoreIfMissing) return null;
      throw new Error(`${p.name}: file not found`);
    }
    return { target, old: text, next: replaceText(p, text) };
  },
  backupPath: (p, target) => (p.backup ? `${target}${p.backup}` : undefined),
  // A substitution is applied once per run, as Salt applies it: with `count` (or a `repl` the pattern matches again)
  // the next run changes the file again, and that is not a failure (Salt returns True).
  recheck: false,
  okComment: () => 'No changes needed to be made',
  testComment: () => 'Changes would have been made',
  doneComment: () => 'Changes were made',
});
