/**
 * file.line (Salt 3006): one line at a time, `mode` replace | insert | delete | ensure, placed by `location`
 * (start/end) or `before` / `after` (each a regex or a plain fragment that must match exactly one line), with
 * the neighbour's indentation unless `indent: False`. Changes: `{diff}`.
 *
 * Deliberate differences from Salt 3006.1, where its own result does not converge (each run edits again):
 * - `insert` with `location` does nothing when that first/last line already is `content`, and `end` adds
 *   `content` plus a newline (Salt adds a blank line and no final newline);
 * - a line that already equals `content` is never taken as the `before`/`after` anchor, so
 *   `after: two` with `content: two-b` converges instead of failing on its second run.
 */
import { StateArgError, type LowChunk } from '@brine/core';
import { absPath, optBool, optStr, type Args } from '../util';
import { editState, linesKeepEnds, readText, timeStamp, type EditParams } from './edit';
import { compile, pyStr, searches } from './replace';

type Mode = 'replace' | 'insert' | 'delete' | 'ensure';

export interface LineParams extends EditParams {
  mode: Mode;
  content?: string;
  match?: string;
  location?: 'start' | 'end';
  before?: string;
  after?: string;
  indent: boolean;
  backup: boolean;
  create: boolean;
}

const eolOf = (line: string): string => /(\r\n|\n|\r)$/.exec(line)?.[1] ?? '';
/** A line's text for the "already there" checks: no line ending, no surrounding whitespace (indent may differ). */
const strip = (line: string): string => line.trim();

function withIndent(src: string | undefined, line: string, indent: boolean): string {
  if (!indent || src === undefined) return line;
  const lead = /^[ \t]*/.exec(src)![0];
  return lead + line.replace(/^\s+/, '');
}

function withEol(src: string | undefined, line: string): string {
  return line.replace(/\s+$/, '') + (eolOf(src ?? '') || '\n');
}

/** Salt's `_regex_to_static`: the lines matching `expr` as a regex (DOTALL) or containing it literally. */
function matching(ref: string, field: string, lines: string[], expr: string | undefined, content?: string): string[] | null {
  if (!lines.length || !expr) return null;
  const re = compile(ref, field, expr, 16);
  return lines.filter((l) => (searches(re, l) || l.includes(expr)) && (content === undefined || strip(l) !== content.trim()));
}

function one(probe: string[], what: string): string {
  if (probe.length !== 1) throw new Error(`Found ${probe.length > 1 ? 'more than' : 'no'} expected occurrences in "${what}" expression`);
  return probe[0];
}

export function setLine(p: LineParams, ref: string, lines: string[]): string[] {
  const content = p.content ?? '';
  const match = !p.match && p.before === undefined && p.after === undefined ? p.content : p.match;
  const anchors = p.mode === 'insert' || p.mode === 'ensure' ? content : undefined;
  const after = matching(ref, 'after', lines, p.after, anchors);
  const before = matching(ref, 'before', lines, p.before, anchors);
  const found = matching(ref, 'match', lines, match);
  lines = [...lines];
  const at = (i: number) => lines[i < 0 ? lines.length + i : i];
  if (!lines.length && (p.mode === 'delete' || p.mode === 'replace')) return [];
  if (p.mode === 'delete') return found?.length ? lines.filter((l) => l !== found[0]) : lines;
  if (p.mode === 'replace') {
    if (found?.length) {
      const i = lines.indexOf(found[0]);
      lines[i] = withIndent(lines[i], content, p.indent);
    }
    return lines;
  }
  if (p.mode === 'insert') {
    if (p.location) {
      const real = lines.filter((l, i) => !(i === lines.length - 1 && l === ''));
      if (p.location === 'start') {
        if (real.length && strip(real[0]) === content.trim()) return lines;
        return real.length ? [withEol(lines[0], content), ...lines] : [`${content}\n`];
      }
      if (real.length && strip(real[real.length - 1]) === content.trim()) return lines;
      const last = real[real.length - 1];
      // The file's own final-newline style: one that ends without a newline (or is empty) still does, as in Salt.
      // (Salt 3006.1 also puts a blank line before the content of a file that ends with one; Brine does not.)
      const eol = last !== undefined && eolOf(last) ? '\n' : '';
      return [...real.slice(0, -1), ...(last === undefined ? [] : [last + (eolOf(last) ? '' : '\n')]), withIndent(last, content, p.indent) + eol];
    }
    if (before?.length && after?.length) {
      one(before, 'before');
      one(after, 'after');
      const last = lines.indexOf(before[0]);
      if (last > 0 && strip(lines[last - 1]) === strip(content)) return lines;
      lines.splice(last, 0, withIndent(lines[last], content, p.indent));
    } else if (after?.length) {
      const i = lines.indexOf(one(after, 'after'));
      const next = lines[i + 1];
      if (next === undefined || strip(next) !== strip(content)) lines.splice(i + 1, 0, withIndent(lines[i], content, p.indent));
    } else if (before?.length) {
      const i = lines.indexOf(one(before, 'before'));
      if (strip(at(i - 1) ?? '') !== strip(content)) lines.splice(i, 0, withIndent(lines[i], content, p.indent));
    } else throw new Error('Neither before or after was found in file');
    return lines;
  }
  // ensure
  if (before?.length && after?.length) {
    const ai = lines.indexOf(one(after, 'after'));
    const bi = lines.indexOf(one(before, 'before'));
    if (lines.some((l) => l.replace(/^\s+/, '') === content)) return lines;
    if (ai + 1 === bi) lines.splice(ai + 1, 0, withIndent(lines[ai], content, p.indent));
    else if (ai + 2 === bi) lines[ai + 1] = withIndent(lines[ai], content, p.indent);
    else throw new Error('Found more than one line between boundaries "before" and "after".');
  } else if (before?.length) {
    const bi = lines.indexOf(one(before, 'before'));
    if (bi === 0 || strip(lines[bi - 1]) !== strip(content)) lines.splice(bi, 0, withIndent(at(bi - 1), content, p.indent));
  } else if (after?.length) {
    const ai = lines.indexOf(one(after, 'after'));
    if (ai + 1 >= lines.length || strip(lines[ai + 1]) !== strip(content)) lines.splice(ai + 1, 0, withIndent(lines[ai], content, p.indent));
  } else if (p.before !== undefined || p.after !== undefined) {
    throw new Error(`Found no expected occurrences in "${p.after !== undefined ? 'after' : 'before'}" expression`);
  } else throw new Error('Wrong conditions? Unable to ensure line without knowing where to put it before and/or after.');
  return lines;
}

