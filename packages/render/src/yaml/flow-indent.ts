/**
 * PyYAML ignores indentation inside flow collections and multi-line quoted scalars: a `{...}`, `[...]` or quoted
 * scalar that continues on lines indented no deeper than the block it sits in still loads. Salt templates produce
 * exactly that: `    map: {{ data | yaml }}` where PyYAML's flow output wraps at 80 columns with continuation lines
 * at column 2 or 4, or `- contents: {{ "text\n" | yaml }}`, a single-quoted scalar whose closing line is `  '`. The
 * `yaml` package refuses such lines. relaxFlowIndent re-indents them one column deeper than the bracket or quote that
 * opened the construct: a continuation line's leading white space is never content there (line folding drops it),
 * so the data does not change, and the line count is kept, so line numbers do not either. Used only to retry text
 * the `yaml` package rejected.
 */

const isBlank = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t';

/**
 * The text with under-indented flow continuation lines re-indented, or null when no line needed it. `quotedTabs`:
 * re-indent only the continuation lines of quoted scalars whose leading white space has a tab (PyYAML folds it away;
 * the `yaml` package ends the scalar there), and nothing else: tabs between flow tokens stay, for the tab check.
 */
export function relaxFlowIndent(text: string, quotedTabs = false): string | null {
  const lines = text.split('\n');
  let depth = 0; // flow nesting at the current position
  let quote: string | null = null; // open quoted scalar
  let flowParent = 0; // column where the outermost flow collection (or a block context quoted scalar) opened
  let blockScalarParent = -1; // >= 0: inside a block scalar whose parent line has this indent
  let flowNodeStart = false; // inside a flow collection: where a node starts (a quote there opens a quoted scalar)
  let afterQuoted = false; // the last thing read in a flow collection was a quoted scalar
  let changed = false;

  for (let li = 0; li < lines.length; li++) {
    let line = lines[li]!;
    const indent = line.length - line.trimStart().length;
    if (quotedTabs) {
      if (quote !== null && /^[ \t]*\t/.test(line)) {
        line = line.trim() === '' ? '' : ' '.repeat(flowParent + 1) + line.trimStart();
        lines[li] = line;
        changed = true;
      }
    } else if (depth > 0 || quote !== null) {
      if (line.trim() !== '' && indent <= flowParent) {
        line = ' '.repeat(flowParent + 1) + line.trimStart();
        lines[li] = line;
        changed = true;
      }
    } else if (quote === null && blockScalarParent >= 0) {
      if (line.trim() === '' || indent > blockScalarParent) continue;
      blockScalarParent = -1;
    }
    let i: number = depth > 0 || quote !== null ? 0 : indent;
    let nodeStart = depth === 0 && quote === null; // at the start of a block node (where `[`, `{`, quotes, `|` begin one)
    const lineIndent = indent;
    while (i < line.length) {
      const c: string = line[i]!;
      if (quote !== null) {
        if (quote === '"' && c === '\\') i += 2;
        else if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i += 2;
          else {
            quote = null;
            flowNodeStart = false;
            afterQuoted = true; // a JSON-like key: its `:` may touch the value (`{"a":"b"}`)
            i++;
          }
        } else i++;
        continue;
      }
      if (c === '#' && (i === 0 || isBlank(line[i - 1]))) break; // comment
      if (depth > 0) {
        // A quote opens a quoted scalar only where a flow node starts (after `{`, `[`, `,`, `? ` or `: `); inside a
        // plain scalar it is content (`{description: Client resource of the Director's host}`).
        if ((c === '"' || c === "'") && flowNodeStart) quote = c;
        else if (c === '[' || c === '{') depth++;
        else if (c === ']' || c === '}') depth--;
        if (!isBlank(c)) {
          flowNodeStart = c === '[' || c === '{' || c === ',' || ((c === ':' || c === '?') && (isBlank(line[i + 1]) || afterQuoted));
          afterQuoted = false;
        }
        i++;
        if (depth === 0) nodeStart = false;
        continue;
      }
      // Block context.
      if (c === ' ' || c === '\t') {
        i++;
        continue;
      }
      if ((c === '-' || c === '?' || c === ':') && isBlank(line[i + 1])) {
        nodeStart = true; // sequence entry, explicit key, or a mapping value follows
        i++;
        continue;
      }
      if (nodeStart) {
        if (c === '[' || c === '{') {
          depth = 1;
          flowParent = i;
          flowNodeStart = true;
          i++;
          continue;
        }
        if (c === '"' || c === "'") {
          quote = c;
          flowParent = i;
          i++;
          continue;
        }
        if (c === '|' || c === '>') {
          blockScalarParent = lineIndent;
          break;
        }
        if (c === '&' || c === '!') {
          while (i < line.length && !isBlank(line[i])) i++; // anchor or tag: the node follows
          continue;
        }
      }
      // A plain scalar (or document marker): up to `: `, ` #` or the end of the line.
      nodeStart = false;
      while (i < line.length && !(line[i] === ':' && isBlank(line[i + 1])) && !(line[i] === '#' && isBlank(line[i - 1]))) i++;
    }
  }
  return changed ? lines.join('\n') : null;
}
