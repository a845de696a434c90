/**
 * Salt's YAML rules over `yaml` v2: YAML 1.1 scalars (yes/no/on/off booleans), key order kept, duplicate keys are
 * errors naming both lines, timestamps stay strings, and numbers as Salt's loader reads them (see pyNumber:
 * `0644` is the integer 644, `mode: 644` stays 644). Line numbers are those of the text given (for SLS files: the
 * Jinja-rendered text, which nearly always has the source's line count).
 */
import { RenderError, saltYamlTags } from '@brine/core';

export { saltYamlTags };
import { Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { reprFloat, withKeyOrder } from '../jinja/values';
import { pyNumber } from '@brine/core';
import { fastLineOf, readFastYaml } from './fast';
import { relaxFlowIndent } from './flow-indent';
import { pyBlockScalarAtEnd } from './block-at-eof';

export interface ParsedYaml {
  data: unknown;
  /**
   * Top-level keys Python does not read as str (`200:`, `true:`, `1.5:`, `~:`): Salt refuses them as state IDs. Their
   * text as Python prints them, their type's name, and their line.
   */
  nonStringKeys: { key: string; type: string; line: number }[];
  /** 1-based line of the node at `path` (a map key's line when the path ends on a key), if present. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

function keyString(n: unknown): string | undefined {
  return isScalar(n) ? String(n.value) : undefined;
}

/**
 * A key's identity as a Python dict sees it: 1, 1.0 and True are one key; the string '1' and None are others.
 * undefined: not a key to compare (a NaN, never equal to itself, repeats nothing).
 */
function keyIdentity(n: unknown): string | undefined {
  if (!isScalar(n)) return undefined;
  const v = n.value;
  if (typeof v === 'number' && Number.isNaN(v)) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `n:${Number(v)}`;
  if (v === null || v === undefined) return 'none';
  return `s:${String(v)}`;
}

/** The key as the error names it (Python's str of it). */
function keyShown(n: Scalar): string {
  return nonStringKey(n)?.key ?? String(n.value);
}

/** A key scalar Python would not read as str: how Python prints it and its type's name. */
function nonStringKey(n: Scalar): { key: string; type: string } | undefined {
  const v = n.value;
  if (typeof v === 'string') return undefined;
  if (v === null || v === undefined) return { key: 'None', type: 'NoneType' };
  if (typeof v === 'boolean') return { key: v ? 'True' : 'False', type: 'bool' };
  if (typeof v === 'bigint') return { key: v.toString(), type: 'int' };
  if (typeof v === 'number') {
    const src = (n as Scalar & { source?: string }).source ?? '';
    const float = !Number.isFinite(v) || /[.]|^[-+]?\.(inf|nan)/i.test(src);
    return float ? { key: reprFloat(v), type: 'float' } : { key: String(v), type: 'int' };
  }
  return undefined;
}

/** PyYAML's scanner: an anchor or alias name is letters, digits, '-' and '_' (`&lt;` from an HTML-escaped value is not). */
const ANCHOR_NAME = /^[0-9A-Za-z_-]+$/;

function checkNames(node: unknown, file: string, lineAt: (n: Node) => number): void {
  const anchor = (node as { anchor?: string } | null)?.anchor;
  const name = anchor ?? (isAlias(node) ? node.source : undefined);
  if (name !== undefined && !ANCHOR_NAME.test(name)) {
    throw new RenderError(file, lineAt(node as Node), `YAML: ${anchor !== undefined ? 'anchor' : 'alias'} name '${name}' may hold only letters, digits, '-' and '_' (PyYAML: did not find expected alphabetic or numeric character; quote a value that starts with & or *)`);
  }
}

function checkTree(node: unknown, file: string, lineAt: (n: Node) => number, top: boolean, nonString?: ParsedYaml['nonStringKeys']): void {
  checkNames(node, file, lineAt);
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      if (isScalar(pair.key)) {
        pyScalar(pair.key);
        const bad = nonString && nonStringKey(pair.key);
        if (bad) nonString.push({ ...bad, line: lineAt(pair.key as Node) });
      }
      const key = keyIdentity(pair.key);
      if (key !== undefined) {
        const line = lineAt(pair.key as Node);
        const first = seen.get(key);
        if (first !== undefined) {
          throw new RenderError(
            file,
            line,
            `YAML: duplicate ${top ? 'ID' : 'key'} '${keyShown(pair.key as Scalar)}' on lines ${first} and ${line} (${top ? 'state IDs must be unique; rename one or merge them' : 'remove or merge the repeated key'})`,
          );
        }
        seen.set(key, line);
      }
      checkTree(pair.value, file, lineAt, false);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) checkTree(item, file, lineAt, false);
  } else if (isScalar(node)) {
    // A plain << or = is YAML 1.1's merge or value key: anywhere but a mapping's key, PyYAML's safe loader has no
    // constructor for it.
    const src = (node as Scalar & { source?: string }).source;
    if (node.type === 'PLAIN' && (src === '<<' || src === '=')) {
      const tag = src === '<<' ? 'merge' : 'value';
      throw new RenderError(file, lineAt(node as Node), `YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:${tag}' (a plain ${src} is YAML's ${tag} key; quote it: '${src}')`);
    }
    pyScalar(node);
  }
}

