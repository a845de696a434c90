/**
 * Top files (`top.sls`, states and pillar): `env: {target: [sls, ..., {match: type}]}`. The compound matcher is
 * the default, as Salt's confirm_top has it (`'G@os_family:Debian'` or `'web* and G@role:app'` need no `match`; a
 * plain glob means the same through it); non-string entries other than `match` (and, in the state top, `{env: sls}`)
 * are ignored with a warning.
 *
 * Each environment may have its own top file; they are merged as Salt's `top_file_merging_strategy` says (see
 * mergeTops), then matched against the minion (topMatches): SLS names per environment, grouped by environment in
 * the order Salt renders them (a name listed as often as targets give it in the state top, once in the pillar top).
 */
import { RenderError, errorMessage, globMatch, isDict, matchTarget, parseTargetType, type Logger, type TargetSubject, type TargetType } from '@brine/core';

export interface TopMatch {
  env: string;
  sls: string;
  /** Where the target that gave it is. */
  file: string;
  line: number | undefined;
}

/** One rendered top file: its data and where its keys are. */
export interface TopFileData {
  data: unknown;
  file: string;
  lineOf: (path: (string | number)[]) => number | undefined;
}

/**
 * Salt's get_tops include step: the SLS files a top file's `include:` names (fnmatch over the environment's SLS
 * names, so one that matches nothing is skipped), each read once as more top data of the same environment.
 */
export function topIncludes(t: TopFileData, avail: () => string[], read: (sls: string) => TopFileData | null): TopFileData[] {
  const include = isDict(t.data) ? t.data['include'] : undefined;
  if (!Array.isArray(include)) return [];
  const out: TopFileData[] = [];
  const done = new Set<string>();
  for (const pattern of include) {
    for (const sls of avail().filter((n) => globMatch(String(pattern), n))) {
      if (done.has(sls)) continue;
      done.add(sls);
      const inc = read(sls);
      if (inc) out.push(inc);
    }
  }
  return out;
}

/** A target of the merged top: its entries and where they were written. */
interface TopTarget {
  entries: unknown;
  file: string;
  line: number | undefined;
}

/** The merged top data: environment -> target -> entries, in Salt's order. */
export type MergedTop = Map<string, Map<string, TopTarget>>;

export type MergeStrategy = 'merge' | 'same' | 'merge_all';

/** The sections of one top file, checked: `{env: {target: entries}}`, `include` left out. */
function sections(top: TopFileData): [string, [string, TopTarget][]][] {
  const { data, file, lineOf } = top;
  if (data === null || data === undefined) return [];
  if (!isDict(data)) throw new RenderError(file, 1, `top file: is not a mapping of environments (start with 'base:')`);
  const out: [string, [string, TopTarget][]][] = [];
  for (const [env, targets] of Object.entries(data)) {
    if (env === 'include' || targets === null || targets === undefined) continue;
    if (!isDict(targets)) throw new RenderError(file, lineOf([env]), `top file: environment '${env}' is not a mapping of targets (write '${env}:\\n  "*":\\n    - sls')`);
    out.push([env, Object.entries(targets).map(([tgt, entries]) => [tgt, { entries, file, line: lineOf([env, tgt]) }])]);
  }
  return out;
}

function put(top: MergedTop, env: string, tgt: string, t: TopTarget): void {
  let m = top.get(env);
  if (!m) top.set(env, (m = new Map()));
  m.set(tgt, t);
}

/**
 * Salt's merge_tops over the top files of each environment (`tops`: environment -> its top files, in Salt's
 * environment order):
 * - `merge` (the default): every section of base's top file, then from each other environment's top file only the
 *   section of that environment, unless base's already had one;
 * - `same`: each environment's section from its own top file only; an environment with no top file takes its
 *   section from `default_top`'s;
 * - `merge_all`: every section of every top file, a target's SLS lists joined.
 */
