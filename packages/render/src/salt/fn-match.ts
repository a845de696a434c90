/**
 * match.* (salt/modules/match.py and salt/matchers/*) for the minion rendering: glob, list, pcre, grain, pillar
 * (Salt's subdict_match: case-insensitive globs), compound (Salt's word-by-word evaluation), filter_by, search_by,
 * and the `ifelse` global.
 */
import { expandNodegroups } from '@brine/core';
import { TemplateError } from '../jinja/errors';
import { dictEntries, dictGet, dictKeys, isDict, pyBool, pyIter, pyStr, type Dict } from '../jinja/values';
import type { FunctionTable, SaltTemplateContext } from './context';
import { DEFAULT_TARGET_DELIM, fnmatchcase, subdictMatch, update } from './data';
import { addrInNetwork, ipAddress, ipNetwork } from './ipaddr';
import { deepcopy, fn, pyDict, str, type AnyDict, type TemplateFunction } from './py';
import { pyRegex } from './pyregex';

type Matcher = (tgt: unknown, minionId: string) => boolean;

const TARGET = /^(?:([GPIJLNSER])((?<=[GPIJ]).)?@)?(.+)$/s;

export class SaltMatcher {
  constructor(private readonly c: SaltTemplateContext) {}

  private get pillar(): Dict {
    return this.c.pillar;
  }

  glob(tgt: unknown, id = this.c.id): boolean {
    return typeof tgt === 'string' && fnmatchcase(id, tgt);
  }

  list(tgt: unknown, id = this.c.id): boolean {
    if (typeof tgt === 'string') return tgt.includes(`,${id},`) || tgt.startsWith(id + ',') || tgt.endsWith(',' + id) || id === tgt;
    if (Array.isArray(tgt)) return tgt.some((x) => x === id);
    return false;
  }

  pcre(tgt: unknown, id = this.c.id): boolean {
    return pyRegex(str(tgt)).match(id) !== null;
  }

  data(data: unknown, tgt: unknown, delimiter: string, regex: boolean): boolean {
    const t = str(tgt);
    if (!t.includes(delimiter)) {
      this.c.log.error(`Got insufficient arguments for ${regex ? 'pcre ' : ''}match statement from master`);
      return false;
    }
    return subdictMatch(data, t, delimiter, regex);
  }

  ipcidr(tgt: unknown): boolean {
    const t = str(tgt);
    const ips = [...toList(this.c.grains['ipv4']), ...toList(this.c.grains['ipv6'])].map((x) => pyStr(x));
    const single = ipAddress(t);
    if (single) return ips.includes(t);
    const net = ipNetwork(t, false);
    if (!net) {
      this.c.log.error(`Invalid IP/CIDR target: ${t}`);
      return false;
    }
    return ips.some((ip) => {
      const a = ipAddress(ip);
      return a !== null && addrInNetwork(a, net);
    });
  }

