/**
 * Salt's targeting: glob, list, grain, pillar, pcre, compound (G@ I@ L@ E@ P@ J@ and/or/not, parentheses).
 * Pure functions: the master uses them on cached grains to compute the expected minions, each minion on itself,
 * and top files (states and pillar) on the minion being compiled.
 */
import { isDict, type Dict } from './data';
import { UsageError } from './errors';

export type TargetType = 'glob' | 'list' | 'grain' | 'pillar' | 'pcre' | 'grain_pcre' | 'pillar_pcre' | 'compound' | 'nodegroup';

export const TARGET_TYPES: readonly TargetType[] = ['glob', 'list', 'grain', 'pillar', 'pcre', 'grain_pcre', 'pillar_pcre', 'compound', 'nodegroup'];

export interface TargetSubject {
  id: string;
  grains: Dict;
  pillar?: Dict;
}

export interface Target {
  tgt: string | string[];
  type: TargetType;
}

/** Shell-style glob (`*`, `?`, `[abc]`, `[!a]`) to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
      } else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 's');
}

type GlobTok = { star: true } | { star: false; test: (c: string) => boolean };

function globTokens(glob: string): GlobTok[] {
  const out: GlobTok[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (!out.length || !out[out.length - 1]!.star) out.push({ star: true });
    } else if (c === '?') out.push({ star: false, test: () => true });
    else if (c === '[' && glob.indexOf(']', i + 2) !== -1) {
      const end = glob.indexOf(']', i + 2); // as globToRegExp: `[]` never closes a class
      const one = globToRegExp(glob.slice(i, end + 1)); // one character class: no backtracking
      out.push({ star: false, test: (x) => one.test(x) });
      i = end;
    } else out.push({ star: false, test: (x) => x === c });
  }
  return out;
}

/**
 * Shell-style glob match in O(len(glob) x len(value)) at worst: a regex would backtrack polynomially on
 * `*a*a*a*a*b`, and targets reach the master from minions too (mine.get).
 */
export function globMatch(glob: string, value: string): boolean {
  const t = globTokens(glob);
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < value.length) {
    const tok = t[p];
    if (tok && !tok.star && tok.test(value[s]!)) {
      p++;
      s++;
    } else if (tok && tok.star) {
      starP = p++;
      starS = s;
    } else if (starP !== -1) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (p < t.length && t[p]!.star) p++;
  return p === t.length;
}

/**
 * A regular expression from an untrusted sender (a minion's mine.get target) is refused. JavaScript's engine
 * backtracks and cannot be interrupted, and no syntactic filter catches every catastrophic pattern (empty classes,
 * bounded repetitions, alternations under repetition...), so a minion could stall the master's only thread.
 * Minions target with globs, grains, lists, pillar and compound terms without E@/P@/J@.
 */
export function untrustedRegExp(pattern: string): never {
  throw new UsageError(
    `regular expression refused: '${pattern.slice(0, 64)}' (targets from minions cannot use regular expressions; use a glob, grain, list, pillar or compound target without E@, P@ or J@)`,
  );
}

/**
 * Match `key:value` against nested data, the way Salt's grain and pillar matchers do:
 * the value is a glob (or regex) compared with a scalar, or with any element of a list.
 */
export function matchData(data: Dict, expr: string, regex = false, delimiter = ':', opts: MatchOptions = {}): boolean {
  const parts = expr.split(delimiter);
  if (parts.length < 2) return false;
  // Refused whatever the data holds, so a refusal does not depend on who has which grain.
  if (regex && opts.untrusted) untrustedRegExp(expr);
  // Try every split point so values containing the delimiter (e.g. `ip:10.0.0.1`) still work.
  for (let split = parts.length - 1; split >= 1; split--) {
    const key = parts.slice(0, split);
    const pattern = parts.slice(split).join(delimiter);
    let cur: unknown = data;
    let found = true;
    for (const k of key) {
      if (isDict(cur) && k in cur) cur = cur[k];
      else {
        found = false;
        break;
      }
    }
    if (!found) continue;
    if (matchValue(cur, pattern, regex ? new RegExp(pattern) : null)) return true; // untrusted ones threw above
  }
  return false;
}

