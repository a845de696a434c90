/**
 * A fast reader for the block subset of YAML that SLS files are nearly always written in: block mappings and
 * sequences with one entry per line (`- key: value` compact mappings included), plain scalars, quoted scalars
 * on one line (with YAML's escapes), flow sequences of scalars on one line, `{}`, comments and a leading `---`.
 * It builds the data the full reader (load.ts) builds: plain scalars go through the same schema tags (YAML 1.1
 * with Salt's booleans, no timestamps) and Salt's number rules. Anything else — anchors, aliases, tags, nested
 * or multi-line flow collections, block and multi-line scalars, tabs, duplicate keys, indentation that is not
 * exactly the structure's — makes it give up (undefined) so that the full reader decides, errors included.
 * It keeps no node tree: lines are recorded for the top mapping and its direct children only (what SLS, top and
 * pillar files ask for); deeper questions go to the full reader, lazily.
 */
import { Document, isScalar, type ScalarTag } from 'yaml';
import { withKeyOrder } from '../jinja/values';
import { saltYamlTags } from '@brine/core';
import { pyNumber } from '@brine/core';

/** Source lines of one container's entries; a mapping's keys alongside, in source order. */
export interface EntryLines {
  keys: string[] | null;
  lines: number[];
  index?: Map<string, number>;
}

export interface FastYaml {
  data: unknown;
  /** Entry lines of the top container and of its direct children (containers deeper down are not recorded). */
  lines: Map<object, EntryLines>;
}

const GIVE_UP = Symbol('outside the fast subset');

/** A mapping key: its property name, the offset after its `:`, and the key as Python has it (a str or an int). */
/** [the key as a str, the offset after its `:`, the key as Python has it (str or int), its identity in a Python dict]. */
type Key = [string, number, string | number, string];

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const SQUOTE = 39;
const DQUOTE = 34;
const BACKSLASH = 92;

/** YAML's one-character escapes in double quotes (as `yaml` reads them; `\x`, `\u`, `\U` apart). */
const DQ_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
};

/** What ends a plain scalar in a flow sequence, or makes the fast reader give up there. */
const FLOW_STOP = new Set([...',[]{}:#\'"'].map((c) => c.charCodeAt(0)));

/** Characters that start something other than a plain scalar (YAML's c-indicator), `'` and `"` handled apart. */
const INDICATOR = new Set([...'-?:,[]{}#&*!|>%@`'].map((c) => c.charCodeAt(0)));

/** Outside the subset anywhere in the text: tabs, CR, BOM, other control characters, Unicode line breaks. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]/;

type Plain = (source: string) => unknown;

let plainResolver: Plain | undefined;

/** Plain scalar -> value exactly as the full reader gets it: the first default tag whose test matches, then pyNumber. */
function plain(): Plain {
  if (plainResolver) return plainResolver;
  const doc = new Document(null, {
    version: '1.1',
    uniqueKeys: false,
    customTags: (tags) => saltYamlTags(tags as { tag?: string; test?: RegExp }[]) as typeof tags,
  });
  const tags = (doc.schema.tags as ScalarTag[]).filter((t) => t.default === true && t.test && !('collection' in t && t.collection));
  const options = doc.options;
  plainResolver = (src) => {
    if (src === '<<' || src === '=') throw GIVE_UP; // YAML 1.1's merge and value keys: the full reader decides, as PyYAML does
    for (const tag of tags) {
      if (!tag.test!.test(src)) continue;
      let failed = false;
      const res = tag.resolve(src, () => (failed = true), options);
      if (failed) throw GIVE_UP;
      const v = isScalar(res) ? res.value : res;
      if (typeof v === 'bigint') return pyNumber(src, Number(v));
      return typeof v === 'number' ? pyNumber(src, v) : v;
    }
    return src;
  };
  return plainResolver;
}

class Reader {
  /** Start of the current content line, its end (the index of its newline), number and indentation (-1: no more). */
  private pos = 0;
  private eol = -1;
  private lineNo = 0;
  private indent = -1;
  private started = false;
  readonly lines = new Map<object, EntryLines>(); // not a WeakMap: 100,000s of ephemerons slow every GC

  constructor(private readonly t: string, private readonly plain: Plain) {}

