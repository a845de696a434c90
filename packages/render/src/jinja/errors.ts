/** Map whatever nunjucks throws to a RenderError naming the innermost template file and its 1-based line. */
import { RenderError } from '@brine/core';
import type { JinjaError } from './undefined';

interface NjError extends JinjaError {
  cause?: unknown;
}

const PREFIX = /^\(([^()\n]*)\)(?: \[Line \d+(?:, Column \d+)?\])?\n\s*/;

/** Best effort for lexer errors (no position): the first `{{`/`{%`/`{#` that is never closed. */
function unclosedTagLine(source: string): number | undefined {
  const open = /\{\{|\{%|\{#/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(source))) {
    const close = m[0] === '{{' ? '}}' : m[0] === '{%' ? '%}' : '#}';
    const end = source.indexOf(close, m.index + 2);
    const next = source.slice(m.index + 2).search(/\{\{|\{%/);
    if (end === -1 || (m[0] !== '{#' && next !== -1 && m.index + 2 + next < end)) {
      return source.slice(0, m.index).split('\n').length;
    }
  }
  return undefined;
}

export function toRenderError(e: unknown, file: string, source?: string): RenderError {
  for (let c: unknown = e; c; c = (c as NjError).cause) if (c instanceof RenderError) return c;
  const err = e as NjError;
  if (err && err.brineMessage !== undefined) return new RenderError(err.brineFile ?? file, err.brineLine, err.brineMessage, { cause: e });
  let msg = err instanceof Error ? err.message : String(e);
  let inner = file;
  for (let m = PREFIX.exec(msg); m; m = PREFIX.exec(msg)) {
    if (m[1] && m[1] !== 'unknown path') inner = m[1];
    msg = msg.slice(m[0].length);
  }
  msg = msg.replace(/^Error: /, '');
  let line: number | undefined;
  if (typeof err?.lineno === 'number') line = err.cause !== undefined ? err.lineno + 1 : err.lineno;
  if (line === undefined && inner === file && source !== undefined) {
    const missing = /template not found: (\S+)/.exec(msg)?.[1];
    const at = missing ? source.indexOf(missing.replace(/^salt:\/\//, '')) : -1;
    line = at !== -1 ? source.slice(0, at).split('\n').length : unclosedTagLine(source);
  }
  return new RenderError(inner, line, `jinja: ${msg} (fix the template at this line)`, { cause: e });
}