export function mergeTops(tops: Map<string, TopFileData[]>, strategy: string, defaultTop: string, log: Logger): MergedTop {
  const top: MergedTop = new Map();
  const chosen: MergeStrategy = strategy === 'same' || strategy === 'merge_all' || strategy === 'merge' ? strategy : 'merge';
  if (chosen !== strategy) log.warn(`Invalid top_file_merging_strategy '${strategy}', falling back to 'merge'`);
  if (chosen === 'merge') {
    for (const t of tops.get('base') ?? []) for (const [env, targets] of sections(t)) for (const [tgt, v] of targets) put(top, env, tgt, v);
    const fromBase = new Set(top.keys());
    for (const [cenv, files] of tops) {
      if (cenv === 'base') continue;
      for (const t of files) {
        for (const [env, targets] of sections(t)) {
          if (env !== cenv || fromBase.has(env)) continue;
          for (const [tgt, v] of targets) put(top, env, tgt, v);
        }
      }
    }
  } else if (chosen === 'same') {
    for (const [cenv, files] of tops) {
      const own = files.filter((t) => sections(t).length > 0 || (isDict(t.data) && Object.keys(t.data).length > 0));
      if (own.length === 0) {
        // Salt goes through each of default_top's top files (its includes too): a later one's targets win.
        let found = false;
        for (const t of tops.get(defaultTop) ?? []) {
          const section = sections(t).find(([env]) => env === cenv);
          if (!section) continue;
          found = true;
          for (const [tgt, v] of section[1]) put(top, cenv, tgt, v);
        }
        if (!found) log.warn(`The '${cenv}' saltenv has no top file, and no matches were found in the top file for the default_top saltenv (${defaultTop})`);
        continue;
      }
      for (const t of own) for (const [env, targets] of sections(t)) if (env === cenv) for (const [tgt, v] of targets) put(top, env, tgt, v);
    }
  } else {
    for (const files of tops.values()) {
      for (const t of files) {
        for (const [env, targets] of sections(t)) {
          for (const [tgt, v] of targets) {
            const prev = top.get(env)?.get(tgt);
            if (!prev) {
              put(top, env, tgt, v);
              continue;
            }
            const [type1, names1] = readTarget(prev.entries);
            const [type2, names2] = readTarget(v.entries);
            const merged: unknown[] = [];
            const type = type2 ?? type1;
            if (type !== undefined) merged.push(type);
            merged.push(...names1);
            merged.push(...names2.filter((x) => !merged.includes(x)));
            put(top, env, tgt, { ...prev, entries: merged });
          }
        }
      }
    }
  }
  return top;
}

/**
 * Salt's Pillar.merge_tops: every section of every top file, a target given again replacing the earlier one (its
 * `match` options and its names, each once), then each environment's targets sorted by their `order` (default 0,
 * stable). Names under a target with `ignore_missing: True` may have no file.
 */
export function mergePillarTops(tops: Map<string, TopFileData[]>): { top: MergedTop; ignored: Map<string, Set<string>> } {
  const top: MergedTop = new Map();
  const orders = new Map<string, Map<string, number>>();
  const ignored = new Map<string, Set<string>>();
  for (const files of tops.values()) {
    for (const t of files) {
      for (const [env, targets] of sections(t)) {
        for (const [tgt, v] of targets) {
          const matchOpts: unknown[] = [];
          const names: string[] = [];
          let order = 0;
          let ignoreMissing = false;
          for (const comp of Array.isArray(v.entries) ? v.entries : typeof v.entries === 'string' ? [v.entries] : []) {
            if (isDict(comp)) {
              if ('match' in comp) matchOpts.push(comp);
              if ('order' in comp) {
                const n = typeof comp['order'] === 'number' ? comp['order'] : parseInt(String(comp['order']), 10);
                order = Number.isFinite(n) ? Math.trunc(n) : 0;
              }
              if (comp['ignore_missing'] === true) ignoreMissing = true;
            }
            if (typeof comp === 'string' && !names.includes(comp)) names.push(comp);
          }
          if (ignoreMissing) {
            let set = ignored.get(env);
            if (!set) ignored.set(env, (set = new Set()));
            for (const n of names) set.add(n);
          }
          let o = orders.get(env);
          if (!o) orders.set(env, (o = new Map()));
          o.set(tgt, order);
          put(top, env, tgt, { ...v, entries: [...matchOpts, ...names] });
        }
      }
    }
  }
  for (const [env, targets] of top) {
    const o = orders.get(env)!;
    top.set(env, new Map([...targets].sort((a, b) => o.get(a[0])! - o.get(b[0])!)));
  }
  return { top, ignored };
}