  read(): unknown {
    this.seek(0, 1);
    if (this.indent === 0 && this.t.startsWith('---', this.pos)) {
      this.endOfLine(this.pos + 3); // a document start marker on its own line
      this.next();
    }
    if (this.indent === -1) return null; // nothing but comments
    if (this.indent !== 0) throw GIVE_UP;
    const v = this.block(0, 0);
    if ((this.indent as number) !== -1) throw GIVE_UP; // (narrowed by the check above, but block() moved it)
    return v;
  }

  /** Move to the first content line from offset `from` (line `lineNo`): blank and comment-only lines skipped. */
  private seek(from: number, lineNo: number): void {
    const t = this.t;
    let p = from;
    while (p < t.length) {
      let e = t.indexOf('\n', p);
      if (e === -1) e = t.length;
      let i = p;
      while (i < e && t.charCodeAt(i) === SPACE) i++;
      if (i < e && t.charCodeAt(i) !== HASH) {
        // Document markers and directives start at column 0 (read() takes a leading `---`).
        if (i === p && ((t.startsWith('---', p) && this.started) || t.startsWith('...', p) || t.charCodeAt(p) === 37)) throw GIVE_UP;
        this.started = true;
        this.pos = p;
        this.eol = e;
        this.lineNo = lineNo;
        this.indent = i - p;
        return;
      }
      p = e + 1;
      lineNo++;
    }
    this.pos = t.length;
    this.eol = t.length;
    this.lineNo = lineNo;
    this.indent = -1;
  }

  private next(): void {
    this.seek(this.eol + 1, this.lineNo + 1);
  }

  /** A `- ` (or `-` at the end of the line) at offset i of the current line. */
  private isDash(i: number): boolean {
    return this.t.charCodeAt(i) === DASH && (i + 1 === this.eol || this.t.charCodeAt(i + 1) === SPACE);
  }

  /** The first `c` at or after offset i on the current line (its end when there is none). */
  private find(c: number, i: number): number {
    const t = this.t;
    while (i < this.eol && t.charCodeAt(i) !== c) i++;
    return i;
  }

  /** Where a comment (` #`) starts at or after offset i on the current line (its end when there is none). */
  private comment(i: number): number {
    for (;;) {
      i = this.find(HASH, i + 1);
      if (i === this.eol || this.t.charCodeAt(i - 1) === SPACE) return i === this.eol ? i : i - 1;
    }
  }

