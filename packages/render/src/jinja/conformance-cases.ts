/**
 * Loader for the Jinja2 conformance corpus (packages/render/test-fixtures/jinja-conformance/*.cases),
 * read the same way by scripts/jinja-oracle.py, which renders every case with Python's Jinja2.
 *
 * Case format (UTF-8, '\n' line ends):
 *   Any text before the first '=== ' line is a free-form header.
 *   === case-name                  starts a case; names are unique across the whole corpus ([A-Za-z0-9][A-Za-z0-9._-]*)
 *   # note                         optional: blank lines and '#' lines before the first section are ignored
 *   --- options {json}             optional, one line: trim_blocks, lstrip_blocks, keep_trailing_newline,
 *                                  line_statement_prefix, line_comment_prefix (Python's option names)
 *   --- vars {json}                optional, one line: the render variables
 *   --- file NAME                  optional, repeatable: another template (for import/include/extends); its text
 *                                  runs up to the next '--- ' section line
 *   --- template                   last section: the template, registered and rendered as "main.j2"; its text
 *                                  runs up to the next '=== ' line or the end of the file
 * Texts are byte-exact: a body is its lines joined with '\n'; the line break just before the next marker
 * (or the end of the file) belongs to the marker, not to the text. So a template "x\n" is written as the
 * line "x" followed by one empty line; a template with no trailing newline is just its lines.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import type { JinjaOptions } from './engine';

export const CONFORMANCE_DIR = path.resolve(__dirname, '../../test-fixtures/jinja-conformance');
/** The name every case's template is rendered under (errors in it report this file). */
export const MAIN_TEMPLATE = 'main.j2';

export interface CaseOptions {
  trim_blocks?: boolean;
  lstrip_blocks?: boolean;
  keep_trailing_newline?: boolean;
  line_statement_prefix?: string | null;
  line_comment_prefix?: string | null;
}

export interface ConformanceCase {
  name: string;
  /** Corpus file (base name) the case comes from. */
  corpus: string;
  options: CaseOptions;
  vars: Record<string, unknown>;
  /** Extra templates by name, in order of appearance. */
  files: Record<string, string>;
  template: string;
}

const CASE_RE = /^=== ([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const SECTION_RE = /^--- (template|options (.*)|vars (.*)|file (\S+))$/;
const OPTION_KEYS = new Set(['trim_blocks', 'lstrip_blocks', 'keep_trailing_newline', 'line_statement_prefix', 'line_comment_prefix']);

export function parseCases(text: string, corpus: string): ConformanceCase[] {
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const cases: ConformanceCase[] = [];
  const fail = (i: number, msg: string): never => {
    throw new Error(`${corpus}:${i + 1}: ${msg}`);
  };
  let i = 0;
  while (i < lines.length && !CASE_RE.test(lines[i])) i++;
  while (i < lines.length) {
    const name = CASE_RE.exec(lines[i])![1];
    const c: ConformanceCase = { name, corpus, options: {}, vars: {}, files: {}, template: '' };
    i++;
    for (;;) {
      if (i >= lines.length || CASE_RE.test(lines[i])) fail(i, `case ${name}: no '--- template' section`);
      const m = SECTION_RE.exec(lines[i]);
      if (!m) {
        if (lines[i] === '' || lines[i].startsWith('#')) {
          i++;
          continue;
        }
        fail(i, `case ${name}: expected a '--- ' section, got ${JSON.stringify(lines[i])}`);
      }
      i++;
      if (m![2] !== undefined) {
        c.options = JSON.parse(m![2]) as CaseOptions;
        const bad = Object.keys(c.options).filter((k) => !OPTION_KEYS.has(k));
        if (bad.length) fail(i - 1, `case ${name}: unknown options ${bad.join(', ')}`);
      } else if (m![3] !== undefined) {
        c.vars = JSON.parse(m![3]) as Record<string, unknown>;
      } else {
        const last = m![1] === 'template';
        const body: string[] = [];
        while (i < lines.length && !CASE_RE.test(lines[i]) && (last || !SECTION_RE.test(lines[i]))) body.push(lines[i++]);
        if (last) {
          c.template = body.join('\n');
          break;
        }
        const fname = m![4];
        if (fname === MAIN_TEMPLATE || fname in c.files) fail(i, `case ${name}: duplicate file ${fname}`);
        c.files[fname] = body.join('\n');
      }
    }
    cases.push(c);
  }
  return cases;
}

/** Every case of the named corpus files (default: all *.cases of the corpus, sorted); names must be unique. */
export function loadCases(files?: string[]): ConformanceCase[] {
  const paths = files ?? fs.readdirSync(CONFORMANCE_DIR).filter((f) => f.endsWith('.cases')).sort().map((f) => path.join(CONFORMANCE_DIR, f));
  const seen = new Set<string>();
  const all: ConformanceCase[] = [];
  for (const p of paths) {
    for (const c of parseCases(fs.readFileSync(p, 'utf8'), path.basename(p))) {
      if (seen.has(c.name)) throw new Error(`${p}: duplicate case name ${c.name}`);
      seen.add(c.name);
      all.push(c);
    }
  }
  return all;
}

/** The digest the oracle reports for a case: sha256 of the template, then "\0name\0text" per extra file. */
export function caseDigest(c: ConformanceCase): string {
  const h = createHash('sha256').update(c.template, 'utf8');
  for (const [name, text] of Object.entries(c.files)) h.update(`\0${name}\0${text}`, 'utf8');
  return h.digest('hex');
}

/** JinjaEngine options for a case: its templates through `load`, Python option names mapped. */
export function engineOptions(c: ConformanceCase): JinjaOptions {
  const o = c.options;
  const opts: JinjaOptions = {
    load: (name) => (name === MAIN_TEMPLATE ? c.template : Object.prototype.hasOwnProperty.call(c.files, name) ? c.files[name] : null),
  };
  if (o.trim_blocks !== undefined) opts.trimBlocks = o.trim_blocks;
  if (o.lstrip_blocks !== undefined) opts.lstripBlocks = o.lstrip_blocks;
  if (o.keep_trailing_newline !== undefined) opts.keepTrailingNewline = o.keep_trailing_newline;
  if (o.line_statement_prefix !== undefined) opts.lineStatementPrefix = o.line_statement_prefix;
  if (o.line_comment_prefix !== undefined) opts.lineCommentPrefix = o.line_comment_prefix;
  return opts;
}