function matchValue(v: unknown, pattern: string, regex: RegExp | null): boolean {
  if (Array.isArray(v)) return v.some((x) => matchValue(x, pattern, regex));
  if (isDict(v)) return pattern in v;
  if (v === null || v === undefined) return false;
  const s = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
  return regex ? regex.test(s) : globMatch(pattern, s) || (typeof v === 'boolean' && globMatch(pattern.toLowerCase(), s.toLowerCase()));
}

function listOf(tgt: string | string[]): string[] {
  return Array.isArray(tgt) ? tgt : tgt.split(',').map((s) => s.trim()).filter(Boolean);
}

export interface MatchOptions {
  nodegroups?: Record<string, string | string[]>;
  /** The target comes from a minion: regular expressions are refused (untrustedRegExp). */
  untrusted?: boolean;
}

const regexFor = (pattern: string, opts: MatchOptions): RegExp => (opts.untrusted ? untrustedRegExp(pattern) : new RegExp(pattern));

/** Does `subject` match the target? Throws UsageError on a malformed compound expression. */
export function matchTarget(t: Target, subject: TargetSubject, opts: MatchOptions = {}): boolean {
  const tgt = t.tgt;
  switch (t.type) {
    case 'glob':
      return globMatch(String(tgt), subject.id);
    case 'list':
      return listOf(tgt).includes(subject.id);
    case 'pcre':
      return regexFor(String(tgt), opts).test(subject.id);
    case 'grain':
      return matchData(subject.grains, String(tgt));
    case 'grain_pcre':
      return matchData(subject.grains, String(tgt), true, ':', opts);
    case 'pillar':
      return matchData(subject.pillar ?? {}, String(tgt));
    case 'pillar_pcre':
      return matchData(subject.pillar ?? {}, String(tgt), true, ':', opts);
    case 'nodegroup': {
      const ng = opts.nodegroups?.[String(tgt)];
      if (ng === undefined) throw new UsageError(`nodegroup: '${String(tgt)}' is not defined (add it under nodegroups: in the master config)`);
      return matchCompound(Array.isArray(ng) ? ng.join(' or ') : ng, subject, opts);
    }
    case 'compound':
      return matchCompound(String(tgt), subject, opts);
  }
}

/** Throws when an untrusted target is malformed or holds a refused regular expression (checked without any data). */
export function checkUntrustedTarget(t: Target, opts: MatchOptions = {}): void {
  matchTarget(t, { id: '', grains: {}, pillar: {} }, { ...opts, untrusted: true });
}

type Tok = { kind: 'and' | 'or' | 'not' | '(' | ')' } | { kind: 'term'; value: string };

/** Words split on whitespace, as Salt does; parentheses must stand as words of their own: `( a or b ) and c`. */
function tokenize(expr: string): Tok[] {
  return expr
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w): Tok => {
      const lw = w.toLowerCase();
      if (w === '(' || w === ')') return { kind: w };
      if (lw === 'and' || lw === 'or' || lw === 'not') return { kind: lw };
      return { kind: 'term', value: w };
    });
}