function pyScalar(node: Scalar): void {
  const src = (node as Scalar & { source?: string }).source;
  if ((typeof node.value === 'number' || typeof node.value === 'bigint') && node.type === 'PLAIN' && src !== undefined) node.value = pyNumber(src, Number(node.value));
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Parse with Salt's rules; throws RenderError(file, line) on any YAML problem. The common block subset goes
 * through the fast reader (fast.ts), which gives the same data or gives up; everything else through `yaml`.
 */
export function parseSaltYaml(text: string, file: string, kind: YamlKind = 'sls'): ParsedYaml {
  const fast = readFastYaml(text);
  if (!fast) return parseFull(text, file, kind);
  let full: ParsedYaml | undefined;
  return {
    data: fast.data,
    nonStringKeys: [], // the fast reader gives up on a top-level key that is not a str
    lineOf: (path) => fastLineOf(fast, path, () => (full ??= parseFull(text, file, kind)).lineOf(path)),
  };
}

/** What the file is: an SLS, whose top-level keys are state IDs, or other data (pillar, top files, reactions). */
export type YamlKind = 'sls' | 'data';

/**
 * PyYAML, which Salt reads YAML with, skips only spaces between tokens: a tab used as indentation, before a comment,
 * on a blank line or as a separator (`x: 1<TAB># c`, `[1,<TAB>2]`) is "found character '\t' that cannot start any
 * token", where the `yaml` package reads on. A tab inside a scalar (quoted, plain, or a block scalar's content) is
 * content. Checked on the `yaml` lexer's tokens, whose texts add up to the source.
 */
function refuseSeparatingTabs(text: string, file: string): void {
  let offset = 0;
  let blockHeader = false; // a `|` or `>` was read: the next scalar is its content
  let scalar: 'plain' | 'block' | null = null; // what the token after a scalar marker is
  for (const tok of new Lexer().lex(text)) {
    if (tok === '\u001f') {
      scalar = blockHeader ? 'block' : 'plain';
      blockHeader = false;
      continue;
    }
    const zeroWidth = tok.length === 1 && tok.charCodeAt(0) < 0x20 && tok !== '\t' && tok !== '\n' && tok !== '\r';
    if (zeroWidth) continue;
    const kind = scalar;
    scalar = null;
    if (/^[|>]/.test(tok)) blockHeader = true;
    let at = -1;
    if (/^[ \t]+$/.test(tok)) at = tok.indexOf('\t');
    else if (kind === 'plain' && !/^['"]/.test(tok)) at = tok.indexOf('\t'); // PyYAML ends a plain scalar at a tab
    else if (kind === 'block' && /^\t/.test(tok.slice(tok.lastIndexOf('\n') + 1))) at = tok.lastIndexOf('\n') + 1; // the line that ends it
    if (at >= 0) {
      const line = text.slice(0, offset + at).split('\n').length;
      throw new RenderError(file, line, "YAML: found character '\\t' that cannot start any token (Salt's YAML reader, PyYAML, takes no tab as indentation or separator: use spaces)");
    }
    offset += tok.length;
  }
}

/**
 * The `yaml` package's document for what PyYAML reads in `source` (tabs it cannot read refused at their line first):
 * a quoted scalar's continuation lines led by a tab, and flow continuation lines under-indented, re-indented
 * (flow-indent.ts; same values, same lines); a block scalar ending the input without a line break has none. Errors
 * are left in `doc.errors`, `lc` gives their lines.
 */
export function pyYamlDocument(source: string, file: string): { doc: Document; lc: LineCounter } {
  // A tab leading a quoted scalar's continuation line is folded away by PyYAML: spaces instead, same value and lines.
  const text = source.includes('\t') ? relaxFlowIndent(source, true) ?? source : source;
  if (text.includes('\t')) refuseSeparatingTabs(text, file);
  const parse = (t: string, lineCounter: LineCounter): Document =>
    parseDocument(t, {
      version: '1.1',
      uniqueKeys: false,
      lineCounter,
      prettyErrors: false,
      customTags: (tags) => saltYamlTags(tags as { tag?: string; test?: RegExp }[]) as typeof tags,
    });
  const lc = new LineCounter();
  const doc = parse(text, lc);
  if (doc.errors.length > 0) {
    // PyYAML does not mind flow continuation lines indented no deeper than their block (flow-indent.ts).
    const relaxed = relaxFlowIndent(text);
    const lc2 = new LineCounter();
    const again = relaxed === null ? null : parse(relaxed, lc2);
    if (again && again.errors.length === 0) {
      pyBlockScalarAtEnd(again, relaxed!);
      return { doc: again, lc: lc2 };
    }
  }
  pyBlockScalarAtEnd(doc, text);
  return { doc, lc };
}

/** The `yaml` package alone (the fast reader is tested against it). */
export function parseFull(source: string, file: string, kind: YamlKind = 'sls'): ParsedYaml {
  const { doc, lc } = pyYamlDocument(source, file);
  const lineAtOffset = (off: number): number => lc.linePos(off).line;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new RenderError(file, lineAtOffset(e.pos[0]), `YAML: ${firstLine(e.message)} (fix the YAML syntax; check indentation and quoting of ':' and '{')`);
  }
  const lineAt = (n: Node): number => lineAtOffset(n.range?.[0] ?? 0);
  const nonStringKeys: ParsedYaml['nonStringKeys'] = [];
  checkTree(doc.contents, file, lineAt, kind === 'sls', nonStringKeys);
  const data = doc.toJS({ maxAliasCount: -1 }) as unknown;
  markKeyOrder(doc.contents, data, new Set());
  // Each map's keys indexed on first use: an SLS asks for every top-level ID's line.
  const keyIndex = new Map<unknown, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let idx = keyIndex.get(map);
    if (!idx) {
      idx = new Map();
      for (const it of map.items) {
        const k = keyString(it.key);
        if (k !== undefined && !idx.has(k)) idx.set(k, it as Pair);
      }
      keyIndex.set(map, idx);
    }
    return idx.get(key);
  };
  return {
    data,
    nonStringKeys,
    lineOf(path) {
      let cur: unknown = doc.contents;
      let line: number | undefined;
      for (const p of path) {
        if (isMap(cur)) {
          const pair = pairOf(cur, String(p));
          if (!pair) return line;
          line = lineAt(pair.key as Node);
          cur = pair.value;
        } else if (isSeq(cur) && typeof p === 'number' && cur.items[p] !== undefined) {
          cur = cur.items[p];
          line = lineAt(cur as Node);
        } else return line;
      }
      return line;
    },
  };
}

/**
 * Mark each mapping read into a plain object with the order of its keys as written, where JS would list them in
 * another (integer-like keys first): templates then iterate it as Python does. A mapping with a merge key (`<<`)
 * or a key that is not a scalar is left as it is.
 */
/** Rename a property in place, keeping the object's order. */
function renameKey(o: Record<string, unknown>, from: string, to: string): void {
  if (!Object.prototype.hasOwnProperty.call(o, from) || Object.prototype.hasOwnProperty.call(o, to)) return;
  const entries = Object.entries(o);
  for (const [k] of entries) delete o[k];
  for (const [k, v] of entries) o[k === from ? to : k] = v;
}

function markKeyOrder(node: unknown, js: unknown, seen: Set<unknown>): void {
  if (typeof js !== 'object' || js === null || seen.has(node)) return;
  seen.add(node);
  if (isMap(node) && !Array.isArray(js)) {
    const keys: unknown[] = [];
    let nullKey = false;
    for (const it of node.items) {
      const k = keyString(it.key);
      if (k === undefined || k === '<<') return;
      const int = isScalar(it.key) && nonStringKey(it.key)?.type === 'int' && Number.isSafeInteger(Number(k));
      const none = isScalar(it.key) && it.key.value === null;
      nullKey ||= none;
      keys.push(int ? Number(k) : none ? null : k);
    }
    // A None key (`~:`): `yaml` names it '', Python's json output 'null' (and templates see None).
    if (nullKey) renameKey(js as Record<string, unknown>, '', 'null');
    withKeyOrder(js, keys);
    node.items.forEach((it, i) => markKeyOrder(it.value, (js as Record<string, unknown>)[String(keys[i])], seen));
  } else if (isSeq(node) && Array.isArray(js)) {
    node.items.forEach((it, i) => markKeyOrder(it, js[i], seen));
  }
}

/** YAML text -> data, with Salt's rules (see the module comment). */
export function loadSaltYaml(text: string, file: string): unknown {
  const fast = readFastYaml(text);
  return fast ? fast.data : parseFull(text, file).data;
}
