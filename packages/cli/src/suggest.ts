/** "Did you mean ...?" for a mistyped action: the choices within a small edit distance, or a prefix match. */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The closest choices to `word` (at most 3), best first. */
export function suggestions(word: string, choices: readonly string[]): string[] {
  const w = word.toLowerCase();
  return choices
    .map((c) => ({ c, d: c.startsWith(w) && w.length >= 2 ? 0 : distance(w, c) }))
    .filter((x) => x.d <= Math.max(1, Math.floor(x.c.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.c);
}

/** `unknown action 'acept' (did you mean accept?) (list, accept, ...)`-style text: the hint, or ''. */
export function didYouMean(word: string, choices: readonly string[]): string {
  const s = suggestions(word, choices);
  return s.length ? ` (did you mean ${s.join(' or ')}?)` : '';
}