/** Salt's _read_tgt: a target's match option (its last mapping) and its SLS names. */
function readTarget(entries: unknown): [unknown, string[]] {
  let type: unknown;
  const names: string[] = [];
  for (const item of Array.isArray(entries) ? entries : []) {
    if (isDict(item)) type = item;
    if (typeof item === 'string') names.push(item);
  }
  return [type, names];
}

export interface TopMatchOptions {
  subject: TargetSubject;
  nodegroups: Record<string, string | string[]> | undefined;
  log: Logger;
  /**
   * The state top (Salt's State.top_matches) lists a name as often as targets give it, and takes `{env: sls}` entries;
   * the pillar top (Pillar.top_matches) lists each name once and only takes plain names.
   */
  kind: 'states' | 'pillar';
  /** Only this environment's section counts (a run with `saltenv=`/`pillarenv=`). */
  only?: string | null;
  /** Whether an environment exists, for `{env: sls}` entries (Salt skips one naming an unknown environment). */
  hasEnv?: (env: string) => boolean;
}

/**
 * Salt's top_matches: the SLS names the merged top assigns to the minion, by environment in Salt's order (an
 * environment whose matching targets list nothing is there, empty).
 */
export function topMatches(top: MergedTop, o: TopMatchOptions): Map<string, TopMatch[]> {
  const byEnv = new Map<string, TopMatch[]>();
  const add = (m: TopMatch) => {
    let l = byEnv.get(m.env);
    if (!l) byEnv.set(m.env, (l = []));
    if (o.kind === 'pillar' && l.some((x) => x.sls === m.sls)) return;
    l.push(m);
  };
  for (const [env, targets] of top) {
    if (o.only && env !== o.only) continue;
    for (const [tgt, { entries, file, line }] of targets) {
      const list = Array.isArray(entries) ? entries : typeof entries === 'string' ? [entries] : [];
      let type: TargetType = 'compound';
      const found: TopMatch[] = [];
      for (const entry of list) {
        if (typeof entry === 'string') found.push({ env, sls: entry, file, line });
        else if (o.kind === 'states' && isDict(entry) && Object.keys(entry).length === 1 && !('match' in entry) && typeof Object.values(entry)[0] === 'string') {
          // `- dev: sls`: an SLS of that environment (skipped, as in Salt, when there is no such environment).
          const [k, v] = Object.entries(entry)[0]!;
          if (!o.hasEnv || o.hasEnv(k)) found.push({ env: k, sls: v as string, file, line });
          else o.log.warn(`top file: ignoring '- ${k}: ${String(v)}' under '${tgt}': there is no environment '${k}'`, { file, line });
        } else if (isDict(entry) && 'match' in entry) {
          try {
            type = parseTargetType(String(entry['match']));
          } catch (e) {
            throw new RenderError(file, line, `top file: ${errorMessage(e)}`);
          }
        } else o.log.warn(`top file: ignoring entry ${JSON.stringify(entry)} under '${tgt}' (only SLS names, '- match: type' and, in the state top, '- saltenv: sls' are understood)`, { file, line });
      }
      let matched: boolean;
      try {
        matched = matchTarget({ tgt, type }, o.subject, { nodegroups: o.nodegroups });
      } catch (e) {
        throw new RenderError(file, line, `top file: target '${tgt}': ${errorMessage(e)}`);
      }
      if (!matched) continue;
      if (!byEnv.has(env)) byEnv.set(env, []);
      for (const m of found) add(m);
    }
  }
  return byEnv;
}
