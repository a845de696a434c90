/**
 * file.keyvalue (Salt 3006): `key<separator>value` lines of a file, line by line as Salt's loop walks them:
 * `count` lines per key are set (the later ones removed; -1 sets them all), `uncomment` strips those leading
 * characters to find commented-out keys (none given: leading whitespace, as Python's lstrip(None)), keys not found
 * are appended or prepended on request. Changes are Salt's own `diff` text (`- old` / `+ new` lines), the comments
 * Salt's (`Changed N lines`; a dry run's predicted diff in the comment too). The file is read as Python's text mode
 * reads it (line ends kept; a new line ends in \n), and written only when a line changes. As in Salt, a key appended
 * to a file whose last line has no newline joins that line, so the next run appends it again (Salt returns True;
 * so does Brine, which does not check this state again after applying it).
 */
import * as os from 'os';
import { StateArgError, isDict, pyStr, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, StateFunction } from '../../types';
import { optBool, optInt, optStr, type Args } from '../util';
import { readText } from './edit';

export interface KeyvalueParams {
  name: string;
  /** Keys and the text each value is written as (`str(value)`), with the value's Python type name. */
  pairs: { key: string; value: string; type: string }[];
  separator: string;
  append: boolean;
  prepend: boolean;
  showChanges: boolean;
  ignoreIfMissing: boolean;
  count: number;
  /** Characters stripped from the start of a line (Python's lstrip: null strips whitespace). */
  uncomment: string | null;
  keyIgnoreCase: boolean;
  valueIgnoreCase: boolean;
  /** Set by check. */
  plan?: Plan | 'missing';
}

interface Plan {
  target: string;
  content: string;
  diff: string[];
  changes: number;
}

/** `str(value)` and the type name Salt's diff shows for a value that is not a str. */
function pyValue(v: unknown): { value: string; type: string } {
  const type = typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : v === null || v === undefined ? 'NoneType' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : Array.isArray(v) ? 'list' : 'dict';
  return { value: pyStr(v), type };
}

/** Python's str.lstrip(chars). */
function lstrip(s: string, chars: string | null): string {
  let i = 0;
  if (chars === null) while (i < s.length && /\s/.test(s[i]!)) i++;
  else while (i < s.length && chars.includes(s[i]!)) i++;
  return s.slice(i);
}

/** Python's str.partition. */
function partition(s: string, sep: string): [string, string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)];
}

/** Python's readlines() as Salt opens files (newline=''): lines end at \n, \r\n or \r, kept as they are. */
function readlines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** Salt's loop over the file's lines (states/file.py keyvalue). */
export function keyvalueEdit(p: KeyvalueParams, text: string): { content: string; diff: string[]; changes: number } {
  const diff: string[] = [];
  const content: string[] = [];
  let changes = 0;
  const left = new Map(p.pairs.map((x) => [x.key, p.count]));
  const fmt = (key: string, sep: string, value: string) => `${key}${sep}${value}\n`;
  for (let line of readlines(text)) {
    let test = lstrip(line, p.uncomment);
    const didUncomment = line.length > test.length;
    if (p.keyIgnoreCase) test = test.toLowerCase();
    for (const { key, value, type } of p.pairs) {
      const testKey = p.keyIgnoreCase ? key.toLowerCase() : key;
      if (!test.startsWith(testKey)) continue;
      const working = didUncomment ? lstrip(line, p.uncomment) : line;
      const [lineKey, lineSep, rawValue] = partition(working, p.separator);
      if (lineSep !== p.separator) continue;
      if ((p.keyIgnoreCase ? lineKey.toLowerCase() : lineKey) !== testKey) continue;
      let have = rawValue.trim();
      let want = value.trim();
      if (p.valueIgnoreCase) [have, want] = [have.toLowerCase(), want.toLowerCase()];
      let match = have === want;
      let needsChanging = false;
      const n = left.get(key)!;
      if (didUncomment) {
        if (n > 0) needsChanging = true;
        else if (!match) match = true;
      } else if (n === 0) needsChanging = true;
      if (!match || needsChanging) {
        diff.push(`- ${line}`);
        line = '';
        if (n !== 0) {
          line = fmt(lineKey, lineSep, value);
          diff.push(type === 'str' ? `+ ${line}` : `+ ${line.trimEnd()} (from ${type} type)${os.EOL}`);
        }
        changes++;
      }
      if (n > 0) left.set(key, n - 1);
    }
    content.push(line);
  }
  if (p.append) {
    const more: string[] = [];
    for (const { key, value } of p.pairs) {
      if (left.get(key)! > 0) {
        const line = fmt(key, p.separator, value);
        more.push(`+ ${line}`);
        content.push(line);
        changes++;
      }
    }
    if (more.length) diff.push(`- <EOF>${os.EOL}`, ...more, `+ <EOF>${os.EOL}`);
  } else if (p.prepend) {
    let marked = false;
    for (const { key, value } of p.pairs) {
      if (left.get(key)! > 0) {
        const line = fmt(key, p.separator, value);
        if (!marked) {
          diff.unshift(`  <SOF>${os.EOL}`);
          marked = true;
        }
        diff.splice(1, 0, `+ ${line}`);
        content.unshift(line);
        changes++;
      }
    }
  }
  return { content: content.join(''), diff, changes };
}

