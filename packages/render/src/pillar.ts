/**
 * Pillar: the pillar roots' top.sls picks SLS files for this minion; each is rendered (Jinja then YAML) and
 * merged in top order as Salt merges them (pillar_source_merging_strategy, pillar_merge_lists; dicts whose keys or
 * order a JS object cannot hold stay PyDicts, see wire-data.ts). Top entries and includes may be globs (`roles.*`).
 * A pillar SLS may `include:` others (absolute or relative, with `key:` to nest and `defaults:` as template
 * variables); as in Salt, its includes are merged first and its own data last (pillar_includes_override_sls turns
 * that round), and an SLS named again is merged again from its first render. While rendering, `pillar` is empty,
 * as it is in Salt. Any failure throws RenderError: a minion never gets a half-compiled pillar.
 */
import { FileEnvs, FileRoots, RenderError, globMatch, isDict, nullLogger, type Dict, type Logger } from '@brine/core';
import { merge } from './salt/data';
import { SaltJinja } from './salt/jinja';
import { SaltLoader } from './salt/loader';
import { saltTemplateFunctions } from './salt/index';
import { renderPipe } from './salt/render-pipe';
import { plainTop } from './salt/wire-data';
import { loadTemplateYaml } from './salt/yaml-values';
import { fileVars, findSls, resolveInclude, slsCandidates, slsNames } from './sls/names';
import { mergePillarTops, topIncludes, topMatches, type TopFileData } from './sls/top';
import type { SaltFunction } from './types';
import { parseSaltYaml } from './yaml/load';
import { gpgOptions } from './sls/gpg';
import { renderThroughPipe } from './sls/pipe';

export interface PillarOptions {
  /** The pillar roots of base (when `envs` is not given, the only environment). */
  roots?: FileRoots;
  /** Every pillar_roots environment. */
  envs?: FileEnvs;
  id: string;
  grains: Dict;
  opts?: Dict;
  /** Execution functions, called as `(args, kwargs)`. */
  salt?: Record<string, SaltFunction>;
  log?: Logger;
  /** Only this environment's top file and section (Salt's pillarenv); default: the `pillarenv` option. */
  pillarenv?: string | null;
}

const NO_ROOTS = new FileRoots([]);

