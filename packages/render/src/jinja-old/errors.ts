/** Map whatever nunjucks throws to a RenderError naming the innermost template file and its 1-based line. */
import { RenderError } from '@brine/core';
import type { JinjaError } from './undefined';

interface NjError extends JinjaError {
  cause?: unknown;
}

/** `(file) [Line N, Column M]\n  ` and `Template render error: (file)\n  `: the wrappers nunjucks nests around a cause. */
const PREFIX = /^(?:Template render error: )?\(([^()\n]*)\)(?: \[Line (\d+)(?:, Column \d+)?\])?\n\s*/;

const lineOf = (source: string, index: number): number => source.slice(0, index).split('\n').length;
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Best effort for lexer errors (no position): the first `{{`/`{%`/`{#` that is never closed. */
function unclosedTagLine(source: string): number | undefined {
  const open = /\{\{|\{%|\{#/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(source))) {
    const close = m[0] === '{{' ? '}}' : m[0] === '{%' ? '%}' : '#}';
    const end = source.indexOf(close, m.index + 2);
    const next = source.slice(m.index + 2).search(/\{\{|\{%/);
    if (end === -1 || (m[0] !== '{#' && next !== -1 && m.index + 2 + next < end)) return lineOf(source, m.index);
  }
  return undefined;
}

const BLOCKS = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'raw', 'set']);

/** For "got end of file": the line of the last block tag (`{% if %}`, `{% for %}`...) that is never closed. */
function unclosedBlockLine(source: string): number | undefined {
  const stack: { tag: string; at: number }[] = [];
  const tag = /\{%-?\s*(\w+)([^%]*)%\}/g;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const word = m[1]!;
    if (word === 'set' && m[2]!.includes('=')) continue; // `{% set x = ... %}` has no end tag
    if (BLOCKS.has(word)) stack.push({ tag: word, at: m.index });
    else if (word.startsWith('end') && stack.length && stack[stack.length - 1]!.tag === word.slice(3)) stack.pop();
  }
  const last = stack[stack.length - 1];
  return last ? lineOf(source, last.at) : source.split('\n').length;
}

/** Errors nunjucks raises at compile time carry no position: find the construct the message names in the source. */
function lineFromMessage(msg: string, source: string): number | undefined {
  const find = (re: RegExp): number | undefined => {
    const m = re.exec(source);
    return m ? lineOf(source, m.index) : undefined;
  };
  let m: RegExpExecArray | null;
  if ((m = /filter not found: (\S+)/.exec(msg))) return find(new RegExp(`\\|\\s*${escapeRe(m[1]!)}\\b`));
  if ((m = /template not found: (\S+)/.exec(msg))) return find(new RegExp(escapeRe(m[1]!.replace(/^salt:\/\//, ''))));
  if ((m = /cannot import '([^']+)'/.exec(msg))) return find(new RegExp(`\\{%-?\\s*from\\s[^%]*\\b${escapeRe(m[1]!)}\\b`));
  if (/end of file/.test(msg)) return unclosedBlockLine(source);
  return unclosedTagLine(source);
}

export function toRenderError(e: unknown, file: string, source?: string): RenderError {
  for (let c: unknown = e; c; c = (c as NjError).cause) if (c instanceof RenderError) return c;
  const err = e as NjError;
  if (err && err.brineMessage !== undefined) return new RenderError(err.brineFile ?? file, err.brineLine, err.brineMessage, { cause: e });
  let msg = err instanceof Error ? err.message : String(e);
  let inner = file;
  let wrappedLine: number | undefined;
  for (let m = PREFIX.exec(msg); m; m = PREFIX.exec(msg)) {
    if (m[1] && m[1] !== 'unknown path') inner = m[1];
    wrappedLine = m[2] ? Number(m[2]) + 1 : undefined; // nunjucks counts from 0; the innermost wrapper wins
    msg = msg.slice(m[0].length);
  }
  msg = msg.replace(/^Error: /, '');
  let line: number | undefined;
  if (typeof err?.lineno === 'number') line = err.cause !== undefined ? err.lineno + 1 : err.lineno;
  else if (wrappedLine !== undefined) line = wrappedLine;
  // Position 0:0 is what nunjucks reports when it has none (compile-time errors): the message knows better.
  const unplaced = line === undefined || (err?.lineno === 0 && (err as { colno?: number }).colno === 0);
  if (unplaced && inner === file && source !== undefined) line = lineFromMessage(msg, source) ?? line;
  return new RenderError(inner, line, `jinja: ${msg} (fix the template at this line)`, { cause: e });
}