function parse(ref: string, args: Args, chunk: LowChunk): KeyvalueParams {
  let name = chunk.name;
  if (!name) throw new StateArgError(ref, 'name', 'Must provide name to file.keyvalue');
  if (name === '~' || name.startsWith('~/')) name = os.homedir() + name.slice(1);
  const key = args['key'];
  const value = args['value'];
  const kv = args['key_values'];
  let pairs: KeyvalueParams['pairs'];
  if (key !== undefined && key !== null && value !== undefined && value !== null) {
    if (isDict(kv)) throw new StateArgError(ref, 'key_values', 'file.keyvalue can not combine key_values with key and value');
    pairs = [{ key: pyStr(key), ...pyValue(value) }];
  } else if (!isDict(kv) || Object.keys(kv).length === 0) {
    const empty = kv === undefined || kv === null || kv === '' || kv === false || kv === 0 || (Array.isArray(kv) && kv.length === 0) || isDict(kv);
    throw new StateArgError(ref, 'key_values', `file.keyvalue key and value not supplied and key_values ${empty ? 'is empty' : 'is not a dictionary'}`);
  } else {
    pairs = Object.entries(kv).map(([k, v]) => ({ key: k, ...pyValue(v) }));
  }
  const count = args['count'] === -1 ? -1 : optInt(ref, args, 'count') ?? 1;
  const uncomment = args['uncomment'] === undefined || args['uncomment'] === null ? null : optStr(ref, args, 'uncomment')!;
  return {
    name,
    pairs,
    separator: optStr(ref, args, 'separator') ?? '=',
    append: optBool(ref, args, 'append_if_not_found') ?? false,
    prepend: optBool(ref, args, 'prepend_if_not_found') ?? false,
    showChanges: optBool(ref, args, 'show_changes') ?? true,
    ignoreIfMissing: optBool(ref, args, 'ignore_if_missing') ?? false,
    count,
    uncomment,
    keyIgnoreCase: optBool(ref, args, 'key_ignore_case') ?? false,
    valueIgnoreCase: optBool(ref, args, 'value_ignore_case') ?? false,
  };
}

async function plan(p: KeyvalueParams, ctx: CheckContext): Promise<Plan | 'missing'> {
  let read: Awaited<ReturnType<typeof readText>>;
  try {
    read = await readText(ctx.host, p.name);
  } catch {
    read = { target: p.name, text: null };
  }
  if (read.text === null) {
    if (p.ignoreIfMissing) return 'missing';
    throw new Error(`unable to open ${p.name}`);
  }
  return { target: read.target, ...keyvalueEdit(p, read.text) };
}

export const keyvalue: StateFunction<KeyvalueParams> = {
  parse,
  async check(p, ctx) {
    p.plan = await plan(p, ctx);
    if (p.plan === 'missing' || p.plan.changes === 0) return {};
    return p.showChanges ? { diff: p.plan.diff.join('') } : { lines: p.plan.changes };
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const now = await plan(p, ctx);
    if (now === 'missing' || now.changes === 0) return { changes: {}, comment: keyvalue.okComment!(p) };
    await ctx.host.writeFileAtomic(now.target, now.content);
    return { changes: p.showChanges ? { diff: now.diff.join('') } : {}, comment: `Changed ${now.changes} lines` };
  },
  okComment: (p) => (p.plan === 'missing' ? `unable to open ${p.name}` : ''),
  testComment(p) {
    const pl = p.plan as Plan;
    const head = `File ${p.name} is set to be changed (${pl.changes} lines)`;
    return p.showChanges ? `${head}\nPredicted diff:\n\r\t\t${pl.diff.join('\r\t\t')}` : head;
  },
  testChanges: (p, pending) => (p.showChanges ? pending : {}),
  recheck: false,
};
