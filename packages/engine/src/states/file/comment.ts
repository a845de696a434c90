/**
 * file.comment / file.uncomment (Salt 3006): put `char` (default `#`) in front of each line that starts with
 * `regex`, or take the leading `char`s off each commented one (`file.comment_line`); a `.bak` backup by default.
 * As in Salt, a pattern found only commented (or only uncommented) is already in the correct state, and one found
 * neither way fails the state (file.comment with `ignore_missing` passes). Changes: Salt's `{diff}`.
 */
import { StateArgError, type LowChunk } from '@brine/core';
import { PY_FLAGS, PyReError, pyRegExp } from '../pyre';
import { absPath, optBool, type Args } from '../util';
import { editState, linesKeepEnds, readText, type EditParams } from './edit';
import { parseBackup, pyStr, searches } from './replace';

export interface CommentParams extends EditParams {
  regex: string;
  char: string;
  backup?: string;
  ignoreMissing: boolean;
}

function re(ref: string, pattern: string, flags = 0): RegExp {
  try {
    return pyRegExp(pattern, flags);
  } catch (e) {
    if (e instanceof PyReError) throw new StateArgError(ref, 'regex', e.message);
    throw e;
  }
}

const found = (ref: string, pattern: string, text: string) => searches(re(ref, pattern, PY_FLAGS['MULTILINE']), text);

/** file.comment_line over `text`: each line `re.match`ed by the built pattern gets `char` added or stripped. */
function commentLines(ref: string, p: CommentParams, text: string, comment: boolean): string {
  const body = p.regex.replace(/^\^+/, '').replace(/\$+$/, '');
  const end = p.regex.endsWith('$') ? '$' : '';
  const pattern = comment ? `^(${body})${end}` : `^${p.char}\\s*(${body})${end}`;
  const r = re(ref, pattern);
  return linesKeepEnds(text)
    .map((line) => {
      r.lastIndex = 0;
      if (!r.test(line)) return line;
      if (comment) return `${p.char}${line}`;
      let i = 0;
      while (line.startsWith(p.char, i) && p.char !== '') i += p.char.length;
      return line.slice(i);
    })
    .join('');
}

function parse(ref: string, args: Args, chunk: LowChunk): CommentParams {
  return {
    name: absPath(ref, 'name', chunk.name),
    regex: pyStr(ref, args, 'regex', true)!,
    char: pyStr(ref, args, 'char', false) ?? '#',
    backup: parseBackup(ref, args, '.bak'),
    ignoreMissing: optBool(ref, args, 'ignore_missing') ?? false,
  };
}

async function fileText(p: CommentParams, host: Parameters<typeof readText>[0]) {
  const { target, text } = await readText(host, p.name);
  if (text === null) throw new Error(`${p.name}: file not found`);
  return { target, text };
}

export const comment = editState<CommentParams>({
  parse,
  async plan(p, ctx) {
    const ref = `file.comment:${ctx.chunk.id}`;
    const { target, text } = await fileText(p, ctx.host);
    // Salt drops inline flags, ^ and $ to search for the pattern commented and not.
    const unanchored = p.regex.replace(/^(\(\?[iLmsux]\))?\^?(.*?)\$?$/s, '$2');
    if (!found(ref, `^(?!\\s*${p.char}).*${unanchored}`, text)) {
      if (found(ref, `${p.char}${unanchored}`, text) || p.ignoreMissing) return null;
      throw new Error(`${unanchored}: Pattern not found`);
    }
    return { target, old: text, next: commentLines(ref, p, text, true) };
  },
  backupPath: (p, target) => (p.backup ? `${target}${p.backup}` : undefined),
  okComment: () => 'Pattern already commented',
  testComment: (p) => `File ${p.name} is set to be updated`,
  doneComment: () => 'Commented lines successfully',
});

export const uncomment = editState<CommentParams>({
  parse,
  async plan(p, ctx) {
    const ref = `file.uncomment:${ctx.chunk.id}`;
    const { target, text } = await fileText(p, ctx.host);
    const body = p.regex.replace(/^\^+/, '');
    if (!found(ref, `${p.char}[ \\t]*${body}`, text)) {
      if (found(ref, `^[ \\t]*${body}`, text)) return null;
      throw new Error(`${p.regex}: Pattern not found`);
    }
    return { target, old: text, next: commentLines(ref, p, text, false) };
  },
  backupPath: (p, target) => (p.backup ? `${target}${p.backup}` : undefined),
  okComment: () => 'Pattern already uncommented',
  testComment: (p) => `File ${p.name} is set to be updated`,
  doneComment: () => 'Uncommented lines successfully',
});