  private skipSpaces(i: number): number {
    while (i < this.eol && this.t.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** After a complete value at offset i: nothing but spaces and a comment (`#` after a space) to the line's end. */
  private endOfLine(i: number): void {
    const j = this.skipSpaces(i);
    if (j === this.eol) return;
    if (j > i && this.t.charCodeAt(j) === HASH) return;
    throw GIVE_UP;
  }

  /** The node whose first line is the current one, at indentation n. */
  private block(n: number, depth: number): unknown {
    return this.isDash(this.pos + n) ? this.seq(n, depth) : this.map(n, depth, undefined);
  }

  /** A quoted scalar at offset i on one line: [text, offset after the closing quote]. */
  private quoted(i: number): [string, number] {
    const t = this.t;
    const q = t.charCodeAt(i);
    if (q === SQUOTE) {
      let out = '';
      let from = i + 1;
      for (;;) {
        const c = this.find(SQUOTE, from);
        if (c === this.eol) throw GIVE_UP;
        out += t.slice(from, c);
        if (t.charCodeAt(c + 1) === SQUOTE) {
          out += "'";
          from = c + 2;
          continue;
        }
        return [out, c + 1];
      }
    }
    let out = '';
    let from = i + 1;
    for (;;) {
      let c = from;
      while (c < this.eol && t.charCodeAt(c) !== DQUOTE && t.charCodeAt(c) !== BACKSLASH) c++;
      if (c === this.eol) throw GIVE_UP;
      out += t.slice(from, c);
      if (t.charCodeAt(c) === DQUOTE) return [out, c + 1];
      const e = t[c + 1] ?? '';
      const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (len) {
        const hex = t.slice(c + 2, c + 2 + len);
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
        if (!(code <= 0x10ffff) || c + 2 + len > this.eol) throw GIVE_UP;
        out += String.fromCodePoint(code);
        from = c + 2 + len;
      } else {
        const r = DQ_ESCAPES[e];
        if (r === undefined) throw GIVE_UP;
        out += r;
        from = c + 2;
      }
    }
  }

  /** `[a, 'b', "c"]` of scalars on one line, from offset i: [items, offset after the `]`]. */
  private flowSeq(i: number): [unknown[], number] {
    const t = this.t;
    const items: unknown[] = [];
    let j = this.skipSpaces(i + 1);
    if (t.charCodeAt(j) === 93) return [items, j + 1];
    for (;;) {
      const c0 = t.charCodeAt(j);
      if (c0 === SQUOTE || c0 === DQUOTE) {
        const [s, end] = this.quoted(j);
        items.push(s);
        j = end;
      } else {
        if (INDICATOR.has(c0)) throw GIVE_UP;
        let e = j;
        while (e < this.eol && !FLOW_STOP.has(t.charCodeAt(e))) e++;
        if (t.charCodeAt(e) !== 44 && t.charCodeAt(e) !== 93) throw GIVE_UP;
        const start = j;
        j = e;
        while (t.charCodeAt(e - 1) === SPACE) e--;
        items.push(this.plain(t.slice(start, e)));
      }
      j = this.skipSpaces(j);
      const c = t.charCodeAt(j);
      if (c === 93) return [items, j + 1];
      if (c !== 44) throw GIVE_UP;
      j = this.skipSpaces(j + 1);
      if (j === this.eol || t.charCodeAt(j) === 93) throw GIVE_UP; // a trailing comma or the next line
    }
  }

  /**
   * A key at offset i of the current line: [key, offset after its `:`, the key as Python has it (the str, or an
   * int)], or undefined when the line holds no key. `top`: a key of the document's top mapping (a state ID).
   */
  private key(i: number, top = false): Key | undefined {
    const t = this.t;
    const c0 = t.charCodeAt(i);
    let key: string;
    let colon: number;
    let typed: number | undefined;
    let identity: string | undefined;
    if (c0 === SQUOTE || c0 === DQUOTE) {
      const [s, end] = this.quoted(i);
      colon = this.skipSpaces(end);
      if (t.charCodeAt(colon) !== COLON || (colon + 1 < this.eol && t.charCodeAt(colon + 1) !== SPACE)) return undefined;
      key = s;
    } else {
      if (INDICATOR.has(c0)) return undefined;
      colon = i;
      for (;;) {
        colon = this.find(COLON, colon + 1);
        if (colon === this.eol) return undefined;
        if (colon + 1 === this.eol || t.charCodeAt(colon + 1) === SPACE) break;
      }
      if (this.comment(i) < colon) return undefined;
      let e = colon;
      while (t.charCodeAt(e - 1) === SPACE) e--;
      const v = this.plain(t.slice(i, e));
      if (v === null) throw GIVE_UP; // '' here, but 'null' when the full reader looks for duplicates
      // A key that is not a str: the full reader records one at the top (`200:`, `true:`; Salt refuses such state
      // IDs); deeper down an int key is kept as an int for templates (as load.ts markKeyOrder keeps it).
      const int = typeof v === 'number' && Number.isSafeInteger(v) && !/[.eE]/.test(t.slice(i, e));
      if (typeof v !== 'string' && top) throw GIVE_UP;
      key = String(v);
      if (int) typed = v;
      // 1, 1.0 and True are one key in a Python dict (a NaN key, never equal to itself, goes to the full reader).
      if (typeof v === 'number' && Number.isNaN(v)) throw GIVE_UP;
      if (typeof v === 'number' || typeof v === 'boolean') identity = `n:${Number(v)}`;
    }
    if (colon - i > 1000 || key === '<<' || key === '__proto__') throw GIVE_UP;
    return [key, colon + 1, typed ?? key, identity ?? `s:${key}`];
  }

  /** A scalar, `[]` or `{}` from offset i to the end of the current line. */
  private inline(i: number): unknown {
    const t = this.t;
    const c0 = t.charCodeAt(i);
    if (c0 === SQUOTE || c0 === DQUOTE) {
      const [s, end] = this.quoted(i);
      this.endOfLine(end);
      return s;
    }
    if (c0 === 91) {
      const [items, end] = this.flowSeq(i);
      this.endOfLine(end);
      return items;
    }
    if (c0 === 123) {
      if (t.charCodeAt(i + 1) !== 125) throw GIVE_UP; // `{}` only
      this.endOfLine(i + 2);
      return {};
    }
    if (INDICATOR.has(c0) && !(c0 === DASH && i + 1 < this.eol && t.charCodeAt(i + 1) !== SPACE)) throw GIVE_UP;
    let e = this.comment(i);
    while (t.charCodeAt(e - 1) === SPACE) e--;
    const s = t.slice(i, e);
    // `a: b: c` and `a: b:` are errors for the full reader (nested mappings in a compact one).
    if (s.includes(': ') || s.endsWith(':')) throw GIVE_UP;
    return this.plain(s);
  }

  /**
   * The value after a key's `:` (offset i) in a mapping at indentation n: inline, or the block on the following
   * lines (more indented, or a sequence at the same indentation), or null. Leaves the cursor on the next line.
   */
  private value(i: number, n: number, depth: number): unknown {
    const j = this.skipSpaces(i);
    if (j < this.eol && !(this.t.charCodeAt(j) === HASH && j > i)) {
      const v = this.inline(j);
      this.next();
      if (this.indent > n) throw GIVE_UP; // a continuation line, or an error
      return v;
    }
    this.next();
    if (this.indent > n) return this.block(this.indent, depth);
    if (this.indent === n && this.isDash(this.pos + n)) return this.seq(n, depth);
    return null;
  }

  /** A mapping at indentation n; `first` is its first key when it starts after a `- ` on the current line. */
  private map(n: number, depth: number, first: Key | undefined): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const rec: EntryLines | undefined = depth <= 1 ? { keys: [], lines: [] } : undefined;
    if (rec) this.lines.set(obj, rec);
    const keys: unknown[] = [];
    const seen = new Set<string>();
    let k = first;
    for (;;) {
      k ??= this.key(this.pos + n, depth === 0);
      if (!k) throw GIVE_UP;
      const [key, after, typed, identity] = k;
      k = undefined;
      // A repeated key (as Python sees keys), or a str and an int printed alike: the full reader decides and names both lines.
      if (seen.has(identity) || Object.prototype.hasOwnProperty.call(obj, key)) throw GIVE_UP;
      seen.add(identity);
      if (rec) {
        rec.keys!.push(key);
        rec.lines.push(this.lineNo);
      }
      keys.push(typed);
      obj[key] = this.value(after, n, depth + 1);
      if (this.indent < n) return withKeyOrder(obj, keys);
      if (this.indent > n || this.isDash(this.pos + n)) throw GIVE_UP;
    }
  }

  /** A block sequence whose dashes are at indentation n. */
  private seq(n: number, depth: number): unknown[] {
    const arr: unknown[] = [];
    const rec: EntryLines | undefined = depth <= 1 ? { keys: null, lines: [] } : undefined;
    if (rec) this.lines.set(arr, rec);
    for (;;) {
      const i = this.skipSpaces(this.pos + n + 1);
      let line = this.lineNo;
      let item: unknown;
      if (i === this.eol || this.t.charCodeAt(i) === HASH) {
        this.next();
        if (this.indent <= n) throw GIVE_UP; // an empty item
        line = this.lineNo;
        item = this.block(this.indent, depth + 1);
      } else if (this.isDash(i)) {
        throw GIVE_UP; // `- - x`
      } else {
        const k = this.key(i);
        if (k) item = this.map(i - this.pos, depth + 1, k);
        else {
          item = this.inline(i);
          this.next();
        }
      }
      arr.push(item);
      rec?.lines.push(line);
      if (this.indent === n && this.isDash(this.pos + n)) continue;
      if (this.indent > n) throw GIVE_UP;
      return arr;
    }
  }
}

/** The data and entry lines of `text`, or undefined when it is outside the fast subset. */
export function readFastYaml(text: string): FastYaml | undefined {
  if (UNSAFE.test(text)) return undefined;
  const r = new Reader(text, plain());
  try {
    return { data: r.read(), lines: r.lines };
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

/** The line of `path` from recorded entry lines; `deeper` answers when the path goes below what was recorded. */
export function fastLineOf(f: FastYaml, path: readonly (string | number)[], deeper: () => number | undefined): number | undefined {
  let cur: unknown = f.data;
  let line: number | undefined;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return line;
    const rec = f.lines.get(cur);
    if (!rec) return deeper();
    if (rec.keys) {
      if (!rec.index) {
        rec.index = new Map();
        rec.keys.forEach((k, i) => rec.index!.set(k, i));
      }
      const i = rec.index.get(String(p));
      if (i === undefined) return line;
      line = rec.lines[i];
      cur = (cur as Record<string, unknown>)[String(p)];
    } else {
      if (typeof p !== 'number' || p >= rec.lines.length) return line;
      line = rec.lines[p];
      cur = (cur as unknown[])[p];
    }
  }
  return line;
}
