/**
 * Top files (`top.sls`, states and pillar): `env: {target: [sls, ..., {match: type}]}`. The compound matcher is
 * the default, as Salt's confirm_top has it (`'G@os_family:Debian'` or `'web* and G@role:app'` need no `match`; a
 * plain glob means the same through it); non-string entries other than `match` (and, in the state top, `{env: sls}`)
 * are ignored with a warning. Result: SLS names per env, in file order (de-duplicated for the pillar top).
 */
import { RenderError, errorMessage, isDict, matchTarget, parseTargetType, type Logger, type TargetSubject, type TargetType } from '@brine/core';

export interface TopMatch {
  env: string;
  sls: string;
  /** Line of the target in the top file. */
  line: number | undefined;
}

export function matchTopData(
  data: unknown,
  file: string,
  lineOf: (path: (string | number)[]) => number | undefined,
  subject: TargetSubject,
  nodegroups: Record<string, string | string[]> | undefined,
  log: Logger,
  /**
   * The state top (Salt's State.top_matches) lists a name as often as targets give it, and takes `{env: sls}` entries;
   * the pillar top (Pillar.top_matches) lists each name once and only takes plain names.
   */
  kind: 'states' | 'pillar' = 'pillar',
): TopMatch[] {
  const out: TopMatch[] = [];
  if (data === null || data === undefined) return out;
  if (!isDict(data)) throw new RenderError(file, 1, `top file: is not a mapping of environments (start with 'base:')`);
  for (const [env, targets] of Object.entries(data)) {
    if (targets === null || targets === undefined) continue;
    if (!isDict(targets)) throw new RenderError(file, lineOf([env]), `top file: environment '${env}' is not a mapping of targets (write '${env}:\\n  "*":\\n    - sls')`);
    for (const [tgt, entries] of Object.entries(targets)) {
      const line = lineOf([env, tgt]);
      const list = Array.isArray(entries) ? entries : typeof entries === 'string' ? [entries] : [];
      let type: TargetType = 'compound';
      const names: string[] = [];
      for (const entry of list) {
        if (typeof entry === 'string') names.push(entry);
        else if (kind === 'states' && isDict(entry) && Object.keys(entry).length === 1 && (Object.keys(entry)[0] === env || Object.keys(entry)[0] === 'base') && typeof Object.values(entry)[0] === 'string') {
          // `- base: sls` (Salt: an SLS of that environment; Brine serves one environment).
          names.push(Object.values(entry)[0] as string);
        } else if (isDict(entry) && 'match' in entry) {
          try {
            type = parseTargetType(String(entry['match']));
          } catch (e) {
            throw new RenderError(file, line, `top file: ${errorMessage(e)}`);
          }
        } else log.warn(`top file: ignoring entry ${JSON.stringify(entry)} under '${tgt}' (only SLS names, '- match: type' and, in the state top, '- base: sls' are understood)`, { file, line });
      }
      let matched: boolean;
      try {
        matched = matchTarget({ tgt, type }, subject, { nodegroups });
      } catch (e) {
        throw new RenderError(file, line, `top file: target '${tgt}': ${errorMessage(e)}`);
      }
      if (!matched) continue;
      // The environments' lists are read as one (Brine serves one environment): a name another environment's
      // section already gave is not listed again.
      for (const sls of names) if (!out.some((m) => m.sls === sls && (kind === 'pillar' ? m.env === env : m.env !== env))) out.push({ env, sls, line });
    }
  }
  return out;
}
