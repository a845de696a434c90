/**
 * Python's `re` over JavaScript's RegExp: a Python pattern is translated (named groups, `\A` `\Z`, `$` before a final
 * newline, `.` not matching only `\n`, inline flags, lone braces, escapes JS refuses in unicode mode) and a
 * replacement template is expanded as `re.sub` does (`\1`, `\g<name>`, escapes).
 */
import { TemplateError } from '../jinja/errors';

export interface PyFlags {
  ignorecase?: boolean;
  multiline?: boolean;
  dotall?: boolean;
  verbose?: boolean;
}

const reError = (msg: string): TemplateError => new TemplateError(`re.error: ${msg}`, 'runtime');

const SYNTAX = '^$\\.*+?()[]{}|/';

/** One literal code point, safe in a unicode-mode RegExp (`-` needs its escape only inside a class). */
function lit(c: string, inClass = false): string {
  if (SYNTAX.includes(c) || (inClass && c === '-')) return '\\' + c;
  if (/[\p{L}\p{N} _]/u.test(c) || (c.codePointAt(0)! > 0x20 && c.codePointAt(0)! < 0x7f)) return c;
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

const CLASS_ESC: Record<string, string> = {
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: '\\p{L}\\p{N}_',
  s: '\\s',
  S: '\\S',
};

const CTRL: Record<string, string> = { a: '\x07', b: '\x08', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

interface Translated {
  source: string;
  flags: PyFlags;
  groupNames: Map<string, number>;
  groups: number;
}

/** Translate a Python pattern into a JS (unicode mode) source. */
export function translate(pattern: string, flagsIn: PyFlags = {}): Translated {
  const flags: PyFlags = { ...flagsIn };
  // Global inline flags at the start: (?aiLmsux)
  let p = pattern;
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(p); m; m = /^\(\?([aiLmsux]+)\)/.exec(p)) {
    for (const f of m[1]!) {
      if (f === 'i') flags.ignorecase = true;
      else if (f === 'm') flags.multiline = true;
      else if (f === 's') flags.dotall = true;
      else if (f === 'x') flags.verbose = true;
    }
    p = p.slice(m[0].length);
  }
  const cs = [...p];
  let out = '';
  let groups = 0;
  const groupNames = new Map<string, number>();
  let i = 0;
  const peek = (k = 0): string | undefined => cs[i + k];

  const escape = (inClass: boolean): string => {
    const c = cs[++i];
    i++;
    if (c === undefined) throw reError('bad escape (end of pattern)');
    if (c in CLASS_ESC && c !== 'W') return inClass ? CLASS_ESC[c]! : c === 'w' ? '[\\p{L}\\p{N}_]' : CLASS_ESC[c]!;
    if (c === 'W') return inClass ? (() => { throw reError('\\W inside a character class is not supported'); })() : '[^\\p{L}\\p{N}_]';
    if (c === 'b') return inClass ? '\\x08' : '\\b';
    if (c === 'B') return '\\B';
    if (c === 'A') return inClass ? (() => { throw reError('bad escape \\A'); })() : '(?<![\\s\\S])';
    if (c === 'Z') return inClass ? (() => { throw reError('bad escape \\Z'); })() : '(?![\\s\\S])';
    if (CTRL[c] !== undefined) return lit(CTRL[c]!, inClass);
    if (c === 'x') {
      const h = cs.slice(i, i + 2).join('');
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw reError(`incomplete escape \\x${h}`);
      i += 2;
      return lit(String.fromCodePoint(parseInt(h, 16)), inClass);
    }
    if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8;
      const h = cs.slice(i, i + n).join('');
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw reError(`incomplete escape \\${c}${h}`);
      i += n;
      return lit(String.fromCodePoint(parseInt(h, 16)), inClass);
    }
    if (c === 'N' && cs[i] === '{') throw reError('\\N{...} escapes are not supported');
    if (/[0-9]/.test(c)) {
      // Octal (\0, \012, three octal digits) or a group reference (\1..\99).
      let digits = c;
      if (c === '0') {
        while (digits.length < 3 && /[0-7]/.test(cs[i] ?? '')) digits += cs[i++];
        return lit(String.fromCodePoint(parseInt(digits, 8)), inClass);
      }
      if (/[0-7]/.test(c) && /[0-7]/.test(cs[i] ?? '') && /[0-7]/.test(cs[i + 1] ?? '')) {
        digits += cs[i]! + cs[i + 1]!;
        i += 2;
        return lit(String.fromCodePoint(parseInt(digits, 8)), inClass);
      }
      if (/[0-9]/.test(cs[i] ?? '')) digits += cs[i++];
      if (inClass) throw reError(`bad escape \\${digits}`);
      const n = Number(digits);
      if (n > groups) throw reError(`invalid group reference ${n}`);
      return `\\${n}(?:)`;
    }
    if (/[A-Za-z]/.test(c)) throw reError(`bad escape \\${c}`);
    return lit(c, inClass);
  };

  const klass = (): string => {
    i++; // [
    let body = '';
    if (peek() === '^') {
      body += '^';
      i++;
    }
    let first = true;
    while (i < cs.length) {
      const c = cs[i]!;
      if (c === ']' && !first) {
        i++;
        return '[' + body + ']';
      }
      first = false;
      if (c === '\\') body += escape(true);
      else if (c === '-') {
        body += peek(1) === ']' || body === '' || body === '^' ? '\\-' : '-';
        i++;
      } else {
        body += lit(c, true);
        i++;
      }
    }
    throw reError('unterminated character set');
  };

  while (i < cs.length) {
    const c = cs[i]!;
    if (flags.verbose) {
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < cs.length && cs[i] !== '\n') i++;
        continue;
      }
    }
    if (c === '\\') out += escape(false);
    else if (c === '[') out += klass();
    else if (c === '.') {
      out += flags.dotall ? '[\\s\\S]' : '[^\\n]';
      i++;
    } else if (c === '^') {
      out += flags.multiline ? '(?<![^\\n])' : '(?<![\\s\\S])';
      i++;
    } else if (c === '$') {
      out += flags.multiline ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))';
      i++;
    } else if (c === '(') {
      i++;
      if (peek() === '?') {
        const rest = cs.slice(i, i + 40).join('');
        let m: RegExpExecArray | null;
        if ((m = /^\?P<([A-Za-z_]\w*)>/.exec(rest))) {
          groups++;
          groupNames.set(m[1]!, groups);
          out += `(?<${m[1]}>`;
          i += m[0].length;
        } else if ((m = /^\?P=([A-Za-z_]\w*)\)/.exec(rest))) {
          if (!groupNames.has(m[1]!)) throw reError(`unknown group name '${m[1]}'`);
          out += `\\k<${m[1]}>`;
          i += m[0].length;
        } else if ((m = /^\?#[^)]*\)/.exec(cs.slice(i).join('')))) {
          i += [...m[0]].length;
        } else if ((m = /^\?(:|=|!|<=|<!)/.exec(rest))) {
          out += '(' + m[0];
          i += m[0].length;
        } else if ((m = /^\?<([A-Za-z_]\w*)>/.exec(rest))) {
          throw reError(`unknown extension ?<${m[1]}`);
        } else throw reError(`unsupported group (${rest.slice(0, 6)}...) in a Python pattern`);
      } else {
        groups++;
        out += '(';
      }
    } else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(cs.slice(i, i + 30).join(''));
      if (m && (m[1] !== '' || (m[2] === ',' && m[3] !== ''))) {
        out += `{${m[1] || '0'}${m[2]}${m[3]}}`;
        i += m[0].length;
      } else {
        out += '\\{';
        i++;
      }
    } else if (c === '}') {
      out += '\\}';
      i++;
    } else if ('*+?|)'.includes(c)) {
      out += c;
      i++;
    } else {
      out += lit(c);
      i++;
    }
  }
  return { source: out, flags, groupNames, groups };
}

