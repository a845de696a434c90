/**
 * A block scalar (`|`, `>`) whose last line ends the input without a line break has no final line break in PyYAML,
 * which Salt reads YAML with: `k: |\n  a\n  b` is "a\nb" there, and "a\nb\n" in the `yaml` package. Such input is
 * common: Jinja drops a template's trailing newline, so `import_yaml` of a file ending in a block scalar reads it so.
 */
import { visit, type Document, type Scalar } from 'yaml';

export function pyBlockScalarAtEnd(doc: Document, text: string): void {
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  if (lastLine.trim() === '') return; // the input ends with a line break (or blank space after one): both agree
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') return;
      if (node.range?.[1] !== text.length || typeof node.value !== 'string' || !node.value.endsWith('\n')) return;
      node.value = node.value.slice(0, -1);
    },
  });
}
