/**
 * file.prepend (Salt 3006): put each `text` item (or the rendered `source`) at the top of the file unless the file
 * already holds it (its words in order, whatever the whitespace, as file.append looks); with `header: True` the
 * items are the file's head instead, and are written again when the head differs. A missing file is created.
 * Changes: Salt's `{diff}`.
 */
import { deepEqual, type LowChunk } from '@brine/core';
import { optBool, type Args } from '../util';
import { items, makeParent, parseTextEdit, splitLines, whitespaceRegex, type AppendParams } from './append';
import { editState, linesKeepEnds, readText } from './edit';
import { compile, searches } from './replace';

export interface PrependParams extends AppendParams {
  header: boolean;
}

export const prepend = editState<PrependParams>({
  parse(ref: string, args: Args, chunk: LowChunk): PrependParams {
    return { ...parseTextEdit(ref, { ...args, ignore_whitespace: true }, chunk), header: optBool(ref, args, 'header') ?? false };
  },
  async plan(p, ctx) {
    const { target, text } = await readText(ctx.host, p.name);
    const old = text ?? '';
    let add: string[] = [];
    for (const chunk of items(p, ctx)) {
      if (!p.header && searches(compile(`file.prepend ${p.name}`, 'text', whitespaceRegex(chunk), 8), old)) continue;
      add.push(...splitLines(chunk));
    }
    if (p.header && deepEqual(linesKeepEnds(old).slice(0, add.length).flatMap(splitLines), add)) add = [];
    p.added = add.length;
    return { target, old, next: add.length ? add.map((l) => `${l}\n`).join('') + old : old, creates: text === null };
  },
  prepare: (p, _plan, host) => makeParent(p, host),
  okComment: (p) => `File ${p.name} is in correct state`,
  testComment: (p) => `File ${p.name} is set to be updated`,
  doneComment: (p) => `Prepended ${p.added ?? 0} lines`,
});
