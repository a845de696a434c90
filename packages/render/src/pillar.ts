/**
 * Pillar: the pillar roots' top.sls picks SLS files for this minion; each is rendered (Jinja then YAML) and
 * merged in top order as Salt merges them (pillar_source_merging_strategy, pillar_merge_lists; dicts whose keys or
 * order a JS object cannot hold stay PyDicts, see wire-data.ts). A pillar SLS may `include:` others (absolute or relative); as in Salt, included data
 * is merged over the including file's own data, and each file is rendered once. While rendering, `pillar` holds
 * the data merged so far. Any failure throws RenderError: a minion never gets a half-compiled pillar.
 */
import { RenderError, isDict, nullLogger, type Dict, type FileRoots, type Logger } from '@brine/core';
import { merge } from './salt/data';
import { SaltJinja } from './salt/jinja';
import { SaltLoader } from './salt/loader';
import { saltTemplateFunctions } from './salt/index';
import { renderPipe } from './salt/render-pipe';
import { plainTop } from './salt/wire-data';
import { loadTemplateYaml } from './salt/yaml-values';
import { fileVars, findSls, resolveInclude, slsCandidates } from './sls/names';
import { matchTopData } from './sls/top';
import type { SaltFunction } from './types';
import { parseSaltYaml } from './yaml/load';
import { gpgOptions } from './sls/gpg';
import { renderThroughPipe } from './sls/pipe';

export interface PillarOptions {
  roots: FileRoots;
  id: string;
  grains: Dict;
  opts?: Dict;
  /** Execution functions, called as `(args, kwargs)`; `pillar.get` etc. default to the data compiled so far. */
  salt?: Record<string, SaltFunction>;
  log?: Logger;
  saltenv?: string;
}

export function compilePillar(o: PillarOptions): Dict {
  const log = o.log ?? nullLogger;
  const opts = o.opts ?? {};
  const env = o.saltenv ?? 'base';
  const jinja = new SaltJinja({ roots: o.roots, opts, sls: true });
  let pillar: Dict = {};
  const render = renderPipe((text, file, extra) => jinja.renderString(text, file, { ...vars(file), ...extra }));
  const fns = saltTemplateFunctions({
    id: o.id,
    grains: o.grains,
    opts,
    saltenv: env,
    roots: o.roots,
    log,
    render,
    get pillar() {
      return pillar;
    },
  });
  const salt = new SaltLoader(fns, o.salt ?? {}, o.grains);
  // Salt's pillar merging: pillar_source_merging_strategy (smart: recurse for YAML), pillar_merge_lists.
  const strategy = typeof opts['pillar_source_merging_strategy'] === 'string' ? opts['pillar_source_merging_strategy'] : 'smart';
  const renderer = typeof opts['renderer'] === 'string' ? opts['renderer'] : 'jinja|yaml';
  const mergeLists = opts['pillar_merge_lists'] === true;
  const mergePillar = (a: Dict, b: unknown): Dict => plainTop(merge(a, isDict(b) ? b : {}, strategy, renderer, mergeLists, (m) => log.warn(`pillar: ${m}`)));
  const vars = (file: string, sls?: string): Dict => ({ grains: o.grains, opts, pillar, saltenv: env, salt, ...fileVars(file, sls) });

  const gpg = { ...gpgOptions(opts), log };
  const topFile = 'top.sls';
  if (o.roots.read(topFile) === null) {
    log.debug('pillar: no top.sls in the pillar roots; pillar is empty');
    return {};
  }
  const top = renderThroughPipe(o.roots.read(topFile)?.toString('utf8') ?? '', topFile, 'pillar top file', { jinja: () => jinja.render(topFile, vars(topFile)), yaml: (t) => parseSaltYaml(t, topFile), gpg });
  const matches = matchTopData(top.data, topFile, top.lineOf, { id: o.id, grains: o.grains, pillar: {} }, opts['nodegroups'] as never, log);

  const seen = new Set<string>();
  const renderPillarSls = (sls: string, from: { file: string; line: number | undefined }): Dict => {
    seen.add(sls);
    const found = findSls(o.roots, sls);
    if (!found) {
      const [a, b] = slsCandidates(sls);
      throw new RenderError(from.file, from.line, `pillar: SLS '${sls}' is not in the pillar roots (no ${a} or ${b}; fix the name or add the file)`);
    }
    const parsed = renderThroughPipe(found.text, found.file, `pillar SLS ${sls}`, {
      jinja: () => jinja.render(found.file, vars(found.file, sls)),
      yaml: (text) => {
        const p = parseSaltYaml(text, found.file);
        // Keys as Python sees them (a mapping with int or bool keys keeps them), floats that stay floats.
        if (isDict(p.data)) p.data = loadTemplateYaml(text, found.file, 'data');
        return p;
      },
      gpg,
    });
    if (parsed.data === null || parsed.data === undefined) return {};
    if (!isDict(parsed.data)) throw new RenderError(found.file, 1, `pillar: SLS '${sls}' does not render to a mapping (the top level must be 'key: value' entries)`);
    let own: Dict = plainTop(parsed.data);
    const includes = own['include'];
    delete own['include'];
    const list = Array.isArray(includes) ? includes : includes === undefined ? [] : [includes];
    list.forEach((entry, i) => {
      const line = parsed.lineOf(['include', i]);
      const raw = typeof entry === 'string' ? entry : isDict(entry) ? Object.keys(entry)[0] : undefined;
      const opt = isDict(entry) && raw !== undefined && isDict(entry[raw]) ? (entry[raw] as Dict) : {};
      const name = raw === undefined ? null : resolveInclude(raw, sls, found.file);
      if (name === null) throw new RenderError(found.file, line, `pillar include: entry ${i + 1} is not a valid SLS name (write '- name' or '- .relative')`);
      if (seen.has(name)) return;
      let sub: unknown = renderPillarSls(name, { file: found.file, line });
      if (typeof opt['key'] === 'string') for (const k of opt['key'].split(':').reverse()) sub = { [k]: sub };
      own = mergePillar(own, sub);
    });
    return own;
  };

  for (const m of matches) {
    if (seen.has(m.sls)) continue;
    pillar = mergePillar(pillar, renderPillarSls(m.sls, { file: topFile, line: m.line }));
  }
  return pillar;
}