  /** salt.matchers.compound_match: each word becomes True/False, then the boolean expression is evaluated. */
  compound(tgt: unknown, id = this.c.id): boolean {
    if (typeof tgt !== 'string' && !Array.isArray(tgt)) {
      this.c.log.error('Compound target received that is neither string, list nor tuple');
      return false;
    }
    const words = typeof tgt === 'string' ? tgt.split(/\s+/).filter(Boolean) : tgt.map((w) => pyStr(w));
    const nodegroups = (isDict(this.c.opts['nodegroups']) ? this.c.opts['nodegroups'] : {}) as Record<string, string | string[]>;
    const results: string[] = [];
    const opers = ['and', 'or', 'not', '(', ')'];
    while (words.length) {
      const word = words.shift()!;
      if (opers.includes(word)) {
        if (results.length) {
          const last = results[results.length - 1]!;
          if (last === '(' && (word === 'and' || word === 'or')) return false;
          if (word === 'not' && !['and', 'or', '('].includes(last)) results.push('and');
          results.push(word);
        } else {
          if (word !== '(' && word !== 'not') return false;
          results.push(word);
        }
        continue;
      }
      const m = TARGET.exec(word)!;
      const [, engine, delim, pattern] = m;
      if (!engine) {
        results.push(this.glob(word, id) ? 'True' : 'False');
        continue;
      }
      if (engine === 'N') {
        try {
          words.unshift(...expandNodegroups(`N@${pattern}`, nodegroups).split(/\s+/).filter(Boolean));
        } catch {
          /* an unknown nodegroup adds nothing */
        }
        continue;
      }
      const d = delim ?? DEFAULT_TARGET_DELIM;
      let r: boolean;
      try {
        switch (engine) {
          case 'G': r = this.data(this.c.grains, pattern, d, false); break;
          case 'P': r = this.data(this.c.grains, pattern, d, true); break;
          case 'I': r = this.data(this.pillar, pattern, d, false); break;
          case 'J': r = this.data(this.pillar, pattern, d, true); break;
          case 'L': r = this.list(pattern, id); break;
          case 'E': r = this.pcre(pattern, id); break;
          case 'S': r = this.ipcidr(pattern); break;
          default:
            this.c.log.error(`Unrecognized target engine "${engine}" for target expression "${word}"`);
            return false;
        }
      } catch {
        r = false;
      }
      results.push(r ? 'True' : 'False');
    }
    const value = evalBool(results);
    if (value === null) this.c.log.error(`Invalid compound target: ${pyStr(tgt)} for results: ${results.join(' ')}`);
    return value ?? false;
  }
}

const toList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Python's eval of `True and not ( False or True )`; null for a syntax error. */
function evalBool(tokens: string[]): boolean | null {
  let i = 0;
  const binary =
    (op: 'and' | 'or', next: () => boolean | null) =>
    (): boolean | null => {
      let v = next();
      while (v !== null && tokens[i] === op) {
        i++;
        const r = next();
        if (r === null) return null;
        v = op === 'or' ? v || r : v && r;
      }
      return v;
    };
  function not(): boolean | null {
    const t = tokens[i];
    if (t === 'not') {
      i++;
      const r = not();
      return r === null ? null : !r;
    }
    if (t === '(') {
      i++;
      const r = or();
      if (tokens[i] !== ')') return null;
      i++;
      return r;
    }
    if (t === 'True' || t === 'False') {
      i++;
      return t === 'True';
    }
    return null;
  }
  const and = binary('and', not);
  const or = binary('or', and);
  if (!tokens.length) return null;
  const v = or();
  return i === tokens.length ? v : null;
}