/** Evaluate a compound expression: `G@roles:web and not L@web3 or E@^db\d+`. */
export function matchCompound(expr: string, subject: TargetSubject, opts: MatchOptions = {}): boolean {
  const toks = tokenize(expr);
  let pos = 0;
  const fail = (why: string): never => {
    throw new UsageError(`compound target '${expr}': ${why} (see Salt's compound matcher syntax)`);
  };
  const parseOr = (): boolean => {
    let v = parseAnd();
    while (pos < toks.length && toks[pos]!.kind === 'or') {
      pos++;
      const r = parseAnd();
      v = v || r;
    }
    return v;
  };
  const parseAnd = (): boolean => {
    let v = parseNot();
    for (;;) {
      const t = toks[pos];
      if (!t || t.kind === 'or' || t.kind === ')') return v;
      if (t.kind === 'and') pos++;
      // Salt treats juxtaposed terms as an implicit `and`.
      const r = parseNot();
      v = v && r;
    }
  };
  const parseNot = (): boolean => {
    const t = toks[pos];
    if (!t) return fail('unexpected end of expression');
    if (t.kind === 'not') {
      pos++;
      return !parseNot();
    }
    if (t.kind === '(') {
      pos++;
      const v = parseOr();
      if (toks[pos]?.kind !== ')') fail('missing )');
      pos++;
      return v;
    }
    if (t.kind === 'term') {
      pos++;
      return matchTerm(t.value, subject, opts, fail);
    }
    return fail(`unexpected '${t.kind}'`);
  };
  if (toks.length === 0) fail('empty expression');
  const v = parseOr();
  if (pos !== toks.length) fail(`unexpected '${JSON.stringify(toks[pos])}'`);
  return v;
}

function matchTerm(term: string, subject: TargetSubject, opts: MatchOptions, fail: (why: string) => never): boolean {
  const m = /^([A-Z])@(.*)$/s.exec(term);
  if (!m) return globMatch(term, subject.id);
  const [, letter, rest] = m as unknown as [string, string, string];
  switch (letter) {
    case 'G':
      return matchData(subject.grains, rest);
    case 'P':
      return matchData(subject.grains, rest, true, ':', opts);
    case 'I':
      return matchData(subject.pillar ?? {}, rest);
    case 'J':
      return matchData(subject.pillar ?? {}, rest, true, ':', opts);
    case 'L':
      return listOf(rest).includes(subject.id);
    case 'E':
      return regexFor(rest, opts).test(subject.id);
    case 'N':
      return matchTarget({ tgt: rest, type: 'nodegroup' }, subject, opts);
    case 'S':
      return matchSubnet(rest, subject.grains);
    default:
      return fail(`unknown matcher ${letter}@`);
  }
}

function ipv4ToInt(ip: string): number | null {
  const p = ip.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!/^\d+$/.test(x) || v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** `S@10.0.0.0/24` or `S@10.0.0.5` against the `ipv4` grain. */
function matchSubnet(cidr: string, grains: Dict): boolean {
  const [net, bitsS] = cidr.split('/');
  const bits = bitsS === undefined ? 32 : Number(bitsS);
  const base = ipv4ToInt(net ?? '');
  if (base === null || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const ips = Array.isArray(grains['ipv4']) ? (grains['ipv4'] as unknown[]) : [];
  return ips.some((ip) => {
    const n = ipv4ToInt(String(ip));
    return n !== null && ((n & mask) >>> 0) === ((base & mask) >>> 0);
  });
}

export function parseTargetType(s: string): TargetType {
  if ((TARGET_TYPES as readonly string[]).includes(s)) return s as TargetType;
  throw new UsageError(`target type: '${s}' is not one of ${TARGET_TYPES.join(', ')}`);
}

/**
 * Replace nodegroup references (`N@name` terms in a compound, or a whole nodegroup target) by their compound
 * expressions, recursively, so minions that do not know the master's nodegroups can match. Cycles are an error.
 */
export function expandNodegroups(expr: string, nodegroups: Record<string, string | string[]>, seen: string[] = []): string {
  return expr
    .trim()
    .split(/\s+/)
    .map((w) => {
      const m = /^N@(.+)$/.exec(w);
      if (!m) return w;
      const name = m[1]!;
      const ng = nodegroups[name];
      if (ng === undefined) throw new UsageError(`nodegroup '${name}' is not defined (add it under nodegroups: in the master config)`);
      if (seen.includes(name)) throw new UsageError(`nodegroup '${name}' refers to itself (${[...seen, name].join(' -> ')})`);
      const body = Array.isArray(ng) ? `L@${ng.join(',')}` : ng;
      return `( ${expandNodegroups(body, nodegroups, [...seen, name])} )`;
    })
    .join(' ');
}