/** The whole edit on a file's text, with Salt's end-of-line bookkeeping. */
export function lineText(p: LineParams, ref: string, text: string): string {
  let body: string[] = linesKeepEnds(text);
  if (body.length && eolOf(body[body.length - 1])) body.push('');
  body = setLine(p, ref, body);
  for (let i = 0; i < body.length; i++) {
    if (!eolOf(body[i]) && i + 1 < body.length) body[i] = withEol(body[i <= 1 ? 1 : i - 1], body[i]);
  }
  if (body[body.length - 1] === '') body.pop();
  return body.join('');
}

export const line = editState<LineParams>({
  parse(ref: string, args: Args, chunk: LowChunk): LineParams {
    const mode = optStr(ref, args, 'mode')?.toLowerCase();
    if (mode === undefined) throw new StateArgError(ref, 'mode', 'Mode was not defined. How to process the file?');
    if (!['replace', 'insert', 'delete', 'ensure'].includes(mode)) throw new StateArgError(ref, 'mode', `Unknown mode: "${mode}" (replace, insert, delete or ensure)`);
    const content = pyStr(ref, args, 'content', false);
    if (mode !== 'delete' && content === undefined) throw new StateArgError(ref, 'content', 'Content can only be empty if mode is delete');
    const location = optStr(ref, args, 'location');
    if (location !== undefined && location !== 'start' && location !== 'end') throw new StateArgError(ref, 'location', `expected start or end, got ${JSON.stringify(location)}`);
    const p: LineParams = {
      name: absPath(ref, 'name', chunk.name),
      mode: mode as Mode,
      content,
      match: pyStr(ref, args, 'match', false),
      location: location as LineParams['location'],
      before: pyStr(ref, args, 'before', false),
      after: pyStr(ref, args, 'after', false),
      indent: optBool(ref, args, 'indent') ?? true,
      backup: optBool(ref, args, 'backup') ?? false,
      create: optBool(ref, args, 'create') ?? false,
    };
    if (p.mode === 'insert' && !p.location && p.before === undefined && p.after === undefined) {
      throw new StateArgError(ref, 'mode', 'On insert either "location" or "before/after" conditions are required.');
    }
    for (const f of ['match', 'before', 'after'] as const) if (p[f] !== undefined) compile(ref, f, p[f]!, 16);
    return p;
  },
  async plan(p, ctx) {
    const { target, text } = await readText(ctx.host, p.name);
    if (text === null && !p.create) throw new Error(`${p.name}: file not found`);
    const old = text ?? '';
    return { target, old, next: lineText(p, `file.line ${p.name}`, old), creates: text === null };
  },
  backupPath: (p, target) => (p.backup ? `${target}.${timeStamp()}` : undefined),
  okComment: () => 'No changes needed to be made',
  testComment: () => 'Changes would be made',
  doneComment: () => 'Changes were made',
});