export function matchFunctions(c: SaltTemplateContext): FunctionTable {
  const m = new SaltMatcher(c);
  const safe = (f: () => boolean): boolean => {
    try {
      return f();
    } catch (e) {
      c.log.error(String((e as Error).message));
      return false;
    }
  };
  const byType: Record<string, Matcher> = {
    compound: (t, id) => m.compound(t, id),
    glob: (t, id) => m.glob(t, id),
    list: (t, id) => m.list(t, id),
    pcre: (t, id) => safe(() => m.pcre(t, id)),
    grain: (t) => safe(() => m.data(c.grains, t, DEFAULT_TARGET_DELIM, false)),
    grain_pcre: (t) => safe(() => m.data(c.grains, t, DEFAULT_TARGET_DELIM, true)),
    pillar: (t) => safe(() => m.data(c.pillar, t, DEFAULT_TARGET_DELIM, false)),
    pillar_pcre: (t) => safe(() => m.data(c.pillar, t, DEFAULT_TARGET_DELIM, true)),
    ipcidr: (t) => safe(() => m.ipcidr(t)),
  };
  const matcherFor = (tgtType: unknown): Matcher => {
    const f = byType[str(tgtType)];
    if (!f) throw new TemplateError(`KeyError: '${str(tgtType)}'`, 'runtime');
    return f;
  };
  const idArg = (v: unknown): string => (v === null ? c.id : str(v));
  const filterBy = (lookup: unknown, tgtType: unknown, minionId: unknown, merge: unknown, mergeLists: unknown, dflt: unknown): unknown => {
    if (!isDict(lookup)) throw new TemplateError(`'${typeof lookup}' object is not iterable`, 'type');
    const f = matcherFor(tgtType);
    for (const key of dictKeys(lookup)) {
      if (!f(key, idArg(minionId))) continue;
      const val = dictGet(lookup, key);
      if (pyBool(merge)) {
        if (!isDict(merge)) throw new TemplateError('filter_by merge argument must be a dictionary.', 'runtime');
        if (val === null) return merge;
        update(val as AnyDict, deepcopy(merge), true, pyBool(mergeLists));
      }
      return val;
    }
    const d = dictGet(lookup, dflt);
    return typeof d === 'symbol' ? null : d;
  };
  const delimited = (name: string, f: (t: unknown, d: string) => boolean): TemplateFunction =>
    fn(name, ['tgt', ['delimiter', DEFAULT_TARGET_DELIM]], (v) => safe(() => f(v['tgt'], str(v['delimiter']))));
  const ifelse: TemplateFunction = fn(
    'ifelse',
    [],
    (_v, b) => {
      const args = b.rest;
      const kw = b.extra;
      if (args.length % 2 === 0) throw new TemplateError('SaltException: The ifelse function must have an odd number of arguments!', 'runtime');
      if (args.length === 1) return args[0];
      const DEFAULT_KEY = 'SALT_IFELSE_FUNCTION_DEFAULT';
      const lookup = pyDict();
      for (let i = 0; i + 1 < args.length; i += 2) {
        const key = args[i] === true ? '*' : args[i] === false ? 'SALT_IFELSE_MATCH_NOTHING' : args[i];
        lookup.set(key, args[i + 1]);
      }
      lookup.set(DEFAULT_KEY, args[args.length - 1]);
      return filterBy(lookup, kw['tgt_type'] ?? 'compound', kw['minion_id'] ?? null, kw['merge'] ?? null, kw['merge_lists'] ?? false, DEFAULT_KEY);
    },
    { varargs: true, varkw: true },
  );
  return {
    'match.compound': fn('compound', ['tgt', ['minion_id', null]], (v) => m.compound(v['tgt'], idArg(v['minion_id']))),
    'match.glob': fn('glob', ['tgt', ['minion_id', null]], (v) => m.glob(v['tgt'], idArg(v['minion_id']))),
    'match.list': fn('list_', ['tgt', ['minion_id', null]], (v) => m.list(v['tgt'], idArg(v['minion_id']))),
    'match.pcre': fn('pcre', ['tgt', ['minion_id', null]], (v) => safe(() => m.pcre(v['tgt'], idArg(v['minion_id'])))),
    'match.grain': delimited('grain', (t, d) => m.data(c.grains, t, d, false)),
    'match.grain_pcre': delimited('grain_pcre', (t, d) => m.data(c.grains, t, d, true)),
    'match.pillar': delimited('pillar', (t, d) => m.data(c.pillar, t, d, false)),
    'match.pillar_pcre': delimited('pillar_pcre', (t, d) => m.data(c.pillar, t, d, true)),
    'match.ipcidr': fn('ipcidr', ['tgt'], (v) => safe(() => m.ipcidr(v['tgt']))),
    'match.filter_by': fn(
      'filter_by',
      ['lookup', ['tgt_type', 'compound'], ['minion_id', null], ['merge', null], ['merge_lists', false], ['default', 'default']],
      (v) => filterBy(v['lookup'], v['tgt_type'], v['minion_id'], v['merge'], v['merge_lists'], v['default']),
    ),
    'match.search_by': fn('search_by', ['lookup', ['tgt_type', 'compound'], ['minion_id', null]], (v) => {
      if (!isDict(v['lookup'])) throw new TemplateError(`'${typeof v['lookup']}' object has no attribute 'items'`, 'runtime');
      const f = matcherFor(v['tgt_type']);
      const matches: unknown[] = [];
      for (const [key, targets] of dictEntries(v['lookup'])) {
        for (const t of pyIter(targets)) if (f(t, idArg(v['minion_id']))) matches.push(key);
      }
      return matches.length ? matches : null;
    }),
    'match.ifelse': ifelse,
  };
}
