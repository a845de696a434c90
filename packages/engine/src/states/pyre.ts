/**
 * Python `re` patterns and replacement templates on JavaScript's RegExp, for file.replace / file.line /
 * file.blockreplace, whose arguments are written for Python.
 *
 * Translated: `(?P<name>...)`, `(?P=name)`, `\A`, `\Z`, leading inline flags `(?aiLmsux)`, the verbose flag (`X`:
 * whitespace and `#` comments outside classes dropped), Python's `$` without MULTILINE (end, or before a final
 * newline), and the flags Salt takes (an int such as 8, or names like `[MULTILINE, IGNORECASE]`).
 * Replacement templates: `\1`..`\99`, `\g<1>`, `\g<name>`, `\n`, `\t`, `\\` and the other escapes `re.sub` knows.
 *
 * Limits (documented in the README): `\d`, `\w`, `\s` and `\b` are ASCII here (Python's are Unicode for str
 * patterns); possessive quantifiers, atomic groups and conditional groups `(?(1)...)` are refused with a clear
 * error; scoped inline flags `(?i:...)` are refused too. JavaScript's engine backtracks like Python's, so a
 * catastrophic pattern is as slow as it is in Salt.
 */

export const PY_FLAGS: Record<string, number> = {
  TEMPLATE: 1, T: 1, IGNORECASE: 2, I: 2, LOCALE: 4, L: 4, MULTILINE: 8, M: 8, DOTALL: 16, S: 16, UNICODE: 32, U: 32, VERBOSE: 64, X: 64, ASCII: 256, A: 256,
};

export class PyReError extends Error {}

/** Salt's `flags`: an int, a name, or a list of names (`re.` prefix allowed, any case). */
export function pyFlags(v: unknown): number {
  if (v === undefined || v === null) return 8;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  const names = Array.isArray(v) ? v : typeof v === 'string' ? v.replace(/^\[|\]$/g, '').split(/[\s,|]+/).filter(Boolean) : null;
  if (!names) throw new PyReError(`flags: expected an integer or a list of flag names, got ${JSON.stringify(v)}`);
  let out = 0;
  for (const n of names) {
    const key = String(n).replace(/^re\./i, '').toUpperCase();
    const f = PY_FLAGS[key];
    if (f === undefined) throw new PyReError(`flags: unknown flag ${JSON.stringify(n)} (use IGNORECASE, MULTILINE, DOTALL, VERBOSE...)`);
    out |= f;
  }
  return out;
}

