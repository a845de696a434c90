/**
 * INI files as Salt 3006's ini module reads and writes them (salt/modules/ini_manage.py `_Section`/`_Ini`), so that
 * ini.options_present writes the bytes Salt writes:
 *  - reading: lines before the first `[section]` are top-level options; `#`/`;` lines are kept as comments, other
 *    unparsable lines as unknown lines; a line indented deeper than the option above continues its value; an
 *    option `key SEP value` (spaces around the separator ignored, the value kept to the end of the line);
 *  - a commented-out `#key = value` is replaced by the key where it stands when the key is set (also when a later
 *    line of the file sets it, as Salt's reader does);
 *  - writing: comments and unknown lines as they were, options as `key = value` (`key value` for a space
 *    separator), top-level options first, then each section after an empty line.
 */
import { pyStr } from '@brine/core';

type Entry = string | IniSection | null;

const COM = /^\s*(#|;)\s*(.*)/;
const INDENTED = /^(\s+)(.*)/;
const SECTION = /^\s*\[(.+?)\]\s*$/m;

/** Python's str.split-free escape of a separator for the option pattern (`\=` in Salt's). */
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export type IniChanges = Record<string, unknown>;

export class IniSection {
  readonly entries = new Map<string, Entry>();
  private readonly opt: RegExp;

  constructor(
    readonly name: string,
    private sep = '=',
  ) {
    this.opt = new RegExp(`^(\\s*)(.+?)\\s*(${escapeRe(sep)})\\s*(.*)\\s*`);
  }

  /** _Section.refresh: parse the lines of one section (or of the top of the file). */
  parse(text: string): void {
    let comments = 1;
    let unknown = 1;
    let currIndent = '';
    const body = text.replace(/^\n+|\n+$/g, '');
    if (!body) return;
    this.entries.clear();
    for (const line of body.split('\n')) {
      if (COM.test(line)) {
        this.update({ [`#comment${comments++}`]: line });
        continue;
      }
      const ind = INDENTED.exec(line);
      if (ind) {
        const indent = ind[1]!.replace(/\t/g, '    ');
        // Python compares the indentation strings, as Salt does.
        if (indent > currIndent) {
          const keys = [...this.entries.keys()];
          const prev = keys[keys.length - 1];
          if (prev !== undefined) this.update({ [prev]: `${String(this.entries.get(prev))}\n${line}` });
          continue;
        }
      }
      const m = this.opt.exec(line);
      if (m) {
        currIndent = m[1]!.replace(/\t/g, '    ');
        this.sep = m[3]!;
        this.update({ [m[2]!]: m[4]! });
        continue;
      }
      this.update({ [`#unknown${unknown++}`]: line });
    }
  }

  /** _Section._uncomment_if_commented: the first commented-out `#key = ...` becomes the key's place. */
  private uncommentIfCommented(key: string): void {
    const items = [...this.entries];
    const at = items.findIndex(([k, v]) => k.includes('#comment') && typeof v === 'string' && this.opt.exec(v.replace(/^#+/, ''))?.[2] === key);
    this.entries.clear();
    if (at < 0) {
      for (const [k, v] of items) this.entries.set(k, v);
      this.entries.set(key, null);
      return;
    }
    for (const [k, v] of items.slice(0, at)) this.entries.set(k, v);
    this.entries.set(key, null);
    for (const [k, v] of items.slice(at + 1)) this.entries.set(k, v);
  }

  /** _Section.update: set options (a mapping value is a section); Salt's `{key: {before, after}}` changes. */
  update(values: Record<string, unknown> | IniSection): IniChanges {
    const changes: IniChanges = {};
    const pairs: [string, unknown][] = values instanceof IniSection ? [...values.entries] : Object.entries(values);
    for (const [key, raw] of pairs) {
      let value: string | IniSection;
      let plain: unknown;
      if (raw instanceof IniSection || isMapping(raw)) {
        const sect = new IniSection(key, this.sep);
        sect.update(raw as Record<string, unknown> | IniSection);
        value = sect;
        plain = sect.asDict();
      } else {
        value = pyStr(raw);
        plain = value;
      }
      if (!this.entries.has(key)) {
        changes[key] = { before: null, after: plain };
        if (!(value instanceof IniSection)) this.uncommentIfCommented(key);
        this.entries.set(key, value);
        continue;
      }
      const cur = this.entries.get(key);
      if (cur instanceof IniSection) {
        const sub = cur.update(value instanceof IniSection ? value : { [key]: value });
        if (Object.keys(sub).length) changes[key] = sub;
      } else if (cur !== value) {
        changes[key] = { before: cur, after: plain };
        this.entries.set(key, value);
      }
    }
    return changes;
  }

  /** Entries other than comments, unknown lines and sections' own comments (Salt's get_ini). */
  options(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.entries) if (!k.startsWith('#')) out[k] = v instanceof IniSection ? v.options() : v;
    return out;
  }

  asDict(): Record<string, unknown> {
    return Object.fromEntries([...this.entries].map(([k, v]) => [k, v instanceof IniSection ? v.asDict() : v]));
  }

  remove(key: string): void {
    this.entries.delete(key);
  }

  /** _Section.gen_ini. */
  *lines(): Generator<string> {
    yield `\n[${this.name}]\n`;
    const sections: IniSection[] = [];
    for (const [name, value] of this.entries) {
      if (COM.test(name)) yield `${String(value)}\n`;
      else if (value instanceof IniSection) sections.push(value);
      else yield `${name}${this.sep !== ' ' ? ` ${this.sep} ` : this.sep}${String(value)}\n`;
    }
    for (const s of sections) yield* s.lines();
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);


/** _Ini.refresh: a file's text (null: missing) as Salt reads it. */
export function parseIni(text: string | null, sep = '='): IniSection {
  const ini = new IniSection('', sep);
  if (text === null) return ini;
  const joined = text.split(/\r\n|\r|\n/).join('\n').replace(/\n$/, '');
  if (!joined) return ini;
  const parts = joined.split(new RegExp(SECTION.source, 'gm'));
  ini.parse(parts[0]!);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const sect = new IniSection(parts[i]!, sep);
    sect.parse(parts[i + 1]!);
    ini.update({ [sect.name]: sect });
  }
  return ini;
}

/** _Ini.flush: the text Salt writes. */
export function renderIni(ini: IniSection): string {
  const out = [...ini.lines()].slice(1);
  if (out.length) out[0] = out[0]!.replace(/^\n+/, '');
  return out.join('');
}