export class PyRegex {
  readonly re: RegExp;
  readonly groups: number;
  readonly groupNames: Map<string, number>;
  constructor(pattern: string, flags: PyFlags = {}) {
    const t = translate(pattern, flags);
    this.groups = t.groups;
    this.groupNames = t.groupNames;
    try {
      this.re = new RegExp(t.source, 'gu' + (t.flags.ignorecase ? 'i' : ''));
    } catch (e) {
      throw reError(`${(e as Error).message} (pattern ${JSON.stringify(pattern)})`);
    }
  }

  /** `re.search`: the first match from `pos`, or null. */
  search(s: string, pos = 0): RegExpExecArray | null {
    this.re.lastIndex = pos;
    return this.re.exec(s);
  }

  /** `re.match`: a match starting at 0 only. */
  match(s: string): RegExpExecArray | null {
    const sticky = new RegExp(this.re.source, this.re.flags.replace('g', '') + 'y');
    sticky.lastIndex = 0;
    return sticky.exec(s);
  }

  /** `re.fullmatch`. */
  fullmatch(s: string): RegExpExecArray | null {
    const full = new RegExp(`(?:${this.re.source})(?![\\s\\S])`, this.re.flags.replace('g', '') + 'y');
    return full.exec(s);
  }

  /** `m.groups()`: each group's text, null when it did not take part. */
  static groupsOf(m: RegExpExecArray): (string | null)[] {
    return m.slice(1).map((g) => (g === undefined ? null : g));
  }

