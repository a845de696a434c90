/** A small unified diff (Myers' O(ND) on lines), hunks with 3 lines of context like `diff -u`; Salt's own diffs go through difflib.ts. */
import { unifiedDiffItems } from './difflib';

export type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): { lines: string[]; noEol: boolean } {
  if (text === '') return { lines: [], noEol: false };
  const noEol = !text.endsWith('\n');
  const lines = (noEol ? text : text.slice(0, -1)).split('\n');
  return { lines, noEol };
}

/** Shortest edit script between a and b (lists of lines). */
export function diffLines(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const middle = myers(A, B);
  return [
    ...a.slice(0, pre).map((line) => ({ kind: ' ' as const, line })),
    ...middle,
    ...a.slice(a.length - suf).map((line) => ({ kind: ' ' as const, line })),
  ];
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ kind: '+', line }));
  if (m === 0) return a.map((line) => ({ kind: '-', line }));
  const max = n + m;
  const off = max;
  let v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v;
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v.slice());
  // Backtrack from (n, m) through the saved V arrays.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[off + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[x - 1] });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[prevY] });
      else ops.push({ kind: '-', line: a[prevX] });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** A hunk header's range: `start,len`, as difflib writes it. */
export function hunkRange(start: number, len: number): string {
  if (len === 1) return `${start}`;
  return `${len === 0 ? start - 1 : start},${len}`;
}

/** Where each op stands in a and in b (0-based index of the next line of each). */
export function opPositions(ops: Op[]): { ai: number; bi: number }[] {
  const pos: { ai: number; bi: number }[] = [];
  let ai = 0;
  let bi = 0;
  for (const op of ops) {
    pos.push({ ai, bi });
    if (op.kind !== '+') ai++;
    if (op.kind !== '-') bi++;
  }
  return pos;
}

/** The hunks of a unified diff, as [first, last] op indexes: each change with `context` lines around, merged. */
export function groupHunks(ops: Op[], context: number): [number, number][] {
  const hunks: [number, number][] = [];
  ops.forEach((o, i) => {
    if (o.kind === ' ') return;
    const lo = Math.max(0, i - context);
    const hi = Math.min(ops.length - 1, i + context);
    const last = hunks[hunks.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else hunks.push([lo, hi]);
  });
  return hunks;
}

/** Unified diff of two texts; '' when equal. */
export function unifiedDiff(oldText: string, newText: string, fromFile = '', toFile = '', context = 3): string {
  if (oldText === newText) return '';
  const A = splitLines(oldText);
  const B = splitLines(newText);
  const ops = diffLines(A.lines, B.lines);
  const pos = opPositions(ops);
  // Missing trailing newline on either side is a change of the last line.
  if (A.noEol !== B.noEol && A.lines.length && B.lines.length) {
    const lastA = ops.map((o) => o.kind).lastIndexOf(' ');
    if (lastA >= 0 && lastA === ops.length - 1) {
      const line = ops[lastA].line;
      ops.splice(lastA, 1, { kind: '-', line }, { kind: '+', line });
      pos.splice(lastA, 1, pos[lastA], { ai: pos[lastA].ai + 1, bi: pos[lastA].bi });
    }
  }
  const hunks = groupHunks(ops, context);
  const out = [`--- ${fromFile}`, `+++ ${toFile}`];
  const lastA = ops.reduce((acc, o, i) => (o.kind !== '+' ? i : acc), -1);
  const lastB = ops.reduce((acc, o, i) => (o.kind !== '-' ? i : acc), -1);
  for (const [lo, hi] of hunks) {
    const slice = ops.slice(lo, hi + 1);
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${hunkRange(pos[lo].ai + 1, aLen)} +${hunkRange(pos[lo].bi + 1, bLen)} @@`);
    for (let i = lo; i <= hi; i++) {
      const o = ops[i];
      out.push(`${o.kind}${o.line}`);
      const endsA = o.kind !== '+' && i === lastA && A.noEol;
      const endsB = o.kind !== '-' && i === lastB && B.noEol;
      if ((o.kind === '-' && endsA) || (o.kind === '+' && endsB) || (o.kind === ' ' && (endsA || endsB))) out.push('\\ No newline at end of file');
    }
  }
  return out.join('\n') + '\n';
}

const MAX_DIFF = 1024 * 1024;

/** The `diff` change for file.managed: 'New file', 'Replace binary file', or a unified diff. */
export function fileDiff(oldData: Buffer | null, newData: Buffer): string {
  if (oldData === null) return 'New file';
  if (oldData.length > MAX_DIFF || newData.length > MAX_DIFF || oldData.includes(0) || newData.includes(0)) return 'Replace binary file';
  return saltDiff(oldData.toString('utf8'), newData.toString('utf8'));
}

/** Lines with their line endings (Python's `splitlines(True)`). */
export function linesKeepEnds(text: string): string[] {
  return [...(text.match(/[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$/g) ?? [])];
}

/**
 * Salt's `get_diff`: `''.join(difflib.unified_diff(a, b))` over lines that keep their endings, so a last line
 * without a newline runs into the next diff line, exactly as Salt shows it. '' when equal.
 */
export function saltDiff(oldText: string, newText: string): string {
  if (oldText === newText) return '';
  return unifiedDiffItems(linesKeepEnds(oldText), linesKeepEnds(newText)).join('');
}

