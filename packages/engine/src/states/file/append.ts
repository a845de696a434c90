/**
 * file.append (Salt 3006): add each `text` item (or the rendered `source`) unless the file already holds it.
 * With `ignore_whitespace` (default) an item is present when its words appear in order, whatever the
 * whitespace between them (Salt's `build_whitespace_split_regex`; words are split on whitespace, not with
 * shlex's quoting); without it the item itself is searched as a regular expression. A missing file is created
 * (its directory too with `makedirs`). Changes: `{diff}` in difflib's line-list form, as Salt reports it.
 */
import * as path from 'path';
import { StateArgError, type LowChunk } from '@brine/core';
import type { CheckContext, HostWriter } from '../../types';
import { pyEscape } from '../pyre';
import { absPath, describe, optBool, optDict, optStr, optStrList, type Args } from '../util';
import { unifiedDiffItems } from './difflib';
import { editState, readText, type EditParams } from './edit';
import { compile, searches } from './replace';

export interface AppendParams extends EditParams {
  text: string[];
  source?: string[];
  template?: string;
  context: Record<string, unknown>;
  makedirs: boolean;
  ignoreWhitespace: boolean;
  /** Lines the last plan appends (for the comment). */
  added?: number;
}

export function whitespaceRegex(chunk: string): string {
  let re = '';
  for (const line of chunk.split(/\r\n|\n|\r/)) {
    const parts = line.split(/\s+/).filter(Boolean).map(pyEscape);
    re += `(?:[\\s]+)?${parts.join('(?:[\\s]+)?')}(?:[\\s]+)?`;
  }
  return `(?m)^${re}$`;
}

/** `"\n".join(difflib.unified_diff(a, b))` over lines without their newlines. */
export function difflibJoin(a: string[], b: string[]): string {
  return unifiedDiffItems(a, b).join('\n');
}

export const splitLines = (t: string): string[] => (t === '' ? [] : t.replace(/(\r\n|\n|\r)$/, '').split(/\r\n|\n|\r/));

export function items(p: AppendParams, ctx: CheckContext): string[] {
  if (!p.source) return p.text;
  const got = ctx.files.fetch(p.source);
  if (!got) throw new Error(`Source file ${p.source.join(', ')} not found`);
  const t = got.data.toString('utf8');
  return [p.template === 'jinja' ? ctx.template.render(t, got.url, p.context) : t];
}

/** `text` (or `source`/`sources`, a Jinja template by default as in Salt), `makedirs`, `ignore_whitespace`. */
export function parseTextEdit(ref: string, args: Args, chunk: LowChunk): AppendParams {
    const raw = args['text'];
    const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
    const text = list.map((x, i) => {
      if (typeof x === 'string') return x;
      if (typeof x === 'number' || typeof x === 'boolean') return typeof x === 'boolean' ? (x ? 'True' : 'False') : String(x);
      throw new StateArgError(ref, 'text', `item ${i}: expected a string, got ${describe(x)}`);
    });
    const source = optStrList(ref, args, 'source') ?? optStrList(ref, args, 'sources');
    if (!text.length && !source) throw new StateArgError(ref, 'text', 'No text found to append. Nothing appended');
    const template = optStr(ref, args, 'template') ?? 'jinja';
    if (template !== undefined && template !== 'jinja') throw new StateArgError(ref, 'template', `unsupported template engine ${JSON.stringify(template)} (only jinja)`);
    const ignoreWhitespace = optBool(ref, args, 'ignore_whitespace') ?? true;
    if (!ignoreWhitespace) for (const t of text) compile(ref, 'text', t, 8);
    return {
      name: absPath(ref, 'name', chunk.name),
      text,
      source,
      template,
      context: { ...(optDict(ref, args, 'defaults') ?? {}), ...(optDict(ref, args, 'context') ?? {}) },
      makedirs: optBool(ref, args, 'makedirs') ?? false,
      ignoreWhitespace,
    };
}

/** Before the write: the file's directory, with `makedirs`. */
export async function makeParent(p: AppendParams, host: HostWriter): Promise<void> {
  const dir = path.dirname(p.name);
  if (await host.stat(dir)) return;
  if (!p.makedirs) throw new Error(`Directory ${dir} does not exist (set makedirs: True)`);
  await host.mkdir(dir, { recursive: true });
}

export const append = editState<AppendParams>({
  parse: parseTextEdit,
  async plan(p, ctx) {
    const { target, text } = await readText(ctx.host, p.name);
    const old = text ?? '';
    const add: string[] = [];
    for (const chunk of items(p, ctx)) {
      const re = compile(`file.append ${p.name}`, 'text', p.ignoreWhitespace ? whitespaceRegex(chunk) : chunk, 8);
      if (searches(re, old)) continue;
      add.push(...splitLines(chunk));
    }
    p.added = add.length;
    if (!add.length) return { target, old, next: old, creates: text === null };
    const base = old === '' || /[\r\n]$/.test(old) ? old : `${old}\n`;
    return { target, old, next: base + add.map((l) => `${l}\n`).join(''), creates: text === null };
  },
  diff: (a, b) => difflibJoin(splitLines(a), splitLines(b)),
  prepare: (p, _plan, host) => makeParent(p, host),
  okComment: (p) => `File ${p.name} is in correct state`,
  testComment: (p) => `File ${p.name} is set to be updated`,
  doneComment: (p) => `Appended ${p.added ?? 0} lines`,
});