export function compilePillar(o: PillarOptions): Dict {
  const log = o.log ?? nullLogger;
  const opts = o.opts ?? {};
  const envs = o.envs ?? FileEnvs.single('base', o.roots ?? NO_ROOTS);
  const pillarenv = o.pillarenv !== undefined ? o.pillarenv : typeof opts['pillarenv'] === 'string' && opts['pillarenv'] ? opts['pillarenv'] : null;
  let pillar: Dict = {};
  // What `pillar` (and pillar.get) shows while pillar SLS render: as in Salt, not the data being compiled (the
  // master's options hold no pillar), so one pillar SLS cannot read another's values.
  const templatePillar: Dict = {};
  // Salt's pillar merging: pillar_source_merging_strategy (smart: recurse for YAML), pillar_merge_lists.
  const strategy = typeof opts['pillar_source_merging_strategy'] === 'string' ? opts['pillar_source_merging_strategy'] : 'smart';
  const renderer = typeof opts['renderer'] === 'string' ? opts['renderer'] : 'jinja|yaml';
  const mergeLists = opts['pillar_merge_lists'] === true;
  const mergePillar = (a: Dict, b: unknown): Dict => plainTop(merge(a, isDict(b) ? b : {}, strategy, renderer, mergeLists, (m) => log.warn(`pillar: ${m}`)));
  const gpg = { ...gpgOptions(opts), log };

  /** Rendering in one pillar environment: its roots, Jinja loader, template functions and variables. */
  interface View {
    env: string;
    roots: FileRoots;
    jinja: SaltJinja;
    vars: (file: string, sls?: string) => Dict;
    avail?: string[];
  }
  const views = new Map<string, View>();
  const viewOf = (env: string): View => {
    let v = views.get(env);
    if (v) return v;
    const roots = envs.get(env) ?? NO_ROOTS;
    const jinja = new SaltJinja({ roots, opts, sls: true });
    const render = renderPipe((text, file, extra) => jinja.renderString(text, file, { ...vars(file), ...extra }));
    const fns = saltTemplateFunctions({ id: o.id, grains: o.grains, opts, saltenv: env, roots, rootsFor: (e) => envs.get(e) ?? null, log, render, pillar: templatePillar });
    const salt = new SaltLoader(fns, o.salt ?? {}, o.grains);
    const vars = (file: string, sls?: string): Dict => ({ grains: o.grains, opts, pillar: templatePillar, saltenv: env, salt, ...fileVars(file, sls, roots.resolve(`salt://${file}`)) });
    v = { env, roots, jinja, vars };
    views.set(env, v);
    return v;
  };

  // Salt's Pillar.get_tops: the top file of pillarenv (when it exists), else of every environment (only
  // base, or the saltenv, with pillar_source_merging_strategy none).
  const topFile = 'top.sls';
  const topEnvs = pillarenv ? (envs.has(pillarenv) ? [pillarenv] : []) : strategy === 'none' ? ['base'] : envs.names();
  const tops = new Map<string, TopFileData[]>();
  for (const env of topEnvs) {
    const v = viewOf(env);
    const text = v.roots.read(topFile);
    if (text === null) continue;
    const readTop = (file: string, body: string): TopFileData => {
      const top = renderThroughPipe(body, file, 'pillar top file', { jinja: () => v.jinja.render(file, v.vars(file)), yaml: (t) => parseSaltYaml(t, file, 'data'), gpg });
      return { data: top.data, file, lineOf: top.lineOf };
    };
    const first = readTop(topFile, text.toString('utf8'));
    // Salt's get_tops: a top file's `include:` adds SLS files of the same environment as more top data.
    const included = topIncludes(first, () => (v.avail ??= slsNames(v.roots)), (sls) => {
      const f = findSls(v.roots, sls);
      return f ? readTop(f.file, f.text) : null;
    });
    tops.set(env, [first, ...included]);
  }
  if (tops.size === 0) {
    log.debug('pillar: no top.sls in the pillar roots; pillar is empty');
    return {};
  }
  const { top, ignored } = mergePillarTops(tops);
  const matches = [...topMatches(top, { subject: { id: o.id, grains: o.grains, pillar: {} }, nodegroups: opts['nodegroups'] as never, log, kind: 'pillar', only: pillarenv }).values()].flat();

  // Salt's render_pillar / render_pstate (salt/pillar/__init__.py), per environment. `mods`: each SLS's own data
  // (without what it includes) once rendered; an SLS named again (by the top file or another include) is merged
  // again. Salt's fnmatch.filter over every SLS name; the tree is listed only for a glob (a plain name matches
  // itself when its file is there: a master compiling pillar for each of 10,000 minions must not list the tree each
  // time).
  const expandIn = (v: View, pattern: string): string[] => {
    if (!/[*?[]/.test(pattern)) return findSls(v.roots, pattern) ? [pattern] : [];
    v.avail ??= slsNames(v.roots);
    return v.avail.filter((n) => globMatch(pattern, n));
  };
  const includesOverride = opts['pillar_includes_override_sls'] === true;
  const modsOf = new Map<string, Map<string, Dict | undefined>>();
  const renderPstate = (v: View, sls: string, from: { file: string; line: number | undefined }, defaults: Dict): Dict | undefined => {
    let mods = modsOf.get(v.env);
    if (!mods) modsOf.set(v.env, (mods = new Map()));
    const found = findSls(v.roots, sls);
    if (!found) {
      // Salt: a name under a target with `ignore_missing: True` that has no file is skipped.
      if (ignored.get(v.env)?.has(sls)) {
        log.debug(`pillar: skipping missing SLS '${sls}' in environment '${v.env}' (ignore_missing)`);
        return undefined;
      }
      const [a, b] = slsCandidates(sls);
      throw new RenderError(from.file, from.line, `pillar: SLS '${sls}' is not in the pillar roots${v.env === 'base' ? '' : ` of environment '${v.env}'`} (no ${a} or ${b}; fix the name or add the file)`);
    }
    const parsed = renderThroughPipe(found.text, found.file, `pillar SLS ${sls}`, {
      jinja: () => v.jinja.render(found.file, { ...v.vars(found.file, sls), ...defaults }),
      yaml: (text) => {
        const p = parseSaltYaml(text, found.file, 'data');
        // Keys as Python sees them (a mapping with int or bool keys keeps them), floats that stay floats.
        if (isDict(p.data)) p.data = loadTemplateYaml(text, found.file, 'data');
        return p;
      },
      gpg,
    });
    if (parsed.data === null || parsed.data === undefined || (isDict(parsed.data) && Object.keys(parsed.data).length === 0)) {
      mods.set(sls, undefined);
      return undefined;
    }
    if (!isDict(parsed.data)) throw new RenderError(found.file, 1, `pillar: SLS '${sls}' does not render to a mapping (the top level must be 'key: value' entries)`);
    let state: Dict = plainTop(parsed.data);
    const includes = state['include'];
    delete state['include'];
    mods.set(sls, state);
    if (includes === undefined) return state;
    if (!Array.isArray(includes)) throw new RenderError(found.file, parsed.lineOf(['include']), `pillar: the include declaration in SLS '${sls}' is not formed as a list`);
    const included: Dict[] = [];
    // As in Salt, a `defaults` given with one entry stays in effect for the plain entries after it.
    let dflts = defaults;
    includes.forEach((entry, i) => {
      const line = parsed.lineOf(['include', i]);
      const raw = typeof entry === 'string' ? entry : isDict(entry) ? Object.keys(entry)[0] : undefined;
      if (raw === undefined) throw new RenderError(found.file, line, `pillar include: entry ${i + 1} is not a valid SLS name (write '- name' or '- .relative')`);
      let key: string | undefined;
      if (isDict(entry)) {
        const opt = isDict(entry[raw]) ? (entry[raw] as Dict) : {};
        dflts = isDict(opt['defaults']) ? (opt['defaults'] as Dict) : {};
        key = typeof opt['key'] === 'string' ? opt['key'] : undefined;
      }
      // Salt matches the name with its leading dots dropped, and a relative name resolved, against every SLS.
      let name = raw;
      const matched = expandIn(v, raw.replace(/^\.+/, '').replace(/\//g, '.'));
      if (raw.startsWith('.')) {
        const resolved = resolveInclude(raw, sls, found.file);
        if (resolved === null) throw new RenderError(found.file, line, `pillar include: relative include '${raw}' goes above the top of the pillar roots (use fewer dots or an absolute SLS name)`);
        name = resolved;
        matched.push(...expandIn(v, name));
      }
      for (const m of matched.length ? matched : [name]) {
        let sub: unknown = mods.has(m) ? mods.get(m) : renderPstate(v, m, { file: found.file, line }, dflts);
        if (sub === undefined) continue;
        if (key !== undefined) for (const k of key.split(':').reverse()) sub = { [k]: sub };
        if (includesOverride) state = mergePillar(state, sub);
        else included.push(sub as Dict);
      }
    });
    // The including file is merged last: its own values win (unless pillar_includes_override_sls).
    return includesOverride ? state : [...included, state].reduce((a, b) => mergePillar(a, b));
  };

  for (const m of matches) {
    if (!envs.has(m.env)) throw new RenderError(m.file, m.line, `pillar top file: No matching pillar environment for environment '${m.env}' found (the environments are: ${envs.names().join(', ')})`);
    const v = viewOf(m.env);
    const matched = expandIn(v, m.sls);
    for (const sls of matched.length ? matched : [m.sls]) {
      const pstate = renderPstate(v, sls, { file: m.file, line: m.line }, {});
      if (pstate !== undefined) pillar = mergePillar(pillar, pstate);
    }
  }
  return pillar;
}
