/**
 * file.blockreplace (Salt 3006): the lines between `marker_start` and `marker_end` become `content` (or the
 * rendered `source`); when the markers are missing, `append_if_not_found` / `prepend_if_not_found` /
 * `insert_before_match` / `insert_after_match` add the whole block, otherwise the state fails. The marker lines
 * themselves are kept as found. Changes: `{diff}`; the old file is kept as `<name><backup>` (`.bak`).
 * Lines collected by file.accumulated states for this file are added to `content`, as Salt does.
 */
import { StateArgError, type LowChunk } from '@brine/core';
import type { CheckContext } from '../../types';
import { absPath, optBool, optDict, optStr, optStrList, type Args } from '../util';
import { accumulatedLines } from './accumulated';
import { editState, linesKeepEnds, readText, type EditParams } from './edit';
import { compile, parseBackup, pyStr, searches } from './replace';

export interface BlockParams extends EditParams {
  markerStart: string;
  markerEnd: string;
  content: string;
  source?: string[];
  template?: string;
  context: Record<string, unknown>;
  append: boolean;
  prepend: boolean;
  beforeMatch?: RegExp;
  afterMatch?: RegExp;
  appendNewline?: boolean;
  backup?: string;
}

export function blockText(p: BlockParams, content: string, text: string): string {
  const appendNewline = p.appendNewline ?? (!content.endsWith('\n') ? true : undefined);
  const split = content.split('\r\n').flatMap((l) => l.split('\n'));
  const lines: string[] = linesKeepEnds(text);
  const first = lines[0];
  const sep = first === undefined ? '\n' : first.endsWith('\r\n') ? '\r\n' : first.endsWith('\n') ? '\n' : '\n';
  const block = (withStart: boolean, endLine = p.markerEnd): string[] => {
    const out: string[] = withStart ? [p.markerStart + sep] : [];
    const end = endLine.replace(/[\r\n]+$/, '') + sep;
    split.forEach((l, i) => {
      if (i + 1 < split.length) out.push(l + sep);
      else if (appendNewline) out.push(l + sep, end);
      else out.push(l + end);
    });
    if (!split.length) out.push(end);
    return out;
  };
  let out: string[] = [];
  let inBlock = false;
  let found = false;
  for (const line of lines) {
    if (line.includes(p.markerStart)) {
      inBlock = true;
      out.push(line);
      continue;
    }
    if (!inBlock) {
      out.push(line);
      continue;
    }
    const pos = line.indexOf(p.markerEnd);
    if (pos !== -1) {
      inBlock = false;
      found = true;
      out.push(...block(false, line.slice(pos)));
    }
  }
  if (inBlock) throw new Error('Unterminated marked block. End of file reached before marker_end.');
  if (!found) {
    if (p.prepend) out = [...block(true), ...out];
    else if (p.append) {
      if (out.length && !out[out.length - 1].endsWith(sep)) out[out.length - 1] += sep;
      out.push(...block(true));
    } else if (p.beforeMatch || p.afterMatch) {
      const re = (p.beforeMatch ?? p.afterMatch)!;
      const idx = lines.findIndex((l) => searches(re, l));
      if (idx === -1) throw new Error('Cannot edit marked block. Markers were not found in file.');
      out.splice(p.afterMatch ? idx + 1 : idx, 0, ...block(true));
    } else throw new Error('Cannot edit marked block. Markers were not found in file.');
  }
  return out.join('');
}

function contentOf(p: BlockParams, ctx: CheckContext): string {
  let content = p.content;
  for (const line of accumulatedLines(ctx, p.name, ctx.chunk)) content = content === '' ? line : `${content}\n${line}`;
  if (!p.source) return content;
  const got = ctx.files.fetch(p.source);
  if (!got) throw new Error(`Source file ${p.source.join(', ')} not found`);
  const text = got.data.toString('utf8');
  return content + (p.template === 'jinja' ? ctx.template.render(text, got.url, p.context) : text);
}

export const blockreplace = editState<BlockParams>({
  parse(ref: string, args: Args, chunk: LowChunk): BlockParams {
    const append = optBool(ref, args, 'append_if_not_found') ?? false;
    const prepend = optBool(ref, args, 'prepend_if_not_found') ?? false;
    const before = pyStr(ref, args, 'insert_before_match', false);
    const after = pyStr(ref, args, 'insert_after_match', false);
    if ([append, prepend, before !== undefined, after !== undefined].filter(Boolean).length > 1) {
      throw new StateArgError(ref, 'append_if_not_found', 'Only one of append_if_not_found, prepend_if_not_found, insert_before_match, and insert_after_match is permitted');
    }
    const template = optStr(ref, args, 'template') ?? 'jinja';
    if (template !== 'jinja' && template !== '') throw new StateArgError(ref, 'template', `unsupported template engine ${JSON.stringify(template)} (only jinja)`);
    const markerStart = pyStr(ref, args, 'marker_start', false) ?? '#-- start managed zone --';
    const markerEnd = pyStr(ref, args, 'marker_end', false) ?? '#-- end managed zone --';
    if (!markerStart.trim() || !markerEnd.trim()) throw new StateArgError(ref, 'marker_start', 'markers must not be empty');
    if (args['source_hash'] !== undefined) throw new StateArgError(ref, 'source_hash', 'only salt:// and local sources are supported (no http/ftp), so source_hash does not apply');
    const source = optStrList(ref, args, 'source') ?? optStrList(ref, args, 'sources');
    return {
      name: absPath(ref, 'name', chunk.name),
      markerStart: markerStart.replace(/[\r\n]+$/, ''),
      markerEnd: markerEnd.replace(/[\r\n]+$/, ''),
      content: pyStr(ref, args, 'content', false) ?? '',
      source,
      template: template || undefined,
      context: { ...(optDict(ref, args, 'defaults') ?? {}), ...(optDict(ref, args, 'context') ?? {}) },
      append,
      prepend,
      beforeMatch: before === undefined ? undefined : compile(ref, 'insert_before_match', before, 0),
      afterMatch: after === undefined ? undefined : compile(ref, 'insert_after_match', after, 0),
      appendNewline: optBool(ref, args, 'append_newline'),
      backup: parseBackup(ref, args, '.bak'),
    };
  },
  async plan(p, ctx) {
    const { target, text } = await readText(ctx.host, p.name);
    if (text === null) throw new Error(`${p.name}: file not found`);
    try {
      return { target, old: text, next: blockText(p, contentOf(p, ctx), text) };
    } catch (e) {
      throw new Error(`Encountered error managing block: ${(e as Error).message}`);
    }
  },
  backupPath: (p, target) => (p.backup ? `${target}${p.backup}` : undefined),
  okComment: () => 'No changes needed to be made',
  testComment: () => 'Changes would be made',
  doneComment: () => 'Changes were made',
});