/** Compile a Python pattern with Python flags to a JS RegExp (always global). */
export function pyRegExp(pattern: string, flags = 0): RegExp {
  let src = pattern;
  // Leading inline flags, possibly several groups: (?i)(?m)...
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(src); m; m = /^\(\?([aiLmsux]+)\)/.exec(src)) {
    for (const ch of m[1]) flags |= PY_FLAGS[ch.toUpperCase()] ?? 0;
    src = src.slice(m[0].length);
  }
  const verbose = (flags & 64) !== 0;
  const multiline = (flags & 8) !== 0;
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new PyReError(`bad escape (end of pattern) in ${JSON.stringify(pattern)}`);
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is literal in Python.
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (verbose && /\s/.test(c)) continue;
    if (verbose && c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      let m: RegExpExecArray | null;
      if ((m = /^P<([A-Za-z_]\w*)>/.exec(rest))) {
        out += `(?<${m[1]}>`;
        i += 1 + m[0].length;
        continue;
      }
      if ((m = /^P=([A-Za-z_]\w*)\)/.exec(rest))) {
        out += `\\k<${m[1]}>`;
        i += 1 + m[0].length;
        continue;
      }
      if (rest.startsWith('#')) {
        const end = src.indexOf(')', i);
        if (end < 0) throw new PyReError(`missing ), unterminated comment in ${JSON.stringify(pattern)}`);
        i = end;
        continue;
      }
      if (/^[:=!]|^<[=!]|^<[A-Za-z_]/.test(rest)) {
        out += '(?';
        i += 1;
        continue;
      }
      throw new PyReError(`unsupported group syntax "(?${rest.slice(0, 3)}" in ${JSON.stringify(pattern)} (inline flags go at the start of the pattern; atomic and conditional groups are not supported)`);
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && src[i + 1] === '+') {
      throw new PyReError(`possessive quantifiers are not supported in ${JSON.stringify(pattern)}`);
    }
    if (c === '$' && !multiline) {
      out += '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    out += c;
  }
  if (inClass) throw new PyReError(`unterminated character set in ${JSON.stringify(pattern)}`);
  let js = 'g';
  if (flags & 2) js += 'i';
  if (flags & 8) js += 'm';
  if (flags & 16) js += 's';
  try {
    return new RegExp(out, js);
  } catch (e) {
    throw new PyReError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '').replace(/^\/.*\/[a-z]*: /s, '')}`);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

type ReplPart = string | { group: number | string };

/** Parse a `re.sub` replacement template (Python rules: unknown letter escapes are errors, others stay literal). */
export function parseRepl(repl: string): ReplPart[] {
  const parts: ReplPart[] = [];
  let lit = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = repl[i + 1];
    if (n === undefined) throw new PyReError(`bad escape (end of pattern) in replacement ${JSON.stringify(repl)}`);
    if (n === 'g') {
      const m = /^<([^>]*)>/.exec(repl.slice(i + 2));
      if (!m) throw new PyReError(`missing group name in replacement ${JSON.stringify(repl)}`);
      if (lit) parts.push(lit);
      lit = '';
      parts.push({ group: /^\d+$/.test(m[1]) ? Number(m[1]) : m[1] });
      i += 1 + m[0].length;
      continue;
    }
    if (/\d/.test(n)) {
      // Octal escape (\0, or three octal digits), else a group of one or two digits.
      const oct = /^(0[0-7]{0,2}|[0-7]{3})/.exec(repl.slice(i + 1));
      if (oct && (n === '0' || oct[1].length === 3)) {
        lit += String.fromCharCode(parseInt(oct[1], 8));
        i += oct[1].length;
        continue;
      }
      const g = /^\d{1,2}/.exec(repl.slice(i + 1))![0];
      if (lit) parts.push(lit);
      lit = '';
      parts.push({ group: Number(g) });
      i += g.length;
      continue;
    }
    if (SIMPLE_ESCAPES[n] !== undefined) {
      lit += SIMPLE_ESCAPES[n];
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(n)) throw new PyReError(`bad escape \\${n} in replacement ${JSON.stringify(repl)}`);
    lit += c + n;
    i++;
  }
  if (lit) parts.push(lit);
  return parts;
}

/** `re.subn(pattern, repl, text, count)`: the new text and the number of replacements. */
export function pySubn(re: RegExp, repl: string, text: string, count = 0): { text: string; n: number } {
  const parts = parseRepl(repl);
  let n = 0;
  const out = text.replace(re, (...m: unknown[]) => {
    const whole = m[0] as string;
    if (count > 0 && n >= count) return whole;
    n++;
    const last = m[m.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const groups = m.slice(0, named ? -3 : -2) as (string | undefined)[];
    return parts
      .map((p) => {
        if (typeof p === 'string') return p;
        if (typeof p.group === 'number') {
          if (p.group >= groups.length) throw new PyReError(`invalid group reference ${p.group} in replacement ${JSON.stringify(repl)}`);
          return groups[p.group] ?? '';
        }
        if (!named || !(p.group in named)) throw new PyReError(`unknown group name '${p.group}' in replacement ${JSON.stringify(repl)}`);
        return named[p.group] ?? '';
      })
      .join('');
  });
  return { text: out, n };
}

/** Python's `re.escape` (escapes everything but ASCII letters, digits and `_`). */
export function pyEscape(s: string): string {
  return s.replace(/[^A-Za-z0-9_\u0080-\uffff]/g, (c) => `\\${c}`);
}
