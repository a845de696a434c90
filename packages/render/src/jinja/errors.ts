/**
 * Every error a render raises. The engine fills in `file` and `line` (the innermost template and its 1-based line)
 * where the error surfaces; `kind` follows Jinja2's exception classes.
 */
export type TemplateErrorKind = 'syntax' | 'undefined' | 'type' | 'security' | 'runtime' | 'notfound';

export class TemplateError extends Error {
  file: string | undefined;
  line: number | undefined;
  constructor(
    message: string,
    readonly kind: TemplateErrorKind = 'runtime',
    file?: string,
    line?: number,
  ) {
    super(message);
    this.file = file;
    this.line = line;
  }
  /** Set where the error happened, unless an inner template already did. */
  locate(file: string, line: number | undefined): this {
    if (this.file === undefined) {
      this.file = file;
      this.line = line;
    }
    return this;
  }
}

/** Control flow of `{% break %}` / `{% continue %}` (never escapes a loop: the parser refuses them outside one). */
export class LoopSignal {
  constructor(readonly brk: boolean) {}
}
