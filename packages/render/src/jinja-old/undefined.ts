/**
 * Jinja's StrictUndefined, as Salt uses it: looking up a missing variable or key yields this sentinel instead of
 * JS `undefined`; printing it, iterating it, calling it, testing its truth or reading an attribute of it throws
 * an error naming the template and the line where the missing value was looked up.
 */
import * as nunjucks from 'nunjucks';

export class PyUndefined {
  constructor(
    /** What is missing, Jinja's wording: `'foo' is undefined`, `'dict object' has no attribute 'x'`. */
    readonly hint: string,
    readonly file: string | undefined,
    readonly line: number | undefined,
  ) {}
}

export function isUndef(v: unknown): v is PyUndefined {
  return v instanceof PyUndefined;
}

/** An error nunjucks keeps as-is (it has a lineno) and that the renderer maps to file:line exactly. */
export interface JinjaError extends Error {
  lineno?: number;
  brineFile?: string;
  brineLine?: number;
  brineMessage?: string;
}

export function jinjaError(message: string, file: string | undefined, line: number | undefined): JinjaError {
  const lib = (nunjucks as unknown as { lib: { TemplateError: new (m: string, l?: number, c?: number) => JinjaError } }).lib;
  const err = new lib.TemplateError(message, line ?? 1, 1);
  err.brineFile = file;
  err.brineLine = line;
  err.brineMessage = message;
  return err;
}

export function undefinedError(u: PyUndefined): JinjaError {
  return jinjaError(
    `jinja: ${u.hint} (define it, or guard it with \`is defined\`, \`| default(...)\` or \`.get(...)\`)`,
    u.file,
    u.line,
  );
}

/** Throw if `v` is the undefined sentinel; otherwise return it. */
export function strict<T>(v: T): Exclude<T, PyUndefined> {
  if (v instanceof PyUndefined) throw undefinedError(v);
  return v as Exclude<T, PyUndefined>;
}