  /** `re.sub(pattern, repl, s)` with Python's template syntax. */
  sub(s: string, repl: string, count = 0): string {
    const expand = this.template(repl);
    let n = 0;
    return s.replace(this.re, (...a: unknown[]) => {
      const m = a.slice(0, this.groups + 1) as (string | undefined)[];
      if (count > 0 && n >= count) return m[0]!;
      n++;
      return expand(m);
    });
  }

  private template(repl: string): (m: (string | undefined)[]) => string {
    const parts: (string | number)[] = [];
    let buf = '';
    const r = [...repl];
    for (let i = 0; i < r.length; i++) {
      const c = r[i]!;
      if (c !== '\\') {
        buf += c;
        continue;
      }
      const d = r[++i];
      if (d === undefined) throw reError('bad escape (end of pattern)');
      if (d === 'g') {
        const m = /^<([^>]*)>/.exec(r.slice(i + 1).join(''));
        if (!m) throw reError('missing <');
        const name = m[1]!;
        const idx = /^\d+$/.test(name) ? Number(name) : this.groupNames.get(name);
        if (idx === undefined) throw new TemplateError(`IndexError: unknown group name '${name}'`, 'runtime');
        if (idx > this.groups) throw reError(`invalid group reference ${idx}`);
        parts.push(buf, idx);
        buf = '';
        i += m[0].length;
      } else if (/[0-9]/.test(d)) {
        let digits = d;
        if (d === '0' || (/[0-7]/.test(r[i + 1] ?? '') && /[0-7]/.test(r[i + 2] ?? '') && /[0-7]/.test(d))) {
          while (digits.length < 3 && /[0-7]/.test(r[i + 1] ?? '')) digits += r[++i];
          buf += String.fromCodePoint(parseInt(digits, 8));
          continue;
        }
        if (/[0-9]/.test(r[i + 1] ?? '')) digits += r[++i];
        const idx = Number(digits);
        if (idx > this.groups) throw reError(`invalid group reference ${idx}`);
        parts.push(buf, idx);
        buf = '';
      } else if (CTRL[d] !== undefined) buf += CTRL[d];
      else if (d === '\\') buf += '\\';
      else if (/[A-Za-z]/.test(d)) throw reError(`bad escape \\${d}`);
      else buf += '\\' + d;
    }
    parts.push(buf);
    return (m) => parts.map((x) => (typeof x === 'number' ? m[x] ?? '' : x)).join('');
  }
}

/** Python's `re.escape` (3.7+): only the special characters get a backslash. */
export function reEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => '\\' + c);
}

const cache = new Map<string, PyRegex>();

/** A compiled Python regex (cached). */
export function pyRegex(pattern: string, flags: PyFlags = {}): PyRegex {
  const key = `${flags.ignorecase ? 'i' : ''}${flags.multiline ? 'm' : ''}${flags.dotall ? 's' : ''}\0${pattern}`;
  let r = cache.get(key);
  if (!r) {
    r = new PyRegex(pattern, flags);
    if (cache.size > 500) cache.clear();
    cache.set(key, r);
  }
  return r;
}
